'use strict';
// tokenward beside jose, fast-jwt and jsonwebtoken, in one process on the
// same tokens. Each library gets keys parsed once and the same checks
// (signature, exp, iss, aud). Prints µs per verify and ratios, then memory.
// Run with `make bench-node`.
const path = require('node:path');
const crypto = require('node:crypto');
const { createRequire } = require('node:module');

const pkg = path.join(__dirname, '../../bindings-node');
const need = createRequire(path.join(pkg, 'package.json'));
const { Verifier } = need(pkg);
const native = require(path.join(pkg, 'native.js')).load();
const jsonwebtoken = need('jsonwebtoken');
const { createVerifier } = need('fast-jwt');

const ISS = 'https://issuer.example';
const AUD = 'my-api';
const TARGET = Number(process.env.BENCH_SECONDS || 0.4);
const now = Math.floor(Date.now() / 1000);
const CLAIMS = { sub: 'user-1', iss: ISS, aud: AUD, iat: now, exp: now + 3600, email: 'someone@example.com', scope: 'openid profile email' };
const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');

function keyPair(alg) {
  if (alg === 'RS256') return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (alg === 'ES256') return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return crypto.generateKeyPairSync('ed25519');
}

/** Calls of `fn` that take about TARGET / 5 seconds. */
async function calibrate(fn, isAsync) {
  await timed(fn, isAsync, 50);
  let n = 16;
  let elapsed = await timed(fn, isAsync, n);
  while (elapsed < TARGET / 20) {
    n *= 4;
    elapsed = await timed(fn, isAsync, n);
  }
  return Math.max(1, Math.floor((n * (TARGET / 5)) / elapsed));
}

async function timed(fn, isAsync, n) {
  const start = process.hrtime.bigint();
  if (isAsync) for (let i = 0; i < n; i++) await fn();
  else for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * µs per call for each contender: five rounds, each running every
 * contender in turn, keeping each one's best round. Interleaving spreads
 * the machine's noise over all columns instead of landing on one.
 */
async function measure(contenders) {
  const entries = Object.entries(contenders).filter(([, e]) => e);
  const sizes = {};
  for (const [name, [fn, isAsync]] of entries) sizes[name] = await calibrate(fn, isAsync);
  const best = {};
  for (let round = 0; round < 5; round++) {
    for (const [name, [fn, isAsync]] of entries) {
      const perCallUs = ((await timed(fn, isAsync, sizes[name])) / sizes[name]) * 1e6;
      best[name] = Math.min(best[name] ?? Infinity, perCallUs);
    }
  }
  return best;
}

async function main() {
  const jose = await import(need.resolve('jose'));
  console.log(`tokenward beside jose, fast-jwt, jsonwebtoken · Node ${process.version}`);
  console.log('µs per verify (best of 5), same token per row; xN = other / tokenward (awaited verify)\n');
  const head = ['alg', 'verify', 'sync', 'core', '+js', 'jose', 'fast-jwt', 'jsonwebtoken', 'xjose', 'xfast', 'xjwt', 'sync/fast'];
  console.log(head.map((h, i) => (i === 0 ? h.padEnd(6) : h.padStart(i > 7 ? 9 : 9))).join(' '));
  for (const alg of ['RS256', 'ES256', 'EdDSA', 'HS256']) {
    let token;
    let ours;
    let joseKey;
    let fastKey;
    let jwtKey;
    if (alg === 'HS256') {
      token = jsonwebtoken.sign(CLAIMS, SECRET, { algorithm: 'HS256', header: { kid: 'k1' } });
      ours = new Verifier({ secret: SECRET, algorithms: ['HS256'], issuer: ISS, audience: AUD });
      joseKey = new Uint8Array(SECRET);
      fastKey = SECRET;
      jwtKey = crypto.createSecretKey(SECRET); // a raw Buffer costs jsonwebtoken ~330 µs a call in key detection
    } else {
      const { privateKey, publicKey } = keyPair(alg);
      const pem = publicKey.export({ type: 'spki', format: 'pem' });
      token = alg === 'EdDSA'
        ? await new jose.SignJWT(CLAIMS).setProtectedHeader({ alg, kid: 'k1' }).sign(privateKey)
        : jsonwebtoken.sign(CLAIMS, privateKey, { algorithm: alg, header: { kid: 'k1' } });
      ours = new Verifier({ key: pem, algorithms: [alg], issuer: ISS, audience: AUD });
      joseKey = publicKey;
      fastKey = pem;
      jwtKey = publicKey;
    }
    const fast = createVerifier({ key: fastKey, algorithms: [alg], allowedIss: ISS, allowedAud: AUD, cache: false });
    const contenders = {
      verify: [() => ours.verify(token), true],
      sync: [() => ours.verifySync(token), false],
      jose: [() => jose.jwtVerify(token, joseKey, { issuer: ISS, audience: AUD, algorithms: [alg] }), true],
      fast: [() => fast(token), false],
      jwt: alg === 'EdDSA' ? null : [() => jsonwebtoken.verify(token, jwtKey, { algorithms: [alg], issuer: ISS, audience: AUD }), false],
    };
    for (const [name, entry] of Object.entries(contenders)) {
      if (!entry) continue;
      const out = await entry[0]();
      const claims = out && out.payload ? out.payload : out;
      if (claims.sub !== 'user-1') throw new Error(`${name} did not verify ${alg}`);
    }
    // The core's own figure: the same token looped inside Rust, no JS per call,
    // through the addon's own verifier (the benchmark hook is not public API).
    const key = alg === 'HS256' ? { secret: Array.from(SECRET) } : { key: fastKey };
    const inCore = native.createVerifier({ ...key, algorithms: [alg], issuer: ISS, audience: AUD });
    if (!(inCore instanceof native.NativeVerifier)) throw new Error(`native verifier for ${alg}: ${inCore.message}`);
    contenders.core = [() => inCore._timeCore(token, 100), false];
    const t = { jwt: NaN, ...(await measure(contenders)) };
    const core = t.core / 100;
    const cells = [t.verify, t.sync, core, t.verify - core, t.jose, t.fast, t.jwt, t.jose / t.verify, t.fast / t.verify, t.jwt / t.verify, t.fast / t.sync];
    console.log(alg.padEnd(6) + ' ' + cells.map((v) => (Number.isNaN(v) ? 'n/a' : v.toFixed(2)).padStart(9)).join(' '));
  }
  console.log('\n(jsonwebtoken 9 has no EdDSA.)');

  const hs = new Verifier({ secret: SECRET, algorithms: ['HS256'], issuer: ISS, audience: AUD });
  const hsToken = jsonwebtoken.sign(CLAIMS, SECRET, { algorithm: 'HS256' });
  for (let i = 0; i < 20000; i++) await hs.verify(hsToken);
  global.gc?.();
  const before = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  for (let i = 0; i < 1_000_000; i++) await hs.verify(hsToken);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  global.gc?.();
  const grown = process.memoryUsage().rss - before;
  console.log(`RSS growth over 1,000,000 awaited HS256 verifies: ${(grown / 1048576).toFixed(2)} MiB (${seconds.toFixed(1)} s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
