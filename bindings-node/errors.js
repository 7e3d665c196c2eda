'use strict';
const { load } = require('./native.js');

/**
 * Every error tokenward throws or rejects with. `code` is stable:
 * `ERR_TOKEN_EXPIRED`, `ERR_INVALID_AUDIENCE`, ... (`ERR_` + the core code
 * upper-cased); `claim` names the failing claim, when one did.
 */
class TokenwardError extends Error {
  /**
   * @param {boolean} tokenProblem true when the token itself was refused (the
   *   core decides for its codes); false for key, configuration or internal problems.
   */
  constructor(message, code, claim, tokenProblem = false) {
    super(message);
    this.name = 'TokenwardError';
    this.code = code;
    this.claim = claim ?? undefined;
    this.isTokenProblem = tokenProblem;
  }
}

/** Every stable code, for `switch` statements and tests: the core's list. */
const ERROR_CODES = Object.freeze(load().errorCodes());

/** A refusal returned by the addon (`{ code, claim, message, tokenProblem }`) as a TokenwardError. */
function fromNative(detail) {
  return new TokenwardError(detail.message, detail.code, detail.claim, detail.tokenProblem);
}

module.exports = { TokenwardError, ERROR_CODES, fromNative };
