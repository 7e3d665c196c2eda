'use strict';
// tokenward's events reach node:diagnostics_channel subscribers and a logger
// set with setLogger, with their fields, and never with a token or its
// signature. Events arrive on a later turn of the event loop than the call
// that caused them, so each test waits for the event it expects.
const test = require('node:test');
const assert = require('node:assert/strict');
const diagnosticsChannel = require('node:diagnostics_channel');
const { Verifier, setLogger } = require('..');
const { TestIssuer } = require('../testing');

/** Every event published on `name` from now on; `until(predicate)` resolves with the first match. */
function subscribe(name) {
  const events = [];
  const waiting = [];
  const onEvent = (event) => {
    events.push(event);
    for (const w of waiting.splice(0)) {
      if (w.predicate(event)) w.resolve(event);
      else waiting.push(w);
    }
  };
  diagnosticsChannel.subscribe(name, onEvent);
  return {
    events,
    until(predicate) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiting.push({ predicate, resolve }));
    },
    close: () => diagnosticsChannel.unsubscribe(name, onEvent),
  };
}

const about = (issuer, message) => (e) => e.fields.url === issuer.jwksUrl && e.message === message;

test('a fetch publishes an info event with the url and key count on tokenward:jwks', { timeout: 60_000 }, async () => {
  const jwks = subscribe('tokenward:jwks');
  const issuer = new TestIssuer();
  try {
    await new Verifier({ jwksUrl: issuer.jwksUrl }).verify(issuer.mint({ sub: 'u' }));
    const event = await jwks.until(about(issuer, 'JWKS fetched'));
    assert.deepEqual(event, {
      level: 'info',
      target: 'tokenward::jwks',
      component: 'jwks',
      message: 'JWKS fetched',
      fields: { url: issuer.jwksUrl, keys: 1, skipped: 0 },
      text: `JWKS fetched url=${issuer.jwksUrl} keys=1 skipped=0`,
    });
  } finally {
    jwks.close();
  }
});

test('a failed fetch publishes a warning with the error code', { timeout: 60_000 }, async () => {
  const all = subscribe('tokenward:log');
  const issuer = new TestIssuer();
  issuer.setBehavior({ status: 503 });
  try {
    await assert.rejects(new Verifier({ jwksUrl: issuer.jwksUrl }).verify(issuer.mint({ sub: 'u' })), {
      code: 'ERR_JWKS_FETCH_FAILED',
    });
    const event = await all.until((e) => e.message === 'JWKS fetch failed' && e.fields.error.includes(issuer.jwksUrl));
    assert.equal(event.level, 'warn');
    assert.equal(event.fields.code, 'jwks_fetch_failed');
  } finally {
    all.close();
  }
});

test('a skipped JWKS entry publishes its reason on tokenward:keys', { timeout: 60_000 }, async () => {
  const keys = subscribe('tokenward:keys');
  const issuer = new TestIssuer();
  const jwks = issuer.jwks();
  jwks.keys.push({ kty: 'XYZ', kid: 'node-logging-bad-entry' });
  issuer.setBehavior({ body: JSON.stringify(jwks) });
  try {
    await new Verifier({ jwksUrl: issuer.jwksUrl }).verify(issuer.mint({ sub: 'u' }));
    const event = await keys.until((e) => e.text.includes('node-logging-bad-entry'));
    assert.equal(event.message, 'skipping unusable JWKS entry');
    assert.equal(event.fields.reason, 'key "node-logging-bad-entry": unsupported "kty" "XYZ"');
  } finally {
    keys.close();
  }
});

test('no event carries the token or its signature', { timeout: 60_000 }, async () => {
  const all = subscribe('tokenward:log');
  const issuer = new TestIssuer();
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl });
  const token = issuer.mint({ sub: 'u' });
  try {
    await verifier.verify(token);
    assert.equal(await verifier.validate(issuer.mint({ sub: 'u' }, { header: { kid: 'no-such-kid' } })), false);
    await all.until((e) => e.fields.kid === 'no-such-kid');
    // The refetch the unknown kid caused is the last event of this test.
    await all.until(() => all.events.filter(about(issuer, 'JWKS fetched')).length === 2);
    const signature = token.split('.')[2];
    for (const event of all.events) {
      const text = JSON.stringify(event);
      assert.ok(!text.includes(token) && !text.includes(signature), text);
    }
  } finally {
    all.close();
  }
});

test('setLogger receives pino-style calls: logger[level](fields, message)', { timeout: 60_000 }, async () => {
  const calls = [];
  let arrived;
  const fetched = new Promise((resolve) => {
    arrived = resolve;
  });
  const issuer = new TestIssuer();
  const record = (level) => (fields, message) => {
    calls.push({ level, fields, message });
    if (fields.url === issuer.jwksUrl && message === 'JWKS fetched') arrived();
  };
  setLogger({ error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug') });
  try {
    await new Verifier({ jwksUrl: issuer.jwksUrl }).verify(issuer.mint({ sub: 'u' }));
    await fetched;
    const mine = calls.filter((c) => c.fields.url === issuer.jwksUrl);
    assert.deepEqual(mine, [
      {
        level: 'info',
        fields: { target: 'tokenward::jwks', url: issuer.jwksUrl, keys: 1, skipped: 0 },
        message: 'JWKS fetched',
      },
    ]);
    assert.ok(calls.every((c) => c.level !== 'debug'), 'the default level is info');
  } finally {
    setLogger(null);
  }
});

test('setLogger refuses what is not a logger and an unknown level', () => {
  assert.throws(() => setLogger('console'), TypeError);
  assert.throws(() => setLogger({}), TypeError);
  assert.throws(() => setLogger(console, { level: 'verbose' }), TypeError);
  setLogger(null);
});
