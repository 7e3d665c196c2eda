'use strict';
// Provider presets over loopback HTTP (the shared table in
// tests/providers/cases.json, also run by the core and by Python), and
// verifiers that trust several issuers.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Verifier, TokenwardError } = require('..');
const { TestIssuer } = require('../testing.js');
const { load } = require('../native.js');

const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'providers', 'cases.json'), 'utf8')).presets;

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** `"{{now+N}}"` / `"{{now-N}}"` to Unix times; everything else as written. */
function resolve(value) {
  if (typeof value === 'string' && value.startsWith('{{now') && value.endsWith('}}')) {
    return Math.floor(Date.now() / 1000) + Number(value.slice(5, -2));
  }
  return value;
}

function claimsOf(base, patch = {}) {
  const out = {};
  for (const [k, v] of Object.entries({ ...base, ...patch })) out[k] = resolve(v);
  return out;
}

async function refusal(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a refusal');
}

for (const [i, c] of CASES.entries()) {
  test(`${c.provider} preset ${i}: its tokens pass, each broken rule is refused with its code`, async () => {
    const issuer = new TestIssuer([c.alg]);
    const options = Object.fromEntries(Object.entries(c.args).map(([k, v]) => [camel(k), v]));
    if (c.keys === 'x509') options.x509Url = issuer.x509Url;
    else options.jwksUrl = issuer.jwksUrl;
    const verifier = Verifier[c.provider](options);
    for (const claims of c.valid) {
      const { claims: verified, issuerConfig } = await verifier.verifyDetailed(issuer.mint(claimsOf(claims)));
      assert.equal(verified.iss, claims.iss);
      assert.equal(issuerConfig, null);
    }
    for (const row of c.refused) {
      const err = await refusal(verifier.verify(issuer.mint(claimsOf(c.valid[0], row.claims))));
      assert.ok(err instanceof TokenwardError, row.why);
      assert.deepEqual([err.code, err.claim], [`ERR_${row.code.toUpperCase()}`, row.claim], row.why);
    }
  });
}

test('every core preset is a static method of Verifier', () => {
  const names = load().providerSpecs().map((p) => p.name);
  assert.ok(names.length >= 10);
  for (const name of names) assert.equal(typeof Verifier[name], 'function', name);
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
  for (const name of names) assert.match(dts, new RegExp(`static ${name}\\(`), `index.d.ts declares ${name}`);
});

test('preset arguments are checked, and the issuer cannot be overridden', () => {
  const refused = (fn, pattern) => assert.throws(fn, (err) => err.code === 'ERR_CONFIGURATION' && pattern.test(err.message));
  refused(() => Verifier.auth0({ domain: 'https://evil.example', audience: 'api' }), /host name/);
  refused(() => Verifier.auth0({ domain: 'a.example', audience: 'api', issuer: 'https://evil.example/' }), /sets issuer/);
  refused(() => Verifier.google({ clientIds: 'c', leway: 3 }), /did you mean `leeway`/);
  refused(() => Verifier.entra({ tenant: 'common', audience: 'app' }), /allowed_tenants/);
  refused(() => Verifier.preset('nope', {}), /unknown provider/);
  assert.throws(() => Verifier.auth0({ domain: 7, audience: 'api' }), TypeError);
});

test('a preset keeps its issuer when its key source moves: a foreign token causes no fetch', async () => {
  const issuer = new TestIssuer(['RS256']);
  const verifier = Verifier.auth0({ domain: 'tenant.auth0.test', audience: 'api', jwksUrl: issuer.jwksUrl, leeway: 5 });
  const err = await refusal(verifier.verify(issuer.mint({ aud: 'api' })));
  assert.equal(err.code, 'ERR_INVALID_ISSUER');
  assert.equal(issuer.jwksRequests, 0);
});

test('anyOf routes by iss, names the configuration, and never shares keys', async () => {
  const a = new TestIssuer();
  const b = new TestIssuer();
  const both = Verifier.anyOf({
    prod: new Verifier({ jwksUrl: a.jwksUrl, issuer: a.url, audience: 'api' }),
    staging: new Verifier({ jwksUrl: b.jwksUrl, issuer: b.url, audience: 'api' }),
  });
  assert.ok(both instanceof Verifier);
  assert.equal((await both.verifyDetailed(a.mint({ aud: 'api' }))).issuerConfig, 'prod');
  assert.equal((await both.verifyDetailed(b.mint({ aud: 'api' }))).issuerConfig, 'staging');
  assert.equal((await both.verify(b.mint({ aud: 'api', sub: 'u' }))).sub, 'u');
  const forged = await refusal(both.verify(a.mint({ aud: 'api', iss: b.url })));
  assert.ok(['ERR_KEY_NOT_FOUND', 'ERR_INVALID_SIGNATURE'].includes(forged.code), forged.code);
  const before = [a.jwksRequests, b.jwksRequests];
  const stranger = await refusal(both.verify(a.mint({ aud: 'api', iss: 'https://stranger.example' })));
  assert.equal(stranger.code, 'ERR_INVALID_ISSUER');
  assert.equal((await refusal(both.verify(a.mint({ aud: 'api', iss: null })))).code, 'ERR_MISSING_CLAIM');
  assert.deepEqual([a.jwksRequests, b.jwksRequests], before);
});

test('anyOf refuses what it could not route', () => {
  const a = new TestIssuer();
  assert.throws(
    () => Verifier.anyOf({ a: new Verifier({ jwksUrl: a.jwksUrl, audience: 'api' }) }),
    (err) => err.code === 'ERR_CONFIGURATION' && /names no issuer/.test(err.message),
  );
  assert.throws(() => Verifier.anyOf({ a: {} }), TypeError);
  assert.throws(() => Verifier.anyOf([]), TypeError);
});
