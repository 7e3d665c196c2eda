'use strict';
/**
 * Express middleware: only requests with a verified token get through.
 *
 *   const { requireToken } = require('tokenward/express');
 *   app.get('/me', requireToken({ verifier }), (req, res) => res.json(req.auth.claims));
 *
 * The rules (where the token is, scopes, claim checks, the answer) are the
 * core's, the same as every other adapter's (see gate.js): this file only
 * collects the request's parts and sends the answer. On success
 * `req.auth = { claims, header, token }`, the claims and header the core
 * verified. Otherwise the core's answer is sent as it is: 401 with a
 * `WWW-Authenticate: Bearer` challenge, 400 for a malformed request, 403 for
 * a missing scope or a failed claim check, 413 for a body over
 * `maxBodyBytes`, 503 when keys are unavailable, 500 for a failure inside
 * tokenward, or a 302 to `loginUrl`. With `passErrors: true` it goes to
 * `next(err)` instead: a TokenwardError with `err.status` and `err.answer`.
 *
 * The body (for `jsonPath`): a body Express already parsed with
 * express.json() is handed to the core as `JSON.stringify(req.body)` (the
 * parsed value, not the bytes received, so `maxBodyBytes` counts the
 * re-serialised text); a Buffer or string body (express.raw(),
 * express.text()) as it is. When no parser has read the body and it may hold
 * the token (a JSON Content-Type), the middleware reads it, at most
 * `maxBodyBytes` + 1 bytes, and leaves it as `req.body` (parsed when it is
 * JSON, else the Buffer); body parsers skip a body already read.
 */
const { Verifier } = require('./verifier.js');
const { Gate, authenticate, answerError, headerLines, readLimited } = require('./gate.js');
const { scopesOf } = require('./index.js');

/** A body a parser already read, as bytes. */
function parsedBody(req) {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  if (req.body !== undefined) return Buffer.from(JSON.stringify(req.body));
  return undefined;
}

/** The request body as bytes, when the core may look in it. */
async function bodyOf(req, gate, contentType) {
  if (!gate.wantsBody(contentType)) return undefined;
  const known = parsedBody(req);
  if (known !== undefined || req.complete || !req.readable) return known;
  const raw = await readLimited(req, gate.maxBodyBytes);
  try {
    req.body = JSON.parse(raw.toString('utf8'));
  } catch {
    req.body = raw;
  }
  return raw;
}

/** The request's parts, as the core reads them. */
async function partsOf(req, gate) {
  const contentType = req.headers['content-type'];
  return {
    authorization: headerLines(req, 'authorization'),
    cookie: headerLines(req, 'cookie'),
    contentType,
    body: await bodyOf(req, gate, contentType),
    path: req.originalUrl ?? req.url,
  };
}

function send(res, answer) {
  res.status(answer.status);
  for (const [name, value] of answer.headers) res.set(name, value);
  if (answer.body) res.type('application/json').send(answer.body);
  else res.end();
}

/**
 * @param {object} settings
 * @param {import('./index.js').Verifier} settings.verifier
 */
function requireToken(settings) {
  if (!settings || !(settings.verifier instanceof Verifier)) {
    throw new TypeError('tokenward/express: requireToken({ verifier }) needs a tokenward Verifier');
  }
  const { verifier, passErrors } = settings;
  const gate = new Gate(settings);

  return function tokenwardMiddleware(req, res, next) {
    partsOf(req, gate)
      .then((parts) => authenticate(gate, verifier, parts))
      .then(({ auth, answer, error }) => {
        if (!answer) {
          req.auth = auth;
          return next();
        }
        if (passErrors) return next(answerError(answer, error));
        return send(res, answer);
      })
      .catch(next);
  };
}

/**
 * The token the core finds in `req` with these settings, or undefined (none,
 * or a request the core refuses). Reads only a body already parsed.
 */
function tokenFromRequest(req, settings = {}) {
  const gate = new Gate(settings);
  const contentType = req.headers['content-type'];
  const body = gate.wantsBody(contentType) ? parsedBody(req) : undefined;
  const parts = { authorization: headerLines(req, 'authorization'), cookie: headerLines(req, 'cookie'), contentType, body, path: req.url };
  const found = gate.locate(parts);
  return typeof found === 'string' ? found : undefined;
}

module.exports = { requireToken, tokenFromRequest, scopesOf };
