'use strict';
// Where the awaited verify should check a signature: on the event loop, or
// on libuv's thread pool. For each kind of token it prints what one
// verification costs the event loop each way, and the latency of one
// awaited call each way:
//
//   inline    verifySync, on the loop: the loop pays the whole verification
//   offload   _verifyOffThread (the pool path, whatever the token), many in
//             flight: the loop pays queueing, settling the Promise and the
//             wake-up; the check itself runs on a pool thread
//
// The loop's cost is its busy time (performance.eventLoopUtilization) per
// call. The pool has one thread here, so the loop and the pool each have a
// core of this 2-core machine and busy time is close to CPU time.
// Offloading pays off where `inline` exceeds `offload`.
// Run with `node bench/node/split.js`.
process.env.UV_THREADPOOL_SIZE = '1';

const path = require('node:path');
const { performance } = require('node:perf_hooks');

const pkg = path.join(__dirname, '../../bindings-node');
const { Verifier } = require(pkg);
const native = require(path.join(pkg, 'native.js')).load();
const { coreOptions } = require(path.join(pkg, 'options.js'));
const { mintPool, keyPair, verifierOptions, CLAIMS } = require('./tokens.js');

const POOL = 8192;
const CALLS = Number(process.env.SPLIT_CALLS || 4000);
const ROUNDS = 5;
const IN_FLIGHT = 64;

/** Event-loop busy µs per call of `fn` over `calls` calls, `inFlight` at a time. */
async function loopCost(fn, calls, inFlight) {
  const start = performance.eventLoopUtilization();
  let next = 0;
  async function lane() {
    while (next < calls) await fn(next++);
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  return (performance.eventLoopUtilization(start).active * 1000) / calls;
}

/** Wall-clock µs per awaited call, one at a time. */
async function latency(fn, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn(i);
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

function offThread(nativeVerifier, tokens) {
  return async (i) => {
    const answer = await nativeVerifier._verifyOffThread(tokens[i % tokens.length]);
    if (typeof answer !== 'string') throw new Error(answer.message);
  };
}

async function main() {
  console.log(`event-loop µs per verification, inline vs on the pool (1 pool thread), best of ${ROUNDS} rounds · Node ${process.version}`);
  console.log('loop µs = event-loop busy time per call (many in flight); latency = one awaited call at a time\n');
  console.log(['token', 'inline loop µs', 'offload loop µs', 'inline latency', 'offload latency'].map((h, i) => (i ? h.padStart(16) : h.padEnd(16))).join(''));
  const rows = [];
  for (const alg of ['HS256', 'RS256', 'ES256', 'EdDSA']) {
    const keys = keyPair(alg);
    const tokens = mintPool(alg, keys, POOL, CLAIMS);
    // No verified-token cache: every call checks a signature.
    const options = { ...verifierOptions(alg, keys), tokenCacheSize: 0 };
    rows.push([`${alg} (new token)`, new Verifier(options), native.createVerifier(coreOptions(options)), tokens]);
  }
  const keys = keyPair('ES256');
  const repeated = mintPool('ES256', keys, 1, CLAIMS);
  const options = verifierOptions('ES256', keys);
  rows.push(['ES256 cache hit', new Verifier(options), native.createVerifier(coreOptions(options)), repeated]);
  // Best of five rounds, each running every row in turn, so the machine's
  // noise is spread over all of them.
  const best = rows.map(() => [Infinity, Infinity, Infinity, Infinity]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [at, [, verifier, nativeVerifier, tokens]] of rows.entries()) {
      const sync = (i) => verifier.verifySync(tokens[i % tokens.length]);
      const off = offThread(nativeVerifier, tokens);
      if (round === 0) await loopCost(off, 1000, IN_FLIGHT);
      const cells = [
        await loopCost(sync, CALLS, 1),
        await loopCost(off, CALLS, IN_FLIGHT),
        await latency(sync, CALLS / 4),
        await latency(off, CALLS / 4),
      ];
      best[at] = best[at].map((b, i) => Math.min(b, cells[i]));
    }
  }
  for (const [at, [label]] of rows.entries()) {
    console.log(label.padEnd(16) + best[at].map((v) => v.toFixed(2).padStart(16)).join(''));
  }
  console.log('\n(HS256 and the cache hit check next to nothing on the pool: their offload figure is the fixed cost of the hop.)');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
