'use strict';
/**
 * A local token issuer for tests: real keys, `/.well-known/jwks.json` and
 * `/.well-known/openid-configuration` on 127.0.0.1, minting with any claims
 * and headers, key rotation, and failure modes (`setBehavior`).
 */
const { load } = require('./native.js');

module.exports = { TestIssuer: load().TestIssuer };
