'use strict';
// The verified-token cache as Node sees it: the core stores a token from its
// second verification, answers it from the cache after that with the same
// claims, and stats() counts it.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Verifier } = require('..');
const { TestIssuer } = require('../testing');

const AUD = 'my-api';

function verifierFor(issuer, extra = {}) {
  return new Verifier({ jwks: issuer.jwks(), audience: AUD, ...extra });
}

test('a token verified again is answered from the cache, with equal claims', async () => {
  const issuer = new TestIssuer(['ES256']);
  const verifier = verifierFor(issuer);
  const token = issuer.mint({ sub: 'again', aud: AUD, scope: 'a b', nested: { n: [1, 2] } });
  const first = await verifier.verify(token);
  assert.deepEqual(verifier.stats().tokenCache, { hits: 0, misses: 1, evictions: 0, invalidations: 0, entries: 0 });
  assert.deepEqual(await verifier.verify(token), first);
  assert.equal(verifier.stats().tokenCache.entries, 1, 'stored from its second verification');
  const hit = await verifier.verify(token);
  assert.equal(verifier.stats().tokenCache.hits, 1);
  assert.equal(verifier.stats().tokenCache.misses, 2);
  assert.deepEqual(hit, first);
  assert.notEqual(hit, first, 'each call gets its own object');
  assert.deepEqual(verifier.verifySync(token), first);
  assert.equal(verifier.stats().tokenCache.hits, 2);
});

test('claims from a cache hit are a fresh object: changing one does not change the next', async () => {
  const issuer = new TestIssuer(['ES256']);
  const verifier = verifierFor(issuer);
  const token = issuer.mint({ sub: 'mine', aud: AUD, roles: ['user'] });
  await verifier.verify(token);
  await verifier.verify(token);
  const first = await verifier.verify(token);
  first.sub = 'changed';
  first.roles.push('admin');
  const second = await verifier.verify(token);
  assert.equal(verifier.stats().tokenCache.hits, 2);
  assert.equal(second.sub, 'mine');
  assert.deepEqual(second.roles, ['user']);
});

test('with tokenCacheSize 0 a repeated token is never a hit', async () => {
  const issuer = new TestIssuer(['ES256']);
  const verifier = verifierFor(issuer, { tokenCacheSize: 0 });
  const token = issuer.mint({ sub: 'nocache', aud: AUD });
  for (let i = 0; i < 3; i++) {
    assert.equal((await verifier.verify(token)).sub, 'nocache');
    assert.equal(verifier.verifySync(token).sub, 'nocache');
  }
  assert.deepEqual(verifier.stats().tokenCache, { hits: 0, misses: 0, evictions: 0, invalidations: 0, entries: 0 });
});

test('stats() counts token cache hits, misses, evictions and entries', async () => {
  const issuer = new TestIssuer(['HS256']);
  const verifier = verifierFor(issuer, { algorithms: ['HS256'], tokenCacheSize: 2 });
  const [a, b, c] = ['a', 'b', 'c'].map((sub) => issuer.mint({ sub, aud: AUD }));
  for (const token of [a, a, b, b, c, c]) await verifier.verify(token);
  await verifier.verify(c);
  const counts = verifier.stats().tokenCache;
  assert.deepEqual(counts, { hits: 1, misses: 6, evictions: 1, invalidations: 0, entries: 2 });
});

test('a refused token is never cached: it is refused again with the same code', async () => {
  const issuer = new TestIssuer(['ES256']);
  const verifier = verifierFor(issuer);
  const expired = issuer.mint({ aud: AUD, exp: 1000 });
  for (let i = 0; i < 3; i++) await assert.rejects(verifier.verify(expired), { code: 'ERR_TOKEN_EXPIRED' });
  assert.equal(verifier.stats().tokenCache.hits, 0);
  assert.equal(verifier.stats().tokenCache.entries, 0);
});

test('a cached token whose key left the key set is verified again, and refused', async () => {
  const issuer = new TestIssuer(['ES256']);
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD, cooldown: 0 });
  const oldKid = issuer.kids[0];
  const token = issuer.mint({ sub: 'rotated', aud: AUD });
  for (let i = 0; i < 3; i++) assert.equal((await verifier.verify(token)).sub, 'rotated');
  assert.equal(verifier.stats().tokenCache.hits, 1);
  issuer.rotate('ES256');
  issuer.removeKey(oldKid);
  await verifier.refresh();
  await assert.rejects(verifier.verify(token), { code: 'ERR_KEY_NOT_FOUND' });
  assert.equal(verifier.stats().tokenCache.hits, 1);
  assert.equal(verifier.stats().tokenCache.entries, 0);
  assert.equal(verifier.stats().tokenCache.invalidations, 1);
});
