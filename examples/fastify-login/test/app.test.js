'use strict';
// The Fastify example over real HTTP, against a TestIssuer acting as the provider.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { TestIssuer } = require('tokenward/testing');
const { createApp } = require('../app.js');

const AUDIENCE = 'my-api';
const CLIENT_ID = 'my-client';

async function start() {
  const issuer = new TestIssuer();
  const database = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fastify-login-')), 'users.db');
  const app = createApp({ issuer: issuer.url, audience: AUDIENCE, clientId: CLIENT_ID, database });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  return { issuer, base, database, close: () => app.close() };
}

function tokens(issuer, sub = 'user-1', access = {}) {
  return [
    issuer.mint({ sub, aud: AUDIENCE, scope: 'profile', ...access }),
    issuer.mint({ sub, aud: CLIENT_ID, email: `${sub}@example.com` }),
  ];
}

const cotter = ([accessToken, idToken]) => ({
  email: 'user-1@example.com',
  oauth_token: { access_token: accessToken, id_token: idToken, token_type: 'Bearer' },
  user: { ID: 'abcdefgh', identifier: 'user-1@example.com' },
});

async function post(base, pathname, body, headers = {}) {
  return fetch(`${base}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The cookies a browser would send back, from Set-Cookie headers. */
function jar(response) {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** The Set-Cookie header that sets `name`. */
function setCookie(response, name) {
  return response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

async function withApp(fn) {
  const ctx = await start();
  try {
    await fn(ctx);
  } finally {
    await ctx.close();
  }
}

test('first login creates the user and the second finds them', () =>
  withApp(async ({ issuer, base, database }) => {
    const first = await post(base, '/login', cotter(tokens(issuer)));
    assert.equal(first.status, 200);
    const one = await first.json();
    assert.equal(one.created, true);
    const two = await (await post(base, '/login', cotter(tokens(issuer)))).json();
    assert.equal(two.created, false);
    assert.deepEqual(two.user, one.user);
    const db = new Database(database, { readonly: true });
    assert.deepEqual(db.prepare('SELECT subject, email FROM users').all(), [{ subject: 'user-1', email: 'user-1@example.com' }]);
    db.close();
  }));

test("Secuuth's payload logs in too", () =>
  withApp(async ({ issuer, base }) => {
    const [accessToken, idToken] = tokens(issuer, 'user-2');
    const r = await post(base, '/login', { accessToken, idToken, refreshToken: 'r' });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).user.subject, 'user-2');
  }));

test('both session cookies authorise later requests', () =>
  withApp(async ({ issuer, base }) => {
    const cookies = jar(await post(base, '/login', cotter(tokens(issuer))));
    const me = await fetch(`${base}/me`, { headers: { cookie: cookies } });
    assert.equal(me.status, 200);
    assert.deepEqual((await me.json()).scopes, ['profile']);
    const session = await fetch(`${base}/session`, { headers: { cookie: cookies } });
    assert.equal((await session.json()).user.subject, 'user-1');
  }));

test('the access-token cookie is HttpOnly, SameSite=Lax and lives as long as the token', () =>
  withApp(async ({ issuer, base }) => {
    const iat = Math.floor(Date.now() / 1000);
    const before = Date.now();
    const r = await post(base, '/login', cotter(tokens(issuer, 'user-1', { iat, exp: iat + 1234 })));
    const after = Date.now();
    assert.equal(r.status, 200);
    const attributes = setCookie(r, 'access_token').split('; ').slice(1);
    assert.deepEqual(attributes.filter((a) => !a.startsWith('Expires=')), ['Max-Age=1234', 'Path=/', 'HttpOnly', 'SameSite=Lax']);
    // Expires is Max-Age from the moment the answer was made, in whole seconds.
    const expires = Date.parse(attributes.find((a) => a.startsWith('Expires=')).slice('Expires='.length));
    assert.ok(expires > before + 1234 * 1000 - 1000 && expires <= after + 1234 * 1000, `Expires ${new Date(expires).toUTCString()}`);
  }));

test('the session cookie is an HttpOnly, SameSite=Lax cookie for the browser session', () =>
  withApp(async ({ issuer, base }) => {
    const r = await post(base, '/login', cotter(tokens(issuer)));
    assert.match(setCookie(r, 'sid'), /^sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  }));

test('GET /me without a token is 401 with a Bearer challenge', () =>
  withApp(async ({ base }) => {
    const r = await fetch(`${base}/me`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await r.json()).code, 'missing_token');
  }));

test('GET /me with a valid token of a user who never logged in is 404', () =>
  withApp(async ({ issuer, base }) => {
    const r = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${issuer.mint({ sub: 'stranger', aud: AUDIENCE })}` } });
    assert.equal(r.status, 404);
    assert.equal((await r.json()).code, 'unknown_user');
  }));

test('logout ends both sessions', () =>
  withApp(async ({ issuer, base }) => {
    const cookies = jar(await post(base, '/login', cotter(tokens(issuer))));
    const out = await post(base, '/logout', {}, { cookie: cookies });
    assert.equal(out.status, 200);
    const cleared = jar(out);
    assert.match(cleared, /access_token=(;|$)/);
    assert.match(cleared, /sid=(;|$)/);
    assert.equal((await fetch(`${base}/session`, { headers: { cookie: cookies } })).status, 401);
    assert.equal((await fetch(`${base}/me`)).status, 401);
  }));

for (const [name, change, code] of [
  ['expired', { exp: 1000000 }, 'ERR_TOKEN_EXPIRED'],
  ['for another audience', { aud: 'another-api' }, 'ERR_INVALID_AUDIENCE'],
  ['from another issuer', { iss: 'https://other-issuer.example' }, 'ERR_INVALID_ISSUER'],
]) {
  test(`an access token ${name} is refused with ${code}`, () =>
    withApp(async ({ issuer, base }) => {
      const r = await post(base, '/login', cotter(tokens(issuer, 'user-1', change)));
      assert.equal(r.status, 401);
      assert.equal((await r.json()).code, code);
    }));
}

test('a tampered access token is refused', () =>
  withApp(async ({ issuer, base }) => {
    const [accessToken, idToken] = tokens(issuer);
    const [head, , sig] = accessToken.split('.');
    const forged = issuer.mint({ sub: 'admin', aud: AUDIENCE }).split('.')[1];
    const r = await post(base, '/login', cotter([`${head}.${forged}.${sig}`, idToken]));
    assert.equal(r.status, 401);
    assert.equal((await r.json()).code, 'ERR_INVALID_SIGNATURE');
  }));

test('the id token must be addressed to the client', () =>
  withApp(async ({ issuer, base }) => {
    const [accessToken] = tokens(issuer);
    const r = await post(base, '/login', cotter([accessToken, issuer.mint({ sub: 'user-1', aud: AUDIENCE })]));
    assert.equal(r.status, 401);
    assert.equal((await r.json()).code, 'ERR_INVALID_AUDIENCE');
  }));

test('tokens about different users are refused', () =>
  withApp(async ({ issuer, base }) => {
    const [accessToken] = tokens(issuer, 'user-1');
    const [, otherId] = tokens(issuer, 'user-9');
    const r = await post(base, '/login', cotter([accessToken, otherId]));
    assert.equal(r.status, 401);
    assert.equal((await r.json()).code, 'subject_mismatch');
  }));

test('a payload without tokens is 400', () =>
  withApp(async ({ base }) => {
    const r = await post(base, '/login', { email: 'x@example.com' });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).code, 'missing_tokens');
  }));

test('a text/plain body is not read: the login is refused as missing_tokens', () =>
  withApp(async ({ issuer, base, database }) => {
    const r = await post(base, '/login', cotter(tokens(issuer)), { 'content-type': 'text/plain' });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), {
      error: 'login_failed',
      code: 'missing_tokens',
      message: "post the provider's payload with an access token and an id token",
    });
    assert.deepEqual(r.headers.getSetCookie(), []);
    const db = new Database(database, { readonly: true });
    assert.equal(db.prepare('SELECT count(*) AS n FROM users').get().n, 0);
    db.close();
  }));

for (const [name, idEmail, accessEmail, stored] of [
  ['the id token', 'user-3@example.com', undefined, 'user-3@example.com'],
  ['the id token when both tokens have one', 'user-3@example.com', 'other-3@example.com', 'user-3@example.com'],
  ['the access token when the id token has none', undefined, 'user-3@example.com', 'user-3@example.com'],
  ['nowhere when no token has one', undefined, undefined, null],
]) {
  test(`the stored email comes from ${name}, never from the posted body`, () =>
    withApp(async ({ issuer, base, database }) => {
      const payload = cotter([
        issuer.mint({ sub: 'user-3', aud: AUDIENCE, ...(accessEmail ? { email: accessEmail } : {}) }),
        issuer.mint({ sub: 'user-3', aud: CLIENT_ID, ...(idEmail ? { email: idEmail } : {}) }),
      ]);
      payload.email = 'victim@example.com';
      const r = await post(base, '/login', payload);
      assert.equal(r.status, 200);
      assert.equal((await r.json()).user.email, stored);
      const db = new Database(database, { readonly: true });
      assert.deepEqual(db.prepare("SELECT email FROM users WHERE subject = 'user-3'").all(), [{ email: stored }]);
      db.close();
    }));
}

test('a malformed session cookie is an unknown session, not a server error', () =>
  withApp(async ({ base }) => {
    for (const sid of ['%E0%A4%A', '%zz', '%', '"%"', '"unterminated', '"quoted"', '']) {
      const r = await fetch(`${base}/session`, { headers: { cookie: `sid=${sid}` } });
      assert.equal(r.status, 401, sid);
      assert.equal((await r.json()).code, 'no_session', sid);
      const out = await post(base, '/logout', {}, { cookie: `sid=${sid}` });
      assert.equal(out.status, 200, sid);
    }
  }));

test('a body that is not JSON is 400 without internals', () =>
  withApp(async ({ base }) => {
    const r = await post(base, '/login', '{"oauth_token":');
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.code, 'bad_request');
    assert.doesNotMatch(JSON.stringify(body), /at .*\.js:\d+/);
  }));

test('an empty JSON body is an empty object, as with express.json()', () =>
  withApp(async ({ base }) => {
    assert.equal((await post(base, '/logout', '')).status, 200);
    assert.equal((await (await post(base, '/login', '')).json()).code, 'missing_tokens');
  }));

test('a JSON body that is neither an object nor an array is 400, as with express.json()', () =>
  withApp(async ({ base }) => {
    for (const body of ['"text"', 'null', '42']) {
      const r = await post(base, '/logout', body);
      assert.equal(r.status, 400, body);
      assert.equal((await r.json()).code, 'bad_request', body);
    }
  }));

test('a body over 100 KiB is 413', () =>
  withApp(async ({ issuer, base }) => {
    const payload = { ...cotter(tokens(issuer)), padding: 'x'.repeat(100 * 1024) };
    const r = await post(base, '/login', payload);
    assert.equal(r.status, 413);
    assert.equal((await r.json()).code, 'bad_request');
  }));
