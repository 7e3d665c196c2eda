'use strict';
const { load } = require('./native.js');
const { TokenwardError, fromNative } = require('./errors.js');
const { coreOptions } = require('./options.js');

const native = load();

function typeName(value) {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * The token as the text the addon reads: a string, or bytes read as latin1,
 * so ASCII bytes keep their meaning and any other byte stays non-ASCII and
 * is refused as malformed. TypeError for anything else.
 */
function tokenText(token) {
  if (typeof token === 'string') return token;
  if (token instanceof Uint8Array) return Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('latin1');
  throw new TypeError(`tokenward: the token must be a string, Buffer or Uint8Array; got ${typeName(token)}`);
}

/** An answer from the addon (JSON text, or a refusal object) as the parsed value, or thrown. */
function answered(answer) {
  if (typeof answer === 'string') return JSON.parse(answer);
  throw fromNative(answer);
}

/**
 * What the addon's verify returns as a Promise: JSON text or a refusal when
 * the answer was cheap (a cache hit, an early refusal, HMAC), else a Promise
 * of either from the thread pool (a public-key check) or a key fetch.
 */
function promised(verdict) {
  if (typeof verdict === 'string') return Promise.resolve(JSON.parse(verdict));
  if (verdict instanceof Promise) return verdict.then(answered);
  return Promise.reject(fromNative(verdict));
}

function settledValue(settled) {
  if (settled.error) throw fromNative(settled.error);
  return settled.value === undefined || settled.value === null ? undefined : JSON.parse(settled.value);
}

/**
 * `(verifier, token)` => Promise of `{ claims, header }`: the claims and the
 * protected header that were verified, as the core hands them over (for
 * tokenward/express, which must not decode the token again). Set in the
 * class body, where the native verifier is in reach.
 */
let verifiedParts;

/** Marks the constructor call that adopts a native verifier built by a preset or anyOf. */
const ADOPT = Symbol('adopt a native verifier');

function adopted(made) {
  if (!(made instanceof native.NativeVerifier)) throw fromNative(made);
  return made;
}

/**
 * Verifies tokens against one key source and one set of rules. Build one at
 * startup and share it: its key cache serves every request.
 */
class Verifier {
  #native;

  static {
    verifiedParts = (verifier, token) => {
      try {
        return promised(verifier.#native.verifyParts(tokenText(token)));
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }

  constructor(options, made) {
    this.#native = options === ADOPT ? made : adopted(native.createVerifier(coreOptions(options)));
  }

  /**
   * One verifier trusting several issuers, each configuration with its own
   * keys, cache and rules: `Verifier.anyOf({ prod, staging })`. The token's
   * unverified `iss` only picks the configuration that judges it; an `iss`
   * no configuration names is ERR_INVALID_ISSUER with no network request.
   * `verifyDetailed` names the configuration that accepted a token.
   */
  static anyOf(configs) {
    if (configs === null || typeof configs !== 'object' || Array.isArray(configs)) {
      throw new TypeError('tokenward: Verifier.anyOf(configs) needs an object of name to Verifier');
    }
    const issuers = new native.NativeIssuers();
    for (const [name, verifier] of Object.entries(configs)) {
      if (!(verifier instanceof Verifier)) {
        throw new TypeError(`tokenward: Verifier.anyOf: configuration ${name} is not a Verifier`);
      }
      issuers.add(name, verifier.#native);
    }
    return new this(ADOPT, adopted(issuers.build()));
  }

  /** Provider preset `name` with its arguments and ordinary options in one object. */
  static preset(name, options) {
    const provider = PROVIDERS.get(name);
    if (provider === undefined) {
      throw new TokenwardError(`unknown provider "${name}"; the providers are ${[...PROVIDERS.keys()].join(', ')}`, 'ERR_CONFIGURATION');
    }
    return new this(ADOPT, adopted(native.createPreset(name, coreOptions(options, provider.args))));
  }

  /**
   * Promise of `{ claims, header, issuerConfig }`: the verified claims and
   * protected header, and the name of the issuer configuration that accepted
   * the token (`null` unless the verifier was built with `anyOf`).
   */
  verifyDetailed(token) {
    return verifiedParts(this, token);
  }

  /**
   * Promise of the claims; rejects with a TokenwardError, or a TypeError for
   * a token of the wrong type. A token the verified-token cache holds, a
   * refusal found before any signature check, and an HMAC token are answered
   * at once; a public-key signature check runs on libuv's thread pool, off
   * the event loop.
   */
  verify(token) {
    let text;
    try {
      text = tokenText(token);
    } catch (err) {
      return Promise.reject(err);
    }
    return promised(this.#native.verify(text));
  }

  /** Promise of true for a valid token, false for any token problem; rejects when keys cannot be had. */
  validate(token) {
    return this.verify(token).then(
      () => true,
      (err) => {
        if (err instanceof TokenwardError && err.isTokenProblem) return false;
        throw err;
      },
    );
  }

  /**
   * The claims, with the keys already held, checked on the calling thread;
   * throws ERR_JWKS_NOT_LOADED before the first fetch.
   */
  verifySync(token) {
    const verdict = this.#native.verifySync(tokenText(token));
    if (typeof verdict !== 'string') throw fromNative(verdict);
    return JSON.parse(verdict);
  }

  /** Fetches the key set now. */
  refresh() {
    return this.#native.refresh().then(settledValue);
  }

  /** Key-cache counters, and the verified-token cache's under `tokenCache`. */
  stats() {
    const stats = this.#native.stats();
    for (const bucket of stats.fetchLatency.buckets) if (bucket.le === null) bucket.le = Infinity;
    return stats;
  }

  /** Whether usable keys are held, how many and how old, and the last fetch error: for health checks. */
  status() {
    return this.#native.status();
  }

  /** Promise of the status, once keys are held: fetches them unless fresh ones are (call at startup). */
  warmUp() {
    return this.#native.warmUp().then(settledValue);
  }

  /** The remote keys held now, with their freshness, as JSON text for `keysSnapshot` in another process. */
  exportKeys() {
    const exported = this.#native.exportKeys();
    if (typeof exported !== 'string') throw fromNative(exported);
    return exported;
  }
}

/** The core's provider presets, by name; each is also a static method: `Verifier.auth0({ domain, audience })`. */
const PROVIDERS = new Map(native.providerSpecs().map((spec) => [spec.name, spec]));
for (const name of PROVIDERS.keys()) {
  Object.defineProperty(Verifier, name, {
    value: function preset(options) {
      return this.preset(name, options);
    },
    writable: true,
    configurable: true,
  });
}

module.exports = { Verifier, verifiedParts, tokenText };
