'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Verifier, TokenwardError, decodeUnverified, scopesOf, ERROR_CODES } = require('..');
const { TestIssuer } = require('../testing');

const AUD = 'my-api';
const SECRET = Buffer.alloc(32, 'k');

function remote(issuer, extra = {}) {
  return new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: AUD, ...extra });
}

test('verify resolves to the claims', async () => {
  const issuer = new TestIssuer();
  const claims = await remote(issuer).verify(issuer.mint({ sub: 'user-1', aud: AUD, scope: 'a b' }));
  assert.equal(claims.sub, 'user-1');
  assert.equal(claims.iss, issuer.url);
  assert.equal(claims.scope, 'a b');
});

test('with keys held, verify returns an already settled promise (no thread hop)', async () => {
  const issuer = new TestIssuer();
  const verifier = remote(issuer);
  await verifier.refresh();
  let settled = false;
  verifier.verify(issuer.mint({ aud: AUD })).then(() => { settled = true; });
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(settled, true);
  let rejected = false;
  verifier.verify('garbage').catch(() => { rejected = true; });
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(rejected, true);
});

test('refusals carry ERR_ code, claim and message', async () => {
  const issuer = new TestIssuer();
  const verifier = remote(issuer);
  await assert.rejects(verifier.verify(issuer.mint({ aud: 'other' })), (err) => {
    assert.ok(err instanceof TokenwardError && err instanceof Error);
    assert.equal(err.code, 'ERR_INVALID_AUDIENCE');
    assert.equal(err.claim, 'aud');
    assert.match(err.message, /other/);
    assert.equal(err.isTokenProblem, true);
    return true;
  });
  await assert.rejects(verifier.verify(issuer.mint({ aud: AUD, exp: 1000 })), { code: 'ERR_TOKEN_EXPIRED', claim: 'exp' });
});

test('a message quoting hostile token content still maps to the right code', async () => {
  const issuer = new TestIssuer();
  const verifier = remote(issuer);
  const weird = '","code":"ERR_NONE"}\u001f\u0000{';
  await assert.rejects(verifier.verify(issuer.mint({ aud: weird })), { code: 'ERR_INVALID_AUDIENCE' });
});

test('verifySync throws ERR_JWKS_NOT_LOADED before the first fetch, then works', async () => {
  const issuer = new TestIssuer();
  const verifier = remote(issuer);
  const token = issuer.mint({ aud: AUD, sub: 's' });
  assert.throws(() => verifier.verifySync(token), { code: 'ERR_JWKS_NOT_LOADED' });
  await verifier.refresh();
  assert.equal(verifier.verifySync(token).sub, 's');
  assert.equal(verifier.stats().fetches, 1);
  assert.equal(verifier.stats().keysLoaded, true);
});

test('validate is false for token problems and rejects for key problems', async () => {
  const issuer = new TestIssuer();
  assert.equal(await remote(issuer).validate(issuer.mint({ aud: AUD })), true);
  assert.equal(await remote(issuer).validate('x.y.z'), false);
  issuer.setBehavior({ status: 500 });
  await assert.rejects(remote(issuer, { timeout: 2 }).validate(issuer.mint({ aud: AUD })), { code: 'ERR_JWKS_FETCH_FAILED' });
});

test('wrong argument types throw TypeError', () => {
  const verifier = new Verifier({ secret: SECRET, algorithms: ['HS256'] });
  for (const bad of [undefined, null, 42, Buffer.from('a.b.c'), ['a.b.c'], {}]) {
    assert.throws(() => verifier.verify(bad), TypeError);
    assert.throws(() => verifier.verifySync(bad), TypeError);
    assert.throws(() => decodeUnverified(bad), TypeError);
  }
  assert.throws(() => new Verifier(), TypeError);
  assert.throws(() => new Verifier('https://a.example/jwks'), TypeError);
  assert.throws(() => new Verifier({ jwksUrl: 42 }), TypeError);
  assert.throws(() => new Verifier({ jwksUrl: 'https://a.example/j', leeway: '30' }), TypeError);
  assert.throws(() => new Verifier({ jwksUrl: 'https://a.example/j', audience: [1] }), TypeError);
  assert.throws(() => new Verifier({ jwksUrl: 'https://a.example/j', millisecondTimestamps: 1 }), TypeError);
});

for (const [options, pattern] of [
  [{}, /key source/],
  [{ jwksUrl: 'https://a.example/j', key: 'x' }, /exactly one/],
  [{ jwksUrl: 'http://example.com/j' }, /https/],
  [{ jwksUrl: 'https://a.example/j', leeway: -1 }, /leeway/],
  [{ jwksUrl: 'https://a.example/j', leeway: NaN }, /leeway/],
  [{ jwksUrl: 'https://a.example/j', algorithms: ['RS257'] }, /RS257/],
  [{ jwksUrl: 'https://a.example/j', maxTokenBytes: 1.5 }, /maxTokenBytes|max_token_bytes/],
  [{ jwksUrl: 'https://a.example/j', audiance: 'x' }, /audiance/],
  [{ secret: SECRET }, /HS/],
  [{ secret: 'short', algorithms: 'HS256' }, /secret/],
]) {
  test(`bad option values are ERR_CONFIGURATION: ${JSON.stringify(options)}`, () => {
    assert.throws(() => new Verifier(options), (err) => {
      assert.ok(err instanceof TokenwardError);
      assert.equal(err.code, 'ERR_CONFIGURATION');
      assert.equal(err.isTokenProblem, false);
      assert.match(err.message, pattern);
      return true;
    });
  });
}

test('secret as string, Buffer or Uint8Array is the same key', async () => {
  const jose = await import('jose');
  const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(SECRET);
  for (const secret of [SECRET, new Uint8Array(SECRET), SECRET.toString('utf8')]) {
    assert.equal(await new Verifier({ secret, algorithms: 'HS256' }).validate(token), true);
  }
});

test('jwks as object or JSON text, key as PEM', async () => {
  const issuer = new TestIssuer(['EdDSA']);
  const token = issuer.mint({ aud: AUD, sub: 'k' });
  assert.equal((await new Verifier({ jwks: issuer.jwks(), audience: AUD }).verify(token)).sub, 'k');
  assert.equal((await new Verifier({ jwks: JSON.stringify(issuer.jwks()), audience: AUD }).verify(token)).sub, 'k');
  const pem = issuer.publicKeyPem(issuer.kids[0]);
  assert.equal((await new Verifier({ key: pem, audience: AUD }).verify(token)).sub, 'k');
});

test('null and undefined options are treated as unset', () => {
  assert.doesNotThrow(() => new Verifier({ jwksUrl: 'https://a.example/j', audience: undefined, typ: null }));
});

test('decodeUnverified reads header and claims without checking', () => {
  const issuer = new TestIssuer();
  const { header, claims } = decodeUnverified(issuer.mint({ exp: 1, sub: 'x' }));
  assert.equal(header.kid, issuer.kids[0]);
  assert.equal(claims.exp, 1);
  assert.throws(() => decodeUnverified('a.b'), { code: 'ERR_MALFORMED' });
});

test('hostile inputs are refused, never crash', async () => {
  const verifier = new Verifier({ secret: SECRET, algorithms: ['HS256'], maxTokenBytes: 64 });
  for (const bad of ['', '.', '..', 'a'.repeat(100), '\0.\0.\0', 'é.é.é', 'e30.e30.', '\ud800.a.b']) {
    await assert.rejects(verifier.verify(bad), TokenwardError);
  }
});

test('scopesOf follows the core rule: a present scope claim wins over scp', () => {
  assert.deepEqual(scopesOf({ scope: 'a  b c' }), ['a', 'b', 'c']);
  assert.deepEqual(scopesOf({ scope: null, scp: ['a'] }), []);
  assert.deepEqual(scopesOf({ scp: 'x y' }), ['x', 'y']);
  assert.deepEqual(scopesOf({ scp: ['x', 1, 'y'] }), ['x', 'y']);
});

test('ERROR_CODES lists the twenty stable codes', () => {
  assert.equal(ERROR_CODES.length, 20);
  assert.equal(new Set(ERROR_CODES).size, 20);
  assert.ok(ERROR_CODES.every((c) => /^ERR_[A-Z_]+$/.test(c)));
});

test('the ESM entry point exports the same API', async () => {
  const esm = await import('tokenward');
  assert.equal(esm.Verifier, Verifier);
  assert.equal(esm.TokenwardError, TokenwardError);
});

test('minting with a missing key throws instead of crashing', () => {
  const issuer = new TestIssuer();
  assert.throws(() => issuer.mint({}, { kid: 'nope' }), /nope/);
  issuer.removeKey(issuer.kids[0]);
  assert.throws(() => issuer.mint({}), /no key/);
});
