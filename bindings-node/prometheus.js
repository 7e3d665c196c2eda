'use strict';
/**
 * Prometheus metrics for prom-client: metrics that read a verifier's
 * `stats()` and `status()` at each scrape, registered on a prom-client
 * Registry without tokenward depending on prom-client.
 *
 *   const client = require('prom-client');
 *   const { registerMetrics } = require('tokenward/prometheus');
 *   registerMetrics(verifier, { registry: client.register, name: 'api' });
 *
 * Each metric is an object of the shape prom-client's Registry accepts
 * (`name`, `help`, `type`, `get()`), and every value carries a `verifier`
 * label (`name`), so several verifiers can share a registry: register the
 * second one with `prefix` unchanged and another `name` on another registry,
 * or with its own `prefix`.
 */
const { Verifier } = require('./verifier.js');

// [metric, stats key, help]: counters read from stats().
const COUNTERS = [
  ['jwks_fetches_total', 'fetches', 'HTTP requests made for the key set, including ones answered 304.'],
  ['jwks_not_modified_total', 'notModified', 'Key-set requests answered 304 Not Modified.'],
  ['jwks_fetch_failures_total', 'fetchFailures', 'Key-set fetches that failed.'],
  ['jwks_stale_serves_total', 'staleServes', 'Verifications served from expired keys because a refresh failed.'],
  ['jwks_cooldown_refusals_total', 'cooldownRefusals', 'Unknown-kid refetches refused because of the cooldown.'],
  ['key_cache_hits_total', 'cacheHits', 'Verifications served from fresh keys without a fetch.'],
];
const TOKEN_COUNTERS = [
  ['token_cache_hits_total', 'hits', 'Verifications answered from the verified-token cache.'],
  ['token_cache_misses_total', 'misses', 'Verifications that checked a signature.'],
  ['token_cache_evictions_total', 'evictions', 'Verified-token cache entries dropped to make room.'],
  ['token_cache_invalidations_total', 'invalidations', 'Verified-token cache entries dropped with their key.'],
];

/** The metric objects for `verifier` (prom-client's Registry shape), without registering them. */
function metrics(verifier, { name = 'default', prefix = 'tokenward' } = {}) {
  if (!(verifier instanceof Verifier)) throw new TypeError('tokenward/prometheus: metrics(verifier) needs a tokenward Verifier');
  const labels = { verifier: name };
  // A value read as null (no keys yet) is left out, as the Python collector leaves it out.
  const one = (metric, type, help, read) => ({
    name: `${prefix}_${metric}`,
    help,
    type,
    aggregator: 'sum',
    get() {
      const value = read();
      return { name: this.name, help, type, aggregator: 'sum', values: value === null ? [] : [{ value, labels }] };
    },
  });
  const out = [];
  for (const [metric, key, help] of COUNTERS) out.push(one(metric, 'counter', help, () => verifier.stats()[key]));
  for (const [metric, key, help] of TOKEN_COUNTERS) out.push(one(metric, 'counter', help, () => verifier.stats().tokenCache[key]));
  out.push(one('keys_held', 'gauge', 'Usable keys held.', () => verifier.stats().keys));
  out.push(one('keys_fresh', 'gauge', '1 while the held keys are within their freshness.', () => Number(verifier.status().fresh)));
  out.push(one('keys_usable', 'gauge', '1 while keys a verification may use are held.', () => Number(verifier.status().keysHeld)));
  out.push(one('keys_age_seconds', 'gauge', 'Seconds since the keys were fetched or confirmed.', () => verifier.status().ageSeconds));
  out.push(one('token_cache_entries', 'gauge', 'Verified tokens held.', () => verifier.stats().tokenCache.entries));
  const histogram = `${prefix}_jwks_fetch_duration_seconds`;
  const help = 'How long key-set fetches took (discovery included), successful or not.';
  out.push({
    name: histogram,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const { fetchLatency } = verifier.stats();
      let cumulative = 0;
      const values = fetchLatency.buckets.map(({ le, count }) => {
        cumulative += count;
        return { metricName: `${histogram}_bucket`, value: cumulative, labels: { ...labels, le: le === Infinity ? '+Inf' : le } };
      });
      values.push({ metricName: `${histogram}_sum`, value: fetchLatency.sum, labels });
      values.push({ metricName: `${histogram}_count`, value: fetchLatency.count, labels });
      return { name: histogram, help, type: 'histogram', aggregator: 'sum', values };
    },
  });
  return out;
}

/** Registers `verifier`'s metrics on a prom-client `registry`; returns them. */
function registerMetrics(verifier, { registry, name, prefix } = {}) {
  if (registry === undefined || typeof registry.registerMetric !== 'function') {
    throw new TypeError('tokenward/prometheus: registerMetrics needs { registry }, a prom-client Registry');
  }
  const made = metrics(verifier, { name, prefix });
  for (const metric of made) registry.registerMetric(metric);
  return made;
}

module.exports = { metrics, registerMetrics };
