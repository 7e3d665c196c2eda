'use strict';
// The seed flow in Fastify: the frontend posts the provider's payload to
// /login; the backend verifies the access and id tokens with tokenward,
// finds or creates the user in SQLite, and starts a session.
//
// Two kinds of session are shown side by side:
// - the provider's access token in an HttpOnly cookie, verified on every
//   request by tokenward's Fastify plugin (GET /me);
// - the app's own opaque session id in a cookie, looked up in SQLite (GET /session).
//
// Routes, status codes and bodies are those of ../express-login, so one
// frontend can drive either.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Fastify = require('fastify');
const Database = require('better-sqlite3');
const { Verifier, TokenwardError } = require('tokenward');
const tokenward = require('tokenward/fastify');

const SCHEMA = fs.readFileSync(path.join(__dirname, '..', 'schema.sql'), 'utf8');
// The browser frontend shared by every example (examples/web).
const WEB = path.join(__dirname, '..', 'web');
const PAGE = fs.readFileSync(path.join(WEB, 'login.html'), 'utf8');
const SCRIPT = fs.readFileSync(path.join(WEB, 'login.js'), 'utf8');

const ACCESS_COOKIE = 'access_token';
const SESSION_COOKIE = 'sid';
/** express.json()'s default limit, in bytes. */
const BODY_LIMIT = 100 * 1024;

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
function cookie(request, name) {
  for (const pair of (request.headers.cookie || '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return '';
}

/**
 * Adds a Set-Cookie header for `name`. `maxAge` in seconds (default: a cookie
 * for the browser session). The values set here (a verified compact JWS, a
 * base64url session id) have nothing to encode.
 */
function setCookie(reply, name, value, { maxAge, secure }) {
  const attributes = [`${name}=${value}`];
  if (maxAge !== undefined) attributes.push(`Max-Age=${maxAge}`);
  attributes.push('Path=/');
  if (maxAge !== undefined) attributes.push(`Expires=${new Date(Date.now() + maxAge * 1000).toUTCString()}`);
  attributes.push('HttpOnly');
  if (secure) attributes.push('Secure');
  attributes.push('SameSite=Lax');
  reply.header('set-cookie', attributes.join('; '));
}

function clearCookie(reply, name) {
  reply.header('set-cookie', `${name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
}

/** The first `email` among verified claim sets (id token first), or null. */
function verifiedEmail(...verified) {
  for (const claims of verified) {
    if (typeof claims.email === 'string' && claims.email) return claims.email;
  }
  return null;
}

/**
 * Fastify's JSON parser with express.json()'s rules on top, so that both
 * examples answer the same bodies alike: an empty body is `{}`, and only an
 * object or an array is accepted.
 */
function expressLikeJson(parse) {
  return (request, body, done) => {
    if (body === '') return done(null, {});
    const first = body.trimStart()[0];
    if (first !== '{' && first !== '[') {
      const err = new SyntaxError('the JSON body must be an object or an array');
      err.statusCode = 400;
      return done(err);
    }
    return parse(request, body, done);
  };
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
  const cookieOptions = { secure: cookieSecure };

  const app = Fastify({ bodyLimit: BODY_LIMIT });
  app.addHook('onClose', (instance, done) => {
    db.close();
    done();
  });
  // Only JSON bodies are read, as with express.json(): a body of any other type
  // (text/plain included) is left unread, so /login answers missing_tokens.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, expressLikeJson(app.getDefaultJsonParser('error', 'error')));
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', (request, payload, done) => done(null, undefined));

  // Errors end as JSON without internals: a bad request body keeps its 4xx status.
  app.setErrorHandler((err, request, reply) => {
    const status = Number.isInteger(err.statusCode) && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const code = status === 500 ? 'internal_error' : 'bad_request';
    if (status === 500) console.error(err);
    return reply.code(status).send({ error: code, code, message: status === 500 ? 'internal error' : err.message });
  });

  app.register(tokenward, { verifier: access, cookie: ACCESS_COOKIE });
  // Fastify encapsulation: the plugin's hooks reach its own scope and the
  // scopes registered after it, so the routes live in a plugin registered
  // after it (a scope registered before it would not be checked).
  app.register(async (routes) => {
    const refuse = (reply, status, code, message) => reply.code(status).send({ error: 'login_failed', code, message });

    // The page and what it needs to send the browser to the provider; `style` is
    // the payload it posts to /login: 'cotter' or 'secuuth'.
    const pageConfig = { issuer, audience, client_id: clientId, style };
    routes.get('/', async (request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
    routes.get('/login.js', async (request, reply) => reply.type('text/javascript; charset=utf-8').send(SCRIPT));
    routes.get('/config.json', async () => pageConfig);

    routes.post('/login', async (request, reply) => {
      const [accessToken, idToken] = tokensFrom(request.body);
      if (typeof accessToken !== 'string' || typeof idToken !== 'string') {
        return refuse(reply, 400, 'missing_tokens', "post the provider's payload with an access token and an id token");
      }
      let accessClaims;
      let idClaims;
      try {
        accessClaims = await access.verify(accessToken);
        idClaims = await identity.verify(idToken);
      } catch (err) {
        if (!(err instanceof TokenwardError)) throw err;
        return refuse(reply, err.isTokenProblem ? 401 : 503, err.code, err.message);
      }
      if (!accessClaims.sub || accessClaims.sub !== idClaims.sub) {
        return refuse(reply, 401, 'subject_mismatch', 'the access token and the id token are about different users');
      }
      // What is stored about the user comes from verified claims only: the rest of
      // the posted payload is whatever the browser chose to send.
      const email = verifiedEmail(idClaims, accessClaims);
      const created = insertUser.run(accessClaims.sub, email).changes === 1;
      const user = userBySubject.get(accessClaims.sub);
      const sessionId = crypto.randomBytes(32).toString('base64url');
      insertSession.run(sessionId, user.id);
      const lifetime = typeof accessClaims.exp === 'number' && typeof accessClaims.iat === 'number'
        ? Math.floor(accessClaims.exp - accessClaims.iat)
        : undefined;
      setCookie(reply, ACCESS_COOKIE, accessToken, { ...cookieOptions, maxAge: lifetime });
      setCookie(reply, SESSION_COOKIE, sessionId, cookieOptions);
      return { user, created };
    });

    routes.get('/me', { config: { tokenward: true } }, async (request, reply) => {
      const user = userBySubject.get(request.auth.claims.sub);
      if (!user) return reply.code(404).send({ error: 'unknown_user', code: 'unknown_user', message: 'log in first' });
      const scope = typeof request.auth.claims.scope === 'string' ? request.auth.claims.scope.split(' ') : [];
      return { user, scopes: scope };
    });

    routes.get('/session', async (request, reply) => {
      const user = userBySession.get(cookie(request, SESSION_COOKIE));
      if (!user) return reply.code(401).send({ error: 'no_session', code: 'no_session', message: 'log in first' });
      return { user };
    });

    routes.post('/logout', async (request, reply) => {
      deleteSession.run(cookie(request, SESSION_COOKIE));
      clearCookie(reply, ACCESS_COOKIE);
      clearCookie(reply, SESSION_COOKIE);
      return { ok: true };
    });
  });

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
  app.listen({ port, host: '127.0.0.1' }).then(
    () => console.log(`fastify-login listening on http://127.0.0.1:${port}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
