'use strict';
/**
 * The request-side rules of the core (where the token is, scopes and claim
 * checks, the answer), for the framework adapters (tokenward/express,
 * tokenward/fastify). An adapter collects the request's parts, calls
 * `authenticate`, and sends the answer it gets back; it decides nothing.
 */
const { load } = require('./native.js');
const { TokenwardError, fromNative } = require('./errors.js');
const { verifiedParts } = require('./verifier.js');

const native = load();

/** Settings that belong to an adapter, not to the gate. */
const ADAPTER_SETTINGS = new Set(['verifier', 'passErrors']);

/**
 * camelCase gate settings (`jsonPath`, `maxBodyBytes`, `loginUrl`,
 * `retryAfter`, ...) as the core spells them; the core refuses a key it
 * does not know (ERR_CONFIGURATION), so a misspelt setting fails at startup.
 */
function coreSettings(settings) {
  const out = {};
  for (const [key, value] of Object.entries(settings)) {
    if (ADAPTER_SETTINGS.has(key) || value === undefined) continue;
    if (key.includes('_')) {
      throw new TokenwardError(`tokenward: unknown setting '${key}'; settings are spelled in camelCase (jsonPath, maxBodyBytes, loginUrl, retryAfter)`, 'ERR_CONFIGURATION');
    }
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return out;
}

class Gate {
  #native;

  /** @param {object} settings gate settings in camelCase; throws a TokenwardError (ERR_CONFIGURATION) when the core refuses them. */
  constructor(settings = {}) {
    const made = native.createGate(coreSettings(settings));
    if (!(made instanceof native.NativeGate)) throw fromNative(made);
    this.#native = made;
  }

  /** Largest body read for `jsonPath`, in bytes. */
  get maxBodyBytes() {
    return this.#native.maxBodyBytes;
  }

  /** True when a body with this Content-Type may hold the token (a JSON body with `jsonPath` set). */
  wantsBody(contentType) {
    return this.#native.wantsBody(contentType ?? undefined);
  }

  /**
   * The token (a string), null (an optional route without one), or the
   * answer to send. `parts`: `{ authorization: string[], cookie: string[],
   * contentType, body: Buffer | undefined, path }`.
   */
  locate(parts) {
    const decision = this.#native.locate(parts);
    if (decision.error) return this.refuse(fromNative(decision.error), parts.path);
    if (decision.answer) return decision.answer;
    return decision.token ?? null;
  }

  /** The answer to a refused verification (401, 302, 503 or 500). */
  refuse(err, path) {
    const isOurs = err instanceof TokenwardError;
    const code = isOurs ? err.code : 'ERR_INTERNAL';
    const message = isOurs ? err.message : 'the token could not be checked';
    const decision = this.#native.refuse(code, message, isOurs ? err.claim : undefined, path);
    if (decision.answer) return decision.answer;
    throw fromNative(decision.error);
  }

  /** The scopes and claim checks on verified claims: null when they pass, else the answer (403). */
  check(claims, path) {
    const decision = this.#native.check(claims);
    if (decision.error) return this.refuse(fromNative(decision.error), path);
    return decision.answer ?? null;
  }
}

/**
 * The whole exchange for one request: where the token is, its verification,
 * the claim checks. Resolves to `{ auth }` (`auth` undefined on an optional
 * route without a token) or `{ answer, error }`, where `error` is the
 * verifier's TokenwardError when it refused the token.
 */
async function authenticate(gate, verifier, parts) {
  const found = gate.locate(parts);
  if (found === null) return { auth: undefined };
  if (typeof found !== 'string') return { answer: found };
  let verified;
  try {
    verified = await verifiedParts(verifier, found);
  } catch (err) {
    return { answer: gate.refuse(err, parts.path), error: err };
  }
  const answer = gate.check(verified.claims, parts.path);
  if (answer) return { answer };
  return { auth: { claims: verified.claims, header: verified.header, token: found, issuerConfig: verified.issuerConfig } };
}

/**
 * An answer as a TokenwardError for an app's error handler: the verifier's
 * own error when there is one, else one with `code` = `ERR_` + the answer's
 * code; `status` and `answer` set on it either way.
 */
function answerError(answer, error) {
  let err = error;
  if (!(err instanceof TokenwardError)) {
    const body = answer.body ? JSON.parse(answer.body) : {};
    err = new TokenwardError(body.message ?? answer.code, `ERR_${answer.code.toUpperCase()}`, undefined, answer.status === 401);
  }
  err.status = answer.status;
  err.answer = answer;
  return err;
}

/** Every line of a request header (Node joins repeated ones in `headers`). */
function headerLines(raw, name) {
  return raw.headersDistinct?.[name] ?? (raw.headers[name] === undefined ? [] : [String(raw.headers[name])]);
}

/** Reads a stream, stopping one byte past `limit` (the rest is discarded, so the connection can serve the answer). */
function readLimited(stream, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const finish = () => {
      stream.off('data', onData);
      stream.off('end', finish);
      stream.off('error', reject);
      resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        finish();
        stream.resume();
      }
    };
    stream.on('data', onData);
    stream.on('end', finish);
    stream.on('error', reject);
  });
}

module.exports = { Gate, authenticate, answerError, coreSettings, headerLines, readLimited };
