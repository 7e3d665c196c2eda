'use strict';
// Readiness, key snapshots, fetch metrics and the prom-client metrics.
const test = require('node:test');
const assert = require('node:assert/strict');
const client = require('prom-client');
const { Verifier } = require('..');
const { TestIssuer } = require('../testing.js');
const { registerMetrics } = require('../prometheus.js');

test('warmUp fetches once and status reports fresh keys', async () => {
  const issuer = new TestIssuer();
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl });
  const cold = verifier.status();
  assert.deepEqual([cold.remote, cold.keysHeld, cold.ageSeconds], [true, false, null]);
  const status = await verifier.warmUp();
  assert.deepEqual([status.keysHeld, status.fresh, status.keyCount], [true, true, 1]);
  assert.ok(status.freshForSeconds > 500);
  await verifier.warmUp();
  assert.equal(issuer.jwksRequests, 1);
});

test('a failed warmUp rejects and status keeps the error', async () => {
  const issuer = new TestIssuer();
  issuer.setBehavior({ status: 503 });
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl });
  await assert.rejects(verifier.warmUp(), { code: 'ERR_JWKS_FETCH_FAILED' });
  const status = verifier.status();
  assert.equal(status.keysHeld, false);
  assert.match(status.lastError, /503/);
});

test('a verifier from a snapshot verifies without fetching', async () => {
  const issuer = new TestIssuer();
  const parent = new Verifier({ jwksUrl: issuer.jwksUrl, audience: 'api' });
  assert.throws(() => parent.exportKeys(), { code: 'ERR_JWKS_NOT_LOADED' });
  await parent.warmUp();
  const snapshot = parent.exportKeys();
  const child = new Verifier({ jwksUrl: issuer.jwksUrl, audience: 'api', keysSnapshot: JSON.parse(snapshot) });
  assert.equal((await child.verify(issuer.mint({ sub: 'u', aud: 'api' }))).sub, 'u');
  assert.equal(issuer.jwksRequests, 1);
  assert.throws(() => new Verifier({ jwksUrl: new TestIssuer().jwksUrl, keysSnapshot: snapshot }), { code: 'ERR_CONFIGURATION' });
  assert.throws(() => new Verifier({ jwks: issuer.jwks() }).exportKeys(), { code: 'ERR_CONFIGURATION' });
});

test('stats count keys and measure fetches', async () => {
  const issuer = new TestIssuer(['ES256', 'RS256']);
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl });
  await verifier.refresh();
  const { keys, fetchLatency } = verifier.stats();
  assert.equal(keys, 2);
  assert.equal(fetchLatency.count, 1);
  assert.ok(fetchLatency.last > 0 && fetchLatency.last < 5);
  assert.equal(fetchLatency.buckets.reduce((n, b) => n + b.count, 0), 1);
  assert.equal(fetchLatency.buckets.at(-1).le, Infinity);
});

test('prom-client scrapes counters, gauges and the fetch histogram', async () => {
  const issuer = new TestIssuer();
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl });
  const token = issuer.mint({ sub: 'u' });
  for (let i = 0; i < 3; i++) await verifier.verify(token);
  const registry = new client.Registry();
  registerMetrics(verifier, { registry, name: 'api' });
  const text = await registry.metrics();
  assert.match(text, /^tokenward_jwks_fetches_total\{verifier="api"\} 1$/m);
  assert.match(text, /^tokenward_keys_held\{verifier="api"\} 1$/m);
  assert.match(text, /^tokenward_token_cache_hits_total\{verifier="api"\} 1$/m);
  assert.match(text, /^tokenward_jwks_fetch_duration_seconds_count\{verifier="api"\} 1$/m);
  assert.match(text, /^tokenward_jwks_fetch_duration_seconds_bucket\{verifier="api",le="\+Inf"\} 1$/m);
  assert.match(text, /^# TYPE tokenward_jwks_fetch_duration_seconds histogram$/m);
  assert.throws(() => registerMetrics(verifier, {}), TypeError);
});
