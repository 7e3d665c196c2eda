'use strict';
/**
 * Express middleware: only requests with a verified token get through.
 *
 *   const { requireToken } = require('tokenward/express');
 *   app.get('/me', requireToken({ verifier }), (req, res) => res.json(req.auth.claims));
 *
 * The token is read from the `Authorization: Bearer` header (`header: true`),
 * a cookie (`cookie: 'name'`), or a JSON body path (`jsonPath:
 * 'oauth_token.access_token'` or `'accessToken'`), first found wins.
 * On success `req.auth = { claims, header, token }`, the claims and header
 * the core verified. No token: 401 with `WWW-Authenticate: Bearer`. Bad
 * token: 401 with `error="invalid_token"`. Missing scope: 403
 * `insufficient_scope`. Keys unavailable: 503, and a failure inside
 * tokenward: 500, both with a generic message (the core's may name URLs).
 * With `passErrors: true` the error goes to `next(err)` instead (with
 * `err.status`).
 */
const { TokenwardError, scopesOf } = require('./index.js');
const { Verifier, verifiedParts } = require('./verifier.js');

function jsonField(body, path) {
  let value = body;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[part];
  }
  return typeof value === 'string' ? value : undefined;
}

// One `name=value` pair of a Cookie header, in werkzeug's grammar (what
// Flask reads), so both adapters find the same token: a double-quoted value
// is unquoted, and nothing is percent-decoded.
const COOKIE_PAIR = /[ \t]*([^ \t=";]+)(?:[ \t]*=[ \t]*("(?:[^\\"]|\\.)*"|[^ \t";]*))?[ \t]*(?:;|$)/y;

function unquoted(value) {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\([0-3][0-7]{2}|.)/g, (_, escaped) =>
    escaped.length === 1 ? escaped : String.fromCharCode(parseInt(escaped, 8)),
  );
}

function cookieValue(req, name) {
  if (req.cookies && typeof req.cookies[name] === 'string') return req.cookies[name];
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  let pos = 0;
  while (pos < header.length) {
    COOKIE_PAIR.lastIndex = pos;
    const pair = COOKIE_PAIR.exec(header);
    if (pair === null) {
      // Skip what does not parse, up to the next pair.
      const next = header.indexOf(';', pos);
      if (next === -1) break;
      pos = next + 1;
      continue;
    }
    pos = COOKIE_PAIR.lastIndex;
    if (pair[1] === name) return unquoted(pair[2] ?? '');
  }
  return undefined;
}

/** The request's token per the settings, or undefined. */
function tokenFromRequest(req, settings) {
  if (settings.header !== false) {
    const auth = req.headers.authorization;
    if (typeof auth === 'string') {
      const space = auth.indexOf(' ');
      if (space > 0 && auth.slice(0, space).toLowerCase() === 'bearer') {
        const token = auth.slice(space + 1).trim();
        if (token) return token;
      }
    }
  }
  if (settings.cookie) {
    const token = cookieValue(req, settings.cookie);
    if (token) return token;
  }
  if (settings.jsonPath && req.body && typeof req.body === 'object') {
    return jsonField(req.body, settings.jsonPath);
  }
  return undefined;
}

// RFC 6750 error_description: printable ASCII without '"' and '\'.
function quoted(text) {
  return `"${String(text).replace(/[^\x20-\x7e]|["\\]/g, '')}"`;
}

function challenge(settings, error, description, scope) {
  const params = [];
  if (settings.realm) params.push(`realm=${quoted(settings.realm)}`);
  if (error) {
    params.push(`error="${error}"`);
    params.push(`error_description=${quoted(description)}`);
  }
  if (scope) params.push(`scope=${quoted(scope)}`);
  return params.length ? `Bearer ${params.join(', ')}` : 'Bearer';
}

function refusal(status, error, code, message, cause) {
  const err = cause instanceof TokenwardError ? cause : new TokenwardError(message, code, undefined, true);
  err.status = status;
  err.oauthError = error;
  return err;
}

// The answer's message when tokenward could not judge the token: the error's
// own message can name the key-set URL, which is not the client's business.
const UNAVAILABLE = 'the signing keys are unavailable; try again later';
const FAILED = 'the token could not be checked; try again later';

function respond(res, settings, err, scope) {
  const message = err.status === 503 ? UNAVAILABLE : err.status === 500 ? FAILED : err.message;
  const body = { error: err.oauthError, code: err.code, message };
  if (err.status === 401 || err.status === 403) {
    const rfcError = err.oauthError === 'missing_token' ? undefined : err.oauthError;
    res.set('WWW-Authenticate', challenge(settings, rfcError, err.message, scope));
  }
  res.status(err.status).json(body);
}

/**
 * @param {object} settings
 * @param {import('./index.js').Verifier} settings.verifier
 */
function requireToken(settings) {
  if (!settings || !(settings.verifier instanceof Verifier)) {
    throw new TypeError('tokenward/express: requireToken({ verifier }) needs a tokenward Verifier');
  }
  const scopes = settings.scopes ? [...settings.scopes] : [];
  const scopeText = scopes.join(' ');

  function fail(req, res, next, err) {
    if (settings.passErrors) return next(err);
    if (err.status === 401 && settings.loginUrl) {
      const sep = settings.loginUrl.includes('?') ? '&' : '?';
      return res.redirect(302, `${settings.loginUrl}${sep}next=${encodeURIComponent(req.originalUrl)}`);
    }
    return respond(res, settings, err, err.oauthError === 'insufficient_scope' ? scopeText : undefined);
  }

  return function tokenwardMiddleware(req, res, next) {
    const token = tokenFromRequest(req, settings);
    if (token === undefined) {
      if (settings.optional) {
        req.auth = undefined;
        return next();
      }
      return fail(req, res, next, refusal(401, 'missing_token', 'ERR_MISSING_TOKEN', 'this request needs a bearer token'));
    }
    verifiedParts(settings.verifier, token).then(
      ({ claims, header }) => {
        const granted = scopesOf(claims);
        const missing = scopes.filter((s) => !granted.includes(s));
        if (missing.length) {
          const message = `the token lacks the scope(s) ${missing.join(' ')}`;
          return fail(req, res, next, refusal(403, 'insufficient_scope', 'ERR_INSUFFICIENT_SCOPE', message));
        }
        req.auth = { claims, header, token };
        return next();
      },
      (err) => {
        if (!(err instanceof TokenwardError)) return next(err);
        if (err.isTokenProblem) return fail(req, res, next, refusal(401, 'invalid_token', err.code, err.message, err));
        if (err.code === 'ERR_INTERNAL') return fail(req, res, next, refusal(500, 'server_error', err.code, err.message, err));
        return fail(req, res, next, refusal(503, 'temporarily_unavailable', err.code, err.message, err));
      },
    );
  };
}

module.exports = { requireToken, tokenFromRequest, scopesOf };
