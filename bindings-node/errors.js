'use strict';

/**
 * Every error tokenward throws or rejects with. `code` is stable:
 * `ERR_TOKEN_EXPIRED`, `ERR_INVALID_AUDIENCE`, ... (`ERR_` + the core code
 * upper-cased); `claim` names the failing claim, when one did.
 */
class TokenwardError extends Error {
  /**
   * @param {boolean} tokenProblem true when the token itself was refused (the
   *   core decides for its codes); false for key or configuration problems.
   */
  constructor(message, code, claim, tokenProblem = false) {
    super(message);
    this.name = 'TokenwardError';
    this.code = code;
    this.claim = claim ?? undefined;
    this.isTokenProblem = tokenProblem;
  }
}

/** Every stable code, for `switch` statements and tests. */
const ERROR_CODES = Object.freeze([
  'ERR_MALFORMED',
  'ERR_TOKEN_TOO_LARGE',
  'ERR_ALGORITHM_NOT_ALLOWED',
  'ERR_UNSUPPORTED_ALGORITHM',
  'ERR_KEY_NOT_FOUND',
  'ERR_INVALID_SIGNATURE',
  'ERR_TOKEN_EXPIRED',
  'ERR_NOT_YET_VALID',
  'ERR_ISSUED_IN_FUTURE',
  'ERR_TOKEN_TOO_OLD',
  'ERR_INVALID_ISSUER',
  'ERR_INVALID_AUDIENCE',
  'ERR_INVALID_TYPE',
  'ERR_MISSING_CLAIM',
  'ERR_INVALID_CLAIM',
  'ERR_UNSUPPORTED_CRITICAL_HEADER',
  'ERR_JWKS_NOT_LOADED',
  'ERR_JWKS_FETCH_FAILED',
  'ERR_JWKS_INVALID',
  'ERR_CONFIGURATION',
]);

/** `{code, claim, message, tokenProblem}` from the addon to a TokenwardError. */
function fromNative(detail) {
  return new TokenwardError(detail.message, detail.code, detail.claim, detail.tokenProblem);
}

/**
 * An error thrown by the addon: its message is JSON for tokenward errors;
 * anything else (a panic caught at the boundary) is passed on unchanged.
 */
function rethrown(err) {
  if (err && typeof err.message === 'string' && err.message.startsWith('{"')) {
    try {
      return fromNative(JSON.parse(err.message));
    } catch {
      return err;
    }
  }
  return err;
}

module.exports = { TokenwardError, ERROR_CODES, fromNative, rethrown };
