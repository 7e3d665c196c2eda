'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Verifier, TokenwardError, decodeUnverified, scopesOf, ERROR_CODES } = require('..');
const { TestIssuer } = require('../testing');
const { load } = require('../native.js');

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

/** True when `promise` has settled once the microtasks queued now have run (no event-loop turn). */
async function settlesAtOnce(promise) {
  let settled = false;
  promise.then(() => { settled = true; }, () => { settled = true; });
  await Promise.resolve();
  await Promise.resolve();
  return settled;
}

test('with keys held, a cache hit, an early refusal and an HS256 token settle at once (no thread hop)', async () => {
  const issuer = new TestIssuer();
  const verifier = remote(issuer);
  await verifier.refresh();
  const token = issuer.mint({ aud: AUD });
  // The core stores a token from its second verification.
  await verifier.verify(token);
  await verifier.verify(token);
  assert.equal(await settlesAtOnce(verifier.verify(token)), true, 'a cache hit');
  assert.equal(await settlesAtOnce(verifier.verify('garbage')), true, 'a malformed token');
  const hmac = new TestIssuer(['HS256']);
  const secretVerifier = new Verifier({ jwks: hmac.jwks(), algorithms: ['HS256'] });
  assert.equal(await settlesAtOnce(secretVerifier.verify(hmac.mint({ sub: 'h' }))), true, 'an HS256 token');
});

test('with keys held, a public-key signature check settles on a later turn of the event loop (on the thread pool)', async () => {
  const issuer = new TestIssuer();
  const verifier = remote(issuer);
  await verifier.refresh();
  const pending = verifier.verify(issuer.mint({ aud: AUD, sub: 'pooled' }));
  assert.equal(await settlesAtOnce(pending), false);
  assert.equal((await pending).sub, 'pooled');
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

test('wrong option types throw TypeError', () => {
  assert.throws(() => new Verifier(), TypeError);
  assert.throws(() => new Verifier('https://a.example/jwks'), TypeError);
  assert.throws(() => new Verifier({ jwksUrl: 42 }), TypeError);
  assert.throws(() => new Verifier({ jwksUrl: 'https://a.example/j', leeway: '30' }), TypeError);
  assert.throws(() => new Verifier({ jwksUrl: 'https://a.example/j', audience: [1] }), TypeError);
  assert.throws(() => new Verifier({ jwksUrl: 'https://a.example/j', millisecondTimestamps: 1 }), TypeError);
});

test('a token of the wrong type: verifySync and decodeUnverified throw TypeError', () => {
  const verifier = new Verifier({ secret: SECRET, algorithms: ['HS256'] });
  for (const bad of [undefined, null, 42, ['a.b.c'], {}, new ArrayBuffer(5)]) {
    assert.throws(() => verifier.verifySync(bad), TypeError);
    assert.throws(() => decodeUnverified(bad), TypeError);
  }
});

test('a token of the wrong type: verify and validate return a rejected Promise (TypeError), never throw', async () => {
  const verifier = new Verifier({ secret: SECRET, algorithms: ['HS256'] });
  for (const bad of [undefined, null, 42, ['a.b.c'], {}, new ArrayBuffer(5)]) {
    let verified;
    let validated;
    assert.doesNotThrow(() => {
      verified = verifier.verify(bad);
      validated = verifier.validate(bad);
    });
    await assert.rejects(verified, TypeError);
    await assert.rejects(validated, TypeError);
  }
});

test('a Buffer or Uint8Array token is read as its ASCII text', async () => {
  const issuer = new TestIssuer();
  const verifier = remote(issuer);
  const token = issuer.mint({ aud: AUD, sub: 'bytes' });
  const bytes = Buffer.from(token, 'latin1');
  assert.equal((await verifier.verify(bytes)).sub, 'bytes');
  assert.equal(await verifier.validate(new Uint8Array(bytes)), true);
  assert.equal(verifier.verifySync(bytes).sub, 'bytes');
  // A view into a larger buffer reads only its own bytes.
  const padded = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from('yy')]);
  assert.equal(verifier.verifySync(padded.subarray(2, 2 + bytes.length)).sub, 'bytes');
  assert.equal(decodeUnverified(bytes).claims.sub, 'bytes');
});

test('a token with bytes outside ASCII is ERR_MALFORMED, even where UTF-8 would read them as text', async () => {
  const verifier = new Verifier({ secret: SECRET, algorithms: ['HS256'] });
  const bytes = Buffer.concat([Buffer.from('e30.e30.'), Buffer.from('é', 'utf8')]);
  await assert.rejects(verifier.verify(bytes), { code: 'ERR_MALFORMED' });
  assert.equal(await verifier.validate(bytes), false);
  assert.throws(() => verifier.verifySync(bytes), { code: 'ERR_MALFORMED' });
});

test('a lone surrogate inside a token string is ERR_MALFORMED from verify and false from validate', async () => {
  const issuer = new TestIssuer();
  const verifier = remote(issuer);
  const token = issuer.mint({ aud: AUD });
  await verifier.refresh();
  for (const at of [0, token.indexOf('.') + 1, token.length - 1]) {
    const broken = `${token.slice(0, at)}\ud800${token.slice(at)}`;
    await assert.rejects(verifier.verify(broken), { code: 'ERR_MALFORMED' });
    assert.equal(await verifier.validate(broken), false);
  }
});

test('the addon returns refusals as objects with code, claim, message and tokenProblem, never as JSON in a thrown message', () => {
  const native = load();
  const verifier = native.createVerifier({ secret: Array.from(SECRET), algorithms: 'HS256', audience: AUD });
  assert.ok(verifier instanceof native.NativeVerifier);
  const refused = verifier.verifySync('a.b');
  assert.equal(refused.code, 'ERR_MALFORMED');
  assert.equal(refused.tokenProblem, true);
  assert.equal(typeof refused.message, 'string');
  assert.ok(!refused.message.startsWith('{'));
  const unverified = native.decodeUnverified('a.b');
  assert.equal(unverified.code, 'ERR_MALFORMED');
  assert.equal(verifier.verify('a.b').code, 'ERR_MALFORMED');
});

test('the native factory returns a configuration refusal as an object', () => {
  const refused = load().createVerifier({ jwksUrl: 'http://example.com/j' });
  assert.equal(refused.code, 'ERR_CONFIGURATION');
  assert.equal(refused.tokenProblem, false);
  assert.match(refused.message, /https/);
});

test('an unknown option name is ERR_CONFIGURATION suggesting the closest name, in the core words', () => {
  assert.throws(() => new Verifier({ jwksUrl: 'https://a.example/j', audiance: 'x' }), (err) => {
    assert.ok(err instanceof TokenwardError);
    assert.equal(err.code, 'ERR_CONFIGURATION');
    assert.equal(err.message, 'unknown option "audiance"; did you mean `audience`?');
    return true;
  });
});

test('option names are camelCase: a snake_case name is unknown, with the camelCase one suggested', () => {
  assert.throws(() => new Verifier({ jwks_url: 'https://a.example/j' }), {
    code: 'ERR_CONFIGURATION',
    message: 'unknown option "jwks_url"; did you mean `jwksUrl`?',
  });
});

test('names inherited from Object.prototype (toString, __proto__) are unknown options', () => {
  const options = JSON.parse('{"jwksUrl": "https://a.example/j", "__proto__": 1}');
  assert.throws(() => new Verifier(options), { code: 'ERR_CONFIGURATION', message: /unknown option "__proto__"/ });
  assert.throws(() => new Verifier({ jwksUrl: 'https://a.example/j', toString: 'x' }), {
    code: 'ERR_CONFIGURATION',
    message: /unknown option "toString"/,
  });
});

test('every option kind in the core table has a JS conversion: a wrong type names the option', () => {
  for (const spec of load().optionSpecs()) {
    assert.throws(() => new Verifier({ [spec.camel]: Symbol('wrong') }), (err) => {
      assert.ok(err instanceof TypeError, `${spec.camel}: ${err}`);
      assert.match(err.message, new RegExp(`option ${spec.camel} must be `));
      return true;
    });
  }
});

test('the public Verifier has no benchmark hook; the native verifier keeps it', () => {
  const verifier = new Verifier({ secret: SECRET, algorithms: ['HS256'] });
  assert.equal('_timeCore' in verifier, false);
  assert.equal(typeof load().NativeVerifier.prototype._timeCore, 'function');
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

function unsignedToken(headerJson, payloadJson) {
  const part = (json) => Buffer.from(json).toString('base64url');
  return `${part(headerJson)}.${part(payloadJson)}.${part('signature')}`;
}

test('decodeUnverified keeps a __proto__ member as an own data property, never the prototype', () => {
  const token = unsignedToken('{"alg":"ES256","__proto__":{"polluted":1}}', '{"sub":"x","__proto__":{"admin":true}}');
  const { header, claims } = decodeUnverified(token);
  for (const [object, inner] of [[header, { polluted: 1 }], [claims, { admin: true }]]) {
    assert.equal(Object.getPrototypeOf(object), Object.prototype);
    assert.ok(Object.hasOwn(object, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(object, '__proto__').value, inner);
  }
  assert.equal(header.polluted, undefined);
  assert.equal(claims.admin, undefined);
  assert.equal(claims.sub, 'x');
});

test('decodeUnverified with "__proto__": null still gives ordinary objects', () => {
  const { header, claims } = decodeUnverified(unsignedToken('{"alg":"ES256","__proto__":null}', '{"__proto__":null,"sub":"x"}'));
  assert.equal(String(claims), '[object Object]');
  assert.equal(String(header), '[object Object]');
  assert.deepEqual(Object.keys(claims).sort(), ['__proto__', 'sub']);
  assert.deepEqual(Object.keys(header).sort(), ['__proto__', 'alg']);
  assert.equal(Object.getPrototypeOf(claims), Object.prototype);
  assert.equal(claims.__proto__, null);
  assert.ok(claims.hasOwnProperty('sub'));
  assert.deepEqual(JSON.parse(JSON.stringify(claims)), claims);
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

test('ERROR_CODES holds distinct ERR_ codes', () => {
  assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
  assert.ok(ERROR_CODES.every((c) => /^ERR_[A-Z_]+$/.test(c)));
  assert.ok(Object.isFrozen(ERROR_CODES));
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
