'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { Verifier, TokenwardError } = require('..');
const { TestIssuer } = require('../testing');

const AUD = 'my-api';

test('1000 concurrent verify calls on a cold cache make one fetch', async () => {
  const issuer = new TestIssuer();
  issuer.setBehavior({ delay: 0.2 });
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD });
  const tokens = Array.from({ length: 1000 }, (_, i) => issuer.mint({ sub: `u${i}`, aud: AUD }));
  const claims = await Promise.all(tokens.map((t) => verifier.verify(t)));
  assert.deepEqual(claims.map((c) => c.sub), tokens.map((_, i) => `u${i}`));
  assert.equal(issuer.jwksRequests, 1);
});

test('concurrent bad tokens on a cold cache are each refused with their own code', async () => {
  const issuer = new TestIssuer();
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD });
  const outcomes = await Promise.allSettled([
    verifier.verify(issuer.mint({ aud: AUD, sub: 'ok' })),
    verifier.verify(issuer.mint({ aud: 'nope' })),
    verifier.verify(issuer.mint({ aud: AUD, exp: 1 })),
  ]);
  assert.equal(outcomes[0].value.sub, 'ok');
  assert.equal(outcomes[1].reason.code, 'ERR_INVALID_AUDIENCE');
  assert.equal(outcomes[2].reason.code, 'ERR_TOKEN_EXPIRED');
  assert.ok(outcomes[1].reason instanceof TokenwardError);
});

test('the event loop keeps running while keys are fetched', async () => {
  const issuer = new TestIssuer();
  issuer.setBehavior({ delay: 1 });
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD });
  let ticks = 0;
  const timer = setInterval(() => { ticks += 1; }, 10);
  await verifier.verify(issuer.mint({ aud: AUD }));
  clearInterval(timer);
  // A blocked loop runs no timer before the fetch ends: a few ticks show it ran
  // meanwhile, without asking how many fit in a second on a busy machine.
  assert.ok(ticks >= 3, `only ${ticks} ticks while a 1 s fetch was pending`);
});

test('a failed fetch rejects with ERR_JWKS_FETCH_FAILED', async () => {
  const issuer = new TestIssuer();
  issuer.setBehavior({ status: 503 });
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD, timeout: 2 });
  await assert.rejects(verifier.verify(issuer.mint({ aud: AUD })), { code: 'ERR_JWKS_FETCH_FAILED' });
  await assert.rejects(verifier.refresh(), { code: 'ERR_JWKS_FETCH_FAILED' });
});

function runWorker(data) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'fixtures', 'verify-worker.js'), { workerData: data });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

test('verification works from worker_threads, fetching and with held keys', async () => {
  const issuer = new TestIssuer(['RS256']);
  const good = issuer.mint({ sub: 'from-worker', aud: AUD });
  const bad = issuer.mint({ sub: 'x', aud: 'elsewhere' });
  const results = await Promise.all(
    [1, 2, 3].map(() => runWorker({ jwksUrl: issuer.jwksUrl, audience: AUD, good, bad })),
  );
  for (const r of results) {
    assert.deepEqual(r, { fetched: 'from-worker', sync: 'from-worker', refused: 'ERR_INVALID_AUDIENCE' });
  }
  assert.equal(issuer.jwksRequests, 3, 'each worker has its own verifier and cache');
});
