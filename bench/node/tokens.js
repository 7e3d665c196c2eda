'use strict';
// Keys and tokens for the Node benchmarks: pools of distinct tokens minted
// with node:crypto directly (RS256 signing dominates the set-up otherwise).
const crypto = require('node:crypto');

const ISS = 'https://issuer.example';
const AUD = 'my-api';
const now = Math.floor(Date.now() / 1000);
/** A typical access token's claims; `jti` makes each minted token distinct. */
const CLAIMS = { sub: 'user-1', iss: ISS, aud: AUD, iat: now, exp: now + 3600, email: 'someone@example.com', scope: 'openid profile email' };
const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');

/** `{ privateKey, publicKey }` KeyObjects for `alg` (the secret, twice, for HS256). */
function keyPair(alg) {
  if (alg === 'HS256') {
    const secret = crypto.createSecretKey(SECRET);
    return { privateKey: secret, publicKey: secret };
  }
  if (alg === 'RS256') return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (alg === 'ES256') return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (alg === 'EdDSA') return crypto.generateKeyPairSync('ed25519');
  throw new Error(`no key pair for ${alg}`);
}

function sign(alg, keys, input) {
  if (alg === 'HS256') return crypto.createHmac('sha256', SECRET).update(input).digest();
  if (alg === 'RS256') return crypto.sign('sha256', Buffer.from(input), keys.privateKey);
  if (alg === 'ES256') return crypto.sign('sha256', Buffer.from(input), { key: keys.privateKey, dsaEncoding: 'ieee-p1363' });
  return crypto.sign(null, Buffer.from(input), keys.privateKey);
}

/** One token of `claims` signed with `keys` (kid `k1`). */
function mint(alg, keys, claims) {
  const head = Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid: 'k1' })).toString('base64url');
  const input = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign(alg, keys, input).toString('base64url')}`;
}

/** `count` distinct tokens of `claims`, each with its own `jti`. */
function mintPool(alg, keys, count, claims = CLAIMS, offset = 0) {
  const tokens = new Array(count);
  for (let i = 0; i < count; i++) tokens[i] = mint(alg, keys, { ...claims, jti: `t${offset + i}` });
  return tokens;
}

/**
 * `(i) => token`: distinct HS256 tokens of `claims` (with `jti` = `t<i>`),
 * minted with as little garbage as can be (the header encoded once, the
 * payload built as text), so a memory measurement sees the verifier more
 * than the minting.
 */
function hs256Minter(claims = CLAIMS) {
  const key = crypto.createSecretKey(SECRET);
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' })).toString('base64url');
  const body = JSON.stringify(claims).slice(0, -1);
  return (i) => {
    const input = `${head}.${Buffer.from(`${body},"jti":"t${i}"}`).toString('base64url')}`;
    return `${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`;
  };
}

/** tokenward Verifier options for tokens of `alg` signed with `keys`. */
function verifierOptions(alg, keys) {
  const rules = { algorithms: [alg], issuer: ISS, audience: AUD };
  if (alg === 'HS256') return { secret: SECRET, ...rules };
  return { key: keys.publicKey.export({ type: 'spki', format: 'pem' }), ...rules };
}

module.exports = { ISS, AUD, CLAIMS, SECRET, keyPair, mint, mintPool, hs256Minter, verifierOptions };
