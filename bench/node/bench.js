'use strict';
// tokenward beside jose, fast-jwt and jsonwebtoken, in one process on the
// same tokens, with the same checks (signature, exp, iss, aud) and keys
// parsed once. Two tables:
//
//   unique tokens    a pool of 8192 distinct tokens per algorithm, cycled:
//                    larger than tokenward's default cache (4096), so no
//                    contender's cache ever hits; every call checks a signature
//   repeated tokens  one token again and again; tokenward answers from its
//                    verified-token cache, fast-jwt runs with `cache: true`
//
// Each prints µs per call for the awaited `verify` and for `verifySync`, the
// core's own cost on the same tokens (looped inside Rust), the binding's cost
// on top (tokenward - core), and peer/tokenward ratios. Then the RSS growth
// across 1,000,000 distinct tokens. Run with `make bench-node`.
const path = require('node:path');
const { createRequire } = require('node:module');
const { ISS, AUD, CLAIMS, SECRET, keyPair, mint, mintPool, hs256Minter, verifierOptions } = require('./tokens.js');

const pkg = path.join(__dirname, '../../bindings-node');
const need = createRequire(path.join(pkg, 'package.json'));
const { Verifier } = need(pkg);
const native = require(path.join(pkg, 'native.js')).load();
const { coreOptions } = require(path.join(pkg, 'options.js'));
const jsonwebtoken = need('jsonwebtoken');
const { createVerifier } = need('fast-jwt');

const TARGET = Number(process.env.BENCH_SECONDS || 0.4);
const POOL = 8192; // a power of two: `i & (POOL - 1)` cycles
const IN_FLIGHT = 16;
const ALGS = ['RS256', 'ES256', 'EdDSA', 'HS256'];
const DISTINCT_FOR_RSS = Number(process.env.BENCH_RSS_TOKENS || 1_000_000);
// BENCH_PARTS=unique,repeated,rss (the default) picks what to run.
const PARTS = (process.env.BENCH_PARTS || 'unique,repeated,rss').split(',');

/** Calls of `fn` that take about TARGET / 5 seconds. */
async function calibrate(run) {
  await run(50);
  let n = 16;
  let elapsed = await run(n);
  while (elapsed < TARGET / 20) {
    n *= 4;
    elapsed = await run(n);
  }
  return Math.max(1, Math.floor((n * (TARGET / 5)) / elapsed));
}

/** A runner: seconds for `n` calls of `fn`, awaited one at a time, in a plain loop, or `width` at a time. */
function runner(fn, mode) {
  return async (n) => {
    const start = process.hrtime.bigint();
    if (mode === 'sync') {
      for (let i = 0; i < n; i++) fn();
    } else if (mode === 'await') {
      for (let i = 0; i < n; i++) await fn();
    } else {
      let left = n;
      const lane = async () => {
        while (left-- > 0) await fn();
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    }
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
}

/**
 * µs per call for each contender: five rounds, each running every
 * contender in turn, keeping each one's best round. Interleaving spreads
 * the machine's noise over all columns instead of landing on one. A
 * contender given as `{ self }` times itself: it returns µs per call.
 */
async function measure(contenders) {
  const entries = Object.entries(contenders).filter(([, c]) => c);
  const sizes = {};
  for (const [name, c] of entries) if (!c.self) sizes[name] = await calibrate(c);
  const best = {};
  for (let round = 0; round < 5; round++) {
    for (const [name, c] of entries) {
      const perCallUs = c.self ? c.self() : ((await c(sizes[name])) / sizes[name]) * 1e6;
      best[name] = Math.min(best[name] ?? Infinity, perCallUs);
    }
  }
  return best;
}

/** One algorithm's keys and verifiers for every contender. */
async function setup(jose, alg, repeated) {
  const keys = keyPair(alg);
  const options = verifierOptions(alg, keys);
  const joseKey = alg === 'HS256' ? new Uint8Array(SECRET) : keys.publicKey;
  const fastKey = alg === 'HS256' ? SECRET : options.key;
  // A raw Buffer costs jsonwebtoken ~330 µs a call in key detection; a KeyObject does not.
  const jwtKey = keys.publicKey;
  const fast = createVerifier({ key: fastKey, algorithms: [alg], allowedIss: ISS, allowedAud: AUD, cache: repeated });
  return {
    keys,
    // One verifier per face, so one face's calls never warm another's cache.
    awaited: new Verifier(options),
    sync: new Verifier(options),
    concurrent: new Verifier(options),
    core: native.createVerifier(coreOptions(options)),
    jose: (token) => jose.jwtVerify(token, joseKey, { issuer: ISS, audience: AUD, algorithms: [alg] }),
    fast,
    jwt: alg === 'EdDSA' ? null : (token) => jsonwebtoken.verify(token, jwtKey, { algorithms: [alg], issuer: ISS, audience: AUD }),
  };
}

/** A function that returns the next token of `tokens` on each call, cycling. */
function cycler(tokens) {
  let i = 0;
  const mask = tokens.length - 1;
  return () => tokens[i++ & mask];
}

/** The core's µs per call on `tokens`: each timing covers the whole pool (or 20,000 calls of one token). */
function coreTimer(nativeVerifier, tokens) {
  const calls = tokens.length > 1 ? tokens.length : 20000;
  return () => (nativeVerifier._timeCore(tokens, calls) / calls) * 1e6;
}

/** Every contender accepts a token like those of the table (not one of them: that would warm a cache). */
async function checkAll(s, alg) {
  const token = mint(alg, s.keys, { ...CLAIMS, jti: 'check' });
  const outs = {
    verify: await s.awaited.verify(token),
    sync: s.sync.verifySync(token),
    jose: (await s.jose(token)).payload,
    fast: s.fast(token),
    jwt: s.jwt ? s.jwt(token) : { sub: CLAIMS.sub },
  };
  for (const [name, claims] of Object.entries(outs)) {
    if (claims.sub !== CLAIMS.sub) throw new Error(`${name} did not verify the token`);
  }
}

const fmt = (v) => (v === undefined || Number.isNaN(v) ? '' : v.toFixed(2));

function printHead(title, note) {
  console.log(`\n${title}`);
  console.log(note);
  const head = ['alg', 'face', 'tokenward', 'core', 'binding', 'jose', 'fast-jwt', 'jsonwebtoken', 'jose/tw', 'fast/tw', 'jwt/tw'];
  console.log(head.map((h, i) => (i < 2 ? h.padEnd(i ? 13 : 6) : h.padStart(i === 7 ? 13 : 10))).join(''));
}

function printRow(alg, face, ours, core, peers) {
  const cells = [ours, core, core === undefined ? undefined : ours - core, peers.jose, peers.fast, peers.jwt];
  cells.push(peers.jose / ours, peers.fast / ours, peers.jwt / ours);
  const text = cells.map((v, i) => fmt(v).padStart(i === 5 ? 13 : 10)).join('');
  console.log(alg.padEnd(6) + face.padEnd(13) + text);
}

/** One table, every algorithm: unique tokens (a pool cycled), or one token repeated. Returns tokenward's cache hits. */
async function table(jose, repeated) {
  if (repeated) {
    printHead(
      'repeated tokens: one token again and again (tokenward answers from its verified-token cache; fast-jwt with cache: true)',
      'µs per call, best of 5 interleaved rounds; x/tw = peer / tokenward, above 1 = tokenward faster',
    );
  } else {
    printHead(
      `unique tokens: ${POOL} distinct tokens per algorithm, cycled (tokenward's default cache of 4096 never hits; fast-jwt cache off)`,
      'µs per call, best of 5 interleaved rounds; x/tw = peer / tokenward, above 1 = tokenward faster',
    );
  }
  let hits = 0;
  for (const alg of ALGS) {
    const s = await setup(jose, alg, repeated);
    const tokens = repeated ? [mint(alg, s.keys, { ...CLAIMS, jti: 'once' })] : mintPool(alg, s.keys, POOL);
    await checkAll(s, alg);
    const next = {};
    for (const name of ['verify', 'sync', 'concurrent', 'jose', 'joseConcurrent', 'fast', 'jwt']) next[name] = cycler(tokens);
    const t = {
      jwt: NaN,
      ...(await measure({
        verify: runner(() => s.awaited.verify(next.verify()), 'await'),
        sync: runner(() => s.sync.verifySync(next.sync()), 'sync'),
        concurrent: runner(() => s.concurrent.verify(next.concurrent()), 'concurrent'),
        core: { self: coreTimer(s.core, tokens) },
        jose: runner(() => s.jose(next.jose()), 'await'),
        joseConcurrent: runner(() => s.jose(next.joseConcurrent()), 'concurrent'),
        fast: runner(() => s.fast(next.fast()), 'sync'),
        jwt: s.jwt && runner(() => s.jwt(next.jwt()), 'sync'),
      })),
    };
    const peers = { jose: t.jose, fast: t.fast, jwt: t.jwt };
    printRow(alg, 'verify', t.verify, t.core, peers);
    printRow(alg, 'verifySync', t.sync, t.core, peers);
    printRow(alg, `${IN_FLIGHT} in flight`, t.concurrent, undefined, { jose: t.joseConcurrent });
    for (const face of ['awaited', 'sync', 'concurrent']) hits += s[face].stats().tokenCache.hits;
    hits += s.core.stats().tokenCache.hits;
  }
  return hits;
}

/**
 * RSS growth across `count` distinct valid HS256 tokens, minted and verified
 * (twice each) in batches of 1,000, after a warm-up of the same loop
 * (200,000 tokens) so that V8's heap and the allocators have reached their
 * working size: what is left is growth with the number of tokens seen. RSS
 * is read after a GC at ten checkpoints; the largest reading is printed
 * beside the last.
 */
async function rssGrowth(count) {
  const keys = keyPair('HS256');
  const verifier = new Verifier(verifierOptions('HS256', keys));
  const mintOne = hs256Minter();
  const batch = 1000;
  const tokens = new Array(batch);
  const run = async (from, n) => {
    for (let done = 0; done < n; done += batch) {
      const size = Math.min(batch, n - done);
      for (let i = 0; i < size; i++) tokens[i] = mintOne(from + done + i);
      // Twice each: the cache stores a token from its second verification, so
      // it fills up and then evicts, as under real traffic.
      for (let i = 0; i < size; i++) await verifier.verify(tokens[i]);
      for (let i = 0; i < size; i++) await verifier.verify(tokens[i]);
    }
  };
  if ((await verifier.verify(mintOne(-1))).sub !== CLAIMS.sub) throw new Error('the RSS loop mints tokens tokenward refuses');
  await run(count, 200_000);
  global.gc?.();
  const before = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  let largest = 0;
  const step = Math.max(batch, Math.floor(count / 10));
  for (let done = 0; done < count; done += step) {
    await run(done, Math.min(step, count - done));
    global.gc?.();
    largest = Math.max(largest, process.memoryUsage().rss - before);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const grown = process.memoryUsage().rss - before;
  const mib = (bytes) => (bytes / 1048576).toFixed(1);
  const { entries, misses, hits, evictions } = verifier.stats().tokenCache;
  console.log(
    `\nRSS growth across ${count.toLocaleString('en-US')} distinct valid HS256 tokens, each verified twice (awaited verify, default cache of 4096, ` +
      `after a 200,000-token warm-up): ${mib(grown)} MiB at the end, ${mib(largest)} MiB at most ` +
      `(read after a GC every ${step.toLocaleString('en-US')} tokens). ${seconds.toFixed(1)} s with minting; ` +
      `Token cache: ${misses} misses, ${hits} hits, ${evictions} evictions, ${entries} tokens held (a token is stored from its second verification).`,
  );
}

async function main() {
  const jose = await import(need.resolve('jose'));
  console.log(`tokenward beside jose, fast-jwt, jsonwebtoken · Node ${process.version}`);
  console.log(
    'verify = awaited, one call at a time; a new public-key token is checked on the thread pool, so its figure is the latency of\n' +
      `one call with the hop; "${IN_FLIGHT} in flight" = µs per call with ${IN_FLIGHT} awaited calls at a time (the work spread over the cores).\n` +
      'core = the same tokens verified in a loop inside Rust, no JS; binding = tokenward - core. (jsonwebtoken 9 has no EdDSA.)',
  );
  if (PARTS.includes('unique')) {
    const uniqueHits = await table(jose, false);
    console.log(`(tokenward cache hits during the unique-token table: ${uniqueHits})`);
  }
  if (PARTS.includes('repeated')) await table(jose, true);
  if (PARTS.includes('rss')) await rssGrowth(DISTINCT_FOR_RSS);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
