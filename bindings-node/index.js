'use strict';
const { load } = require('./native.js');
const { TokenwardError, ERROR_CODES, fromNative, rethrown } = require('./errors.js');

const native = load();

// camelCase option -> [the core's snake_case name, accepted JS type].
const OPTIONS = {
  jwksUrl: ['jwks_url', 'string'],
  discover: ['discover', 'string'],
  jwks: ['jwks', 'json'],
  key: ['key', 'text'],
  secret: ['secret', 'bytes'],
  issuer: ['issuer', 'strings'],
  audience: ['audience', 'strings'],
  algorithms: ['algorithms', 'strings'],
  leeway: ['leeway', 'number'],
  maxAge: ['max_age', 'number'],
  typ: ['typ', 'string'],
  requiredClaims: ['required_claims', 'strings'],
  maxTokenBytes: ['max_token_bytes', 'number'],
  millisecondTimestamps: ['millisecond_timestamps', 'boolean'],
  now: ['now', 'number'],
  timeout: ['timeout', 'number'],
  cacheTtl: ['cache_ttl', 'number'],
  cooldown: ['cooldown', 'number'],
  maxStale: ['max_stale', 'number'],
  maxJwksBytes: ['max_jwks_bytes', 'number'],
};

const EXPECTED = {
  string: 'a string',
  text: 'a string or Buffer',
  json: 'an object or JSON text',
  bytes: 'a string, Buffer or Uint8Array',
  strings: 'a string or an array of strings',
  number: 'a number',
  boolean: 'a boolean',
};

function isBytes(value) {
  return value instanceof Uint8Array;
}

/** One option to the plain JSON the core reads; TypeError for a wrong type. */
function convert(name, kind, value) {
  const wrong = () => new TypeError(`tokenward: option ${name} must be ${EXPECTED[kind]}; got ${typeof value}`);
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw wrong();
      return value;
    case 'text':
      if (typeof value === 'string') return value;
      if (isBytes(value)) return Buffer.from(value).toString('utf8');
      throw wrong();
    case 'json':
      if (typeof value === 'string') return value;
      if (typeof value === 'object') return JSON.stringify(value);
      throw wrong();
    case 'bytes':
      if (typeof value === 'string') return Array.from(Buffer.from(value, 'utf8'));
      if (isBytes(value)) return Array.from(value);
      throw wrong();
    case 'strings':
      if (typeof value === 'string') return value;
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      throw wrong();
    case 'number':
      if (typeof value !== 'number') throw wrong();
      // JSON cannot carry NaN or Infinity to the core, which would refuse them anyway.
      if (!Number.isFinite(value)) throw new TokenwardError(`${name} must be a finite number; got ${value}`, 'ERR_CONFIGURATION');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong();
      return value;
  }
  throw wrong();
}

function coreOptions(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('tokenward: new Verifier(options) needs an options object');
  }
  const out = {};
  for (const [name, value] of Object.entries(options)) {
    const spec = OPTIONS[name];
    if (!spec) {
      throw new TokenwardError(
        `unknown option ${JSON.stringify(name)}; expected one of ${Object.keys(OPTIONS).join(', ')}`,
        'ERR_CONFIGURATION',
      );
    }
    if (value === undefined || value === null) continue;
    out[spec[0]] = convert(name, spec[1], value);
  }
  return out;
}

function checkToken(token) {
  if (typeof token !== 'string') {
    throw new TypeError(`tokenward: the token must be a string; got ${token === null ? 'null' : typeof token}`);
  }
}

function settle(outcome) {
  if (outcome.error) throw fromNative(outcome.error);
  return outcome.value;
}

function settleClaims(outcome) {
  return JSON.parse(settle(outcome));
}

/**
 * Verifies tokens against one key source and one set of rules. Build one at
 * startup and share it: its key cache serves every request.
 */
class Verifier {
  #native;

  constructor(options) {
    try {
      this.#native = new native.NativeVerifier(coreOptions(options));
    } catch (err) {
      throw rethrown(err);
    }
  }

  /** Promise of the claims; rejects with a TokenwardError. */
  verify(token) {
    checkToken(token);
    let result;
    try {
      result = this.#native.verify(token);
    } catch (err) {
      return Promise.reject(rethrown(err));
    }
    return typeof result === 'string' ? Promise.resolve(JSON.parse(result)) : result.then(settleClaims);
  }

  /** Promise of true for a valid token, false for any token problem; rejects only when keys cannot be had. */
  validate(token) {
    return this.verify(token).then(
      () => true,
      (err) => {
        if (err instanceof TokenwardError && err.isTokenProblem) return false;
        throw err;
      },
    );
  }

  /** The claims, with the keys already held; throws ERR_JWKS_NOT_LOADED before the first fetch. */
  verifySync(token) {
    checkToken(token);
    try {
      return JSON.parse(this.#native.verifySync(token));
    } catch (err) {
      throw rethrown(err);
    }
  }

  /** Fetches the key set now. */
  refresh() {
    return this.#native.refresh().then(settle).then(() => undefined);
  }

  /** Key cache counters. */
  stats() {
    return this.#native.stats();
  }

  /** Benchmark hook: seconds for `iterations` verifications inside the core. */
  _timeCore(token, iterations) {
    return this.#native._timeCore(token, iterations);
  }
}

/** The scopes claims grant: `scope` (space-separated) when present, else `scp` (string or array). */
function scopesOf(claims) {
  const picked = {};
  for (const name of ['scope', 'scp']) {
    if (claims !== null && typeof claims === 'object' && Object.hasOwn(claims, name)) picked[name] = claims[name];
  }
  return native.scopesOf(picked);
}

/** `{ header, claims }` of a token, parsed strictly but NOT verified: never trust them. */
function decodeUnverified(token) {
  checkToken(token);
  try {
    return native.decodeUnverified(token);
  } catch (err) {
    throw rethrown(err);
  }
}

module.exports = { Verifier, decodeUnverified, scopesOf, TokenwardError, ERROR_CODES };
