'use strict';
// Public-key signature checks run on libuv's thread pool, off the event
// loop; everything else is answered on the calling thread. Both paths give
// the same verdict on every token.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Verifier } = require('..');
const { TestIssuer } = require('../testing');
const { load } = require('../native.js');
const { coreOptions } = require('../options.js');

const AUD = 'my-api';
const ALGS = ['RS256', 'ES256', 'EdDSA', 'HS256'];

/** The issuer's kid for each algorithm. */
function kidsByAlg(issuer) {
  return Object.fromEntries(issuer.jwks().keys.map((jwk) => [jwk.alg, jwk.kid]));
}

/** Valid and refused tokens of every kind, named. */
function tokenSet(issuer) {
  const kid = kidsByAlg(issuer);
  const tokens = {};
  for (const alg of ALGS) {
    tokens[`valid ${alg}`] = issuer.mint({ sub: `user-${alg}`, aud: AUD, scope: 'read write', n: [1, { x: null }] }, { kid: kid[alg] });
    tokens[`expired ${alg}`] = issuer.mint({ aud: AUD, exp: 1000 }, { kid: kid[alg] });
    tokens[`wrong audience ${alg}`] = issuer.mint({ aud: 'elsewhere' }, { kid: kid[alg] });
    // The signature of another token under the same key.
    const other = issuer.mint({ sub: 'other', aud: AUD }, { kid: kid[alg] });
    const signed = tokens[`valid ${alg}`];
    tokens[`bad signature ${alg}`] = `${signed.slice(0, signed.lastIndexOf('.'))}${other.slice(other.lastIndexOf('.'))}`;
  }
  tokens['unknown kid'] = issuer.mint({ aud: AUD }, { kid: kid.ES256, header: { kid: 'no-such-kid' } });
  tokens['algorithm not allowed'] = issuer.mint({ aud: AUD }, { kid: kid.ES256, header: { alg: 'ES384' } });
  tokens.garbage = 'garbage';
  tokens['three garbage segments'] = 'not.a.token';
  tokens.empty = '';
  return tokens;
}

/** `{ claims }` or `{ code, claim }`: what a verification decided. */
async function outcome(run) {
  try {
    return { claims: await run() };
  } catch (err) {
    return { code: err.code, claim: err.claim };
  }
}

function nativeAnswer(answer) {
  return typeof answer === 'string' ? { claims: JSON.parse(answer) } : { code: answer.code, claim: answer.claim ?? undefined };
}

test('on the pool and on the calling thread, every token gets the same claims or the same code', async () => {
  const issuer = new TestIssuer(ALGS);
  const options = { jwks: issuer.jwks(), audience: AUD, algorithms: ALGS, tokenCacheSize: 0 };
  const verifier = new Verifier(options);
  const native = load().createVerifier(coreOptions(options));
  const tokens = tokenSet(issuer);
  for (const [name, token] of Object.entries(tokens)) {
    const inline = await outcome(() => verifier.verifySync(token));
    const awaited = await outcome(() => verifier.verify(token));
    const pooled = nativeAnswer(await native._verifyOffThread(token));
    assert.deepEqual(awaited, inline, `${name}: verify and verifySync differ`);
    assert.deepEqual(pooled, inline, `${name}: the pool and the calling thread differ`);
    assert.equal(await verifier.validate(token), inline.claims !== undefined, `${name}: validate`);
  }
  for (const alg of ALGS) assert.equal((await verifier.verify(tokens[`valid ${alg}`])).sub, `user-${alg}`);
  assert.equal((await outcome(() => verifier.verify(tokens['bad signature ES256']))).code, 'ERR_INVALID_SIGNATURE');
  assert.equal((await outcome(() => verifier.verify(tokens['unknown kid']))).code, 'ERR_KEY_NOT_FOUND');
  assert.equal((await outcome(() => verifier.verify(tokens.garbage))).code, 'ERR_MALFORMED');
});

test('a full verification and cache hits, awaited or sync, give the same claims', async () => {
  const issuer = new TestIssuer(ALGS);
  const verifier = new Verifier({ jwks: issuer.jwks(), audience: AUD, algorithms: ALGS });
  const tokens = tokenSet(issuer);
  for (const alg of ALGS) {
    const token = tokens[`valid ${alg}`];
    const first = await verifier.verify(token);
    assert.deepEqual(await verifier.verify(token), first);
    assert.deepEqual(await verifier.verify(token), first);
    assert.deepEqual(verifier.verifySync(token), first);
  }
  assert.equal(verifier.stats().tokenCache.hits, 2 * ALGS.length);
});

test('500 concurrent verifications of distinct ES256 tokens each resolve with their own claims', async () => {
  const issuer = new TestIssuer(['ES256']);
  const verifier = new Verifier({ jwks: issuer.jwks(), audience: AUD });
  const tokens = Array.from({ length: 500 }, (_, i) => issuer.mint({ sub: `u${i}`, aud: AUD }));
  const bad = Array.from({ length: 20 }, () => issuer.mint({ aud: 'elsewhere' }));
  const [claims, refusals] = await Promise.all([
    Promise.all(tokens.map((t) => verifier.verify(t))),
    Promise.allSettled(bad.map((t) => verifier.verify(t))),
  ]);
  assert.deepEqual(claims.map((c) => c.sub), tokens.map((_, i) => `u${i}`));
  assert.deepEqual(refusals.map((r) => r.reason?.code), bad.map(() => 'ERR_INVALID_AUDIENCE'));
});

test('the event loop keeps turning while public-key checks are on the pool', async () => {
  const issuer = new TestIssuer(['ES256']);
  const verifier = new Verifier({ jwks: issuer.jwks(), audience: AUD });
  const tokens = Array.from({ length: 500 }, (_, i) => issuer.mint({ sub: `u${i}`, aud: AUD }));
  let turns = 0;
  let turning = true;
  const turn = () => {
    turns += 1;
    if (turning) setImmediate(turn);
  };
  setImmediate(turn);
  // The number of loop turns seen as each verification resolves.
  const seen = [];
  const claims = await Promise.all(tokens.map((t) => verifier.verify(t).then((c) => {
    seen.push(turns);
    return c;
  })));
  turning = false;
  assert.equal(claims.length, 500);
  assert.equal(seen.length, 500);
  // Checked on the event loop, all 500 would resolve before its first turn.
  assert.ok(seen[seen.length - 1] > 0, 'the loop never turned while 500 verifications were in flight');
  assert.ok(seen[0] <= seen[seen.length - 1]);
});

test('the Express parts (claims and header) come through the pool too', async () => {
  const { verifiedParts } = require('../verifier.js');
  const issuer = new TestIssuer(['ES256']);
  const verifier = new Verifier({ jwks: issuer.jwks(), audience: AUD });
  const token = issuer.mint({ sub: 'parts', aud: AUD, scope: 'read  write' });
  const pooled = await verifiedParts(verifier, token);
  await verifiedParts(verifier, token);
  const cached = await verifiedParts(verifier, token);
  assert.equal(verifier.stats().tokenCache.hits, 1);
  assert.deepEqual(cached, pooled);
  assert.equal(pooled.claims.sub, 'parts');
  assert.equal(pooled.header.alg, 'ES256');
  assert.equal(pooled.header.kid, issuer.kids[0]);
  assert.deepEqual(Object.keys(pooled).sort(), ['claims', 'header', 'issuerConfig']);
  assert.equal(pooled.issuerConfig, null);
  await assert.rejects(verifiedParts(verifier, issuer.mint({ aud: 'elsewhere' })), { code: 'ERR_INVALID_AUDIENCE' });
});
