'use strict';
const { load } = require('./native.js');
const { TokenwardError, ERROR_CODES, fromNative } = require('./errors.js');
const { Verifier, tokenText } = require('./verifier.js');
const { setLogger } = require('./logging.js');

const native = load();

/** The scopes claims grant: `scope` (space-separated) when present, else `scp` (string or array). */
function scopesOf(claims) {
  const picked = {};
  for (const name of ['scope', 'scp']) {
    if (claims !== null && typeof claims === 'object' && Object.hasOwn(claims, name)) picked[name] = claims[name];
  }
  return native.scopesOf(picked);
}

/**
 * `{ header, claims }` of a token, parsed strictly but NOT verified: never
 * trust them. Both are plain objects of own data properties.
 */
function decodeUnverified(token) {
  const decoded = native.decodeUnverified(tokenText(token));
  if (typeof decoded !== 'string') throw fromNative(decoded);
  return JSON.parse(decoded);
}

module.exports = { Verifier, decodeUnverified, scopesOf, setLogger, TokenwardError, ERROR_CODES };
