'use strict';
// The seed flow in Express: the frontend posts the provider's payload to
// /login; the backend verifies the access and id tokens with tokenward,
// finds or creates the user in SQLite, and starts a session.
//
// Two kinds of session are shown side by side:
// - the provider's access token in an HttpOnly cookie, verified on every
//   request by tokenward's middleware (GET /me);
// - the app's own opaque session id in a cookie, looked up in SQLite (GET /session).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const express = require('express');
const Database = require('better-sqlite3');
const { Verifier, TokenwardError } = require('tokenward');
const { requireToken } = require('tokenward/express');

const SCHEMA = fs.readFileSync(path.join(__dirname, '..', 'schema.sql'), 'utf8');
// The browser frontend shared by every example (examples/web).
const WEB = path.join(__dirname, '..', 'web');
const PAGE = fs.readFileSync(path.join(WEB, 'login.html'), 'utf8');
const SCRIPT = fs.readFileSync(path.join(WEB, 'login.js'), 'utf8');

const ACCESS_COOKIE = 'access_token';
const SESSION_COOKIE = 'sid';

/** [access token, id token] from Cotter's or Secuuth's payload. */
function tokensFrom(payload) {
  if (!payload || typeof payload !== 'object') return [undefined, undefined];
  if (payload.oauth_token && typeof payload.oauth_token === 'object') {
    return [payload.oauth_token.access_token, payload.oauth_token.id_token];
  }
  return [payload.accessToken, payload.idToken];
}

/**
 * A cookie's value as the browser sent it. Not percent-decoded: the session ids
 * this app sets are base64url, so any other value (badly encoded, quoted) is
 * simply a session that does not exist.
 */
function cookie(req, name) {
  for (const pair of (req.headers.cookie || '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return '';
}

/** The first `email` among verified claim sets (id token first), or null. */
function verifiedEmail(...verified) {
  for (const claims of verified) {
    if (typeof claims.email === 'string' && claims.email) return claims.email;
  }
  return null;
}

function createApp({ issuer, audience, clientId, database, cookieSecure = false, style = 'cotter' }) {
  // Access tokens are for this API; id tokens are addressed to the frontend's client id.
  const access = new Verifier({ discover: issuer, audience });
  const identity = new Verifier({ discover: issuer, audience: clientId });
  const db = new Database(database);
  db.exec(SCHEMA);
  const insertUser = db.prepare('INSERT INTO users (subject, email) VALUES (?, ?) ON CONFLICT(subject) DO NOTHING');
  const userBySubject = db.prepare('SELECT id, subject, email FROM users WHERE subject = ?');
  const insertSession = db.prepare('INSERT INTO sessions (id, user_id) VALUES (?, ?)');
  const userBySession = db.prepare(
    'SELECT users.id, users.subject, users.email FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.id = ?',
  );
  const deleteSession = db.prepare('DELETE FROM sessions WHERE id = ?');
  const cookieOptions = { httpOnly: true, sameSite: 'lax', secure: cookieSecure };

  const app = express();
  app.use(express.json());
  const refuse = (res, status, code, message) => res.status(status).json({ error: 'login_failed', code, message });

  // The page and what it needs to send the browser to the provider; `style` is
  // the payload it posts to /login: 'cotter' or 'secuuth'.
  const pageConfig = { issuer, audience, client_id: clientId, style };
  app.get('/', (req, res) => res.type('html').send(PAGE));
  app.get('/login.js', (req, res) => res.type('text/javascript').send(SCRIPT));
  app.get('/config.json', (req, res) => res.json(pageConfig));

  app.post('/login', async (req, res, next) => {
    const [accessToken, idToken] = tokensFrom(req.body);
    if (typeof accessToken !== 'string' || typeof idToken !== 'string') {
      return refuse(res, 400, 'missing_tokens', "post the provider's payload with an access token and an id token");
    }
    let accessClaims;
    let idClaims;
    try {
      accessClaims = await access.verify(accessToken);
      idClaims = await identity.verify(idToken);
    } catch (err) {
      if (!(err instanceof TokenwardError)) return next(err);
      return refuse(res, err.isTokenProblem ? 401 : 503, err.code, err.message);
    }
    if (!accessClaims.sub || accessClaims.sub !== idClaims.sub) {
      return refuse(res, 401, 'subject_mismatch', 'the access token and the id token are about different users');
    }
    // What is stored about the user comes from verified claims only: the rest of
    // the posted payload is whatever the browser chose to send.
    const email = verifiedEmail(idClaims, accessClaims);
    const created = insertUser.run(accessClaims.sub, email).changes === 1;
    const user = userBySubject.get(accessClaims.sub);
    const sessionId = crypto.randomBytes(32).toString('base64url');
    insertSession.run(sessionId, user.id);
    const lifetime = typeof accessClaims.exp === 'number' && typeof accessClaims.iat === 'number'
      ? (accessClaims.exp - accessClaims.iat) * 1000
      : undefined;
    res.cookie(ACCESS_COOKIE, accessToken, { ...cookieOptions, maxAge: lifetime });
    res.cookie(SESSION_COOKIE, sessionId, cookieOptions);
    return res.json({ user, created });
  });

  app.get('/me', requireToken({ verifier: access, cookie: ACCESS_COOKIE }), (req, res) => {
    const user = userBySubject.get(req.auth.claims.sub);
    if (!user) return res.status(404).json({ error: 'unknown_user', code: 'unknown_user', message: 'log in first' });
    const scope = typeof req.auth.claims.scope === 'string' ? req.auth.claims.scope.split(' ') : [];
    return res.json({ user, scopes: scope });
  });

  app.get('/session', (req, res) => {
    const user = userBySession.get(cookie(req, SESSION_COOKIE));
    if (!user) return res.status(401).json({ error: 'no_session', code: 'no_session', message: 'log in first' });
    return res.json({ user });
  });

  app.post('/logout', (req, res) => {
    deleteSession.run(cookie(req, SESSION_COOKIE));
    res.clearCookie(ACCESS_COOKIE);
    res.clearCookie(SESSION_COOKIE);
    res.json({ ok: true });
  });

  // Errors end as JSON without internals (Express's default handler shows a stack
  // trace outside production): a bad request body keeps its 4xx status.
  app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    const status = Number.isInteger(err.status) && err.status >= 400 && err.status < 500 ? err.status : 500;
    const code = status === 500 ? 'internal_error' : 'bad_request';
    if (status === 500) console.error(err);
    return res.status(status).json({ error: code, code, message: status === 500 ? 'internal error' : err.message });
  });

  app.close = () => db.close();
  return app;
}

module.exports = { createApp, tokensFrom };

if (require.main === module) {
  const app = createApp({
    issuer: process.env.TOKENWARD_ISSUER,
    audience: process.env.TOKENWARD_AUDIENCE,
    clientId: process.env.TOKENWARD_CLIENT_ID,
    database: process.env.DATABASE || 'users.db',
    cookieSecure: process.env.COOKIE_SECURE === '1',
    style: process.env.TOKENWARD_STYLE || 'cotter',
  });
  const port = Number(process.env.PORT || 3000);
  app.listen(port, '127.0.0.1', () => console.log(`express-login listening on http://127.0.0.1:${port}`));
}
