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
 * On success `req.auth = { claims, header, token }`. No token: 401 with
 * `WWW-Authenticate: Bearer`. Bad token: 401 with `error="invalid_token"`.
 * Missing scope: 403 `insufficient_scope`. Keys unavailable: 503. With
 * `passErrors: true` the error goes to `next(err)` instead (with `err.status`).
 */
const { TokenwardError, decodeUnverified, scopesOf } = require('./index.js');

function jsonField(body, path) {
  let value = body;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[part];
  }
  return typeof value === 'string' ? value : undefined;
}

function cookieValue(req, name) {
  if (req.cookies && typeof req.cookies[name] === 'string') return req.cookies[name];
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(pair.slice(at + 1).trim());
      } catch {
        return undefined;
      }
    }
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

function respond(res, settings, err, scope) {
  const body = { error: err.oauthError, code: err.code, message: err.message };
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
  if (!settings || !settings.verifier || typeof settings.verifier.verify !== 'function') {
    throw new TypeError('tokenward/express: requireToken({ verifier }) needs a Verifier');
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
    settings.verifier.verify(token).then(
      (claims) => {
        const granted = scopesOf(claims);
        const missing = scopes.filter((s) => !granted.includes(s));
        if (missing.length) {
          const message = `the token lacks the scope(s) ${missing.join(' ')}`;
          return fail(req, res, next, refusal(403, 'insufficient_scope', 'ERR_INSUFFICIENT_SCOPE', message));
        }
        let header;
        req.auth = {
          claims,
          token,
          get header() {
            if (header === undefined) header = decodeUnverified(token).header;
            return header;
          },
        };
        return next();
      },
      (err) => {
        if (!(err instanceof TokenwardError)) return next(err);
        if (err.isTokenProblem) return fail(req, res, next, refusal(401, 'invalid_token', err.code, err.message, err));
        return fail(req, res, next, refusal(503, 'temporarily_unavailable', err.code, err.message, err));
      },
    );
  };
}

module.exports = { requireToken, tokenFromRequest, scopesOf };
