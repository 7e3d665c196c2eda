'use strict';
// The Express example over real HTTP, against a TestIssuer acting as the provider.
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
  const database = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'express-login-')), 'users.db');
  const app = createApp({ issuer: issuer.url, audience: AUDIENCE, clientId: CLIENT_ID, database });
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    base,
    database,
    close: async () => {
      await new Promise((r) => server.close(r));
      app.close();
    },
  };
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
    const rows = new Database(database, { readonly: true }).prepare('SELECT subject, email FROM users').all();
    assert.deepEqual(rows, [{ subject: 'user-1', email: 'user-1@example.com' }]);
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

test('logout ends both sessions', () =>
  withApp(async ({ issuer, base }) => {
    const cookies = jar(await post(base, '/login', cotter(tokens(issuer))));
    const out = await post(base, '/logout', {}, { cookie: cookies });
    assert.equal(out.status, 200);
    const cleared = jar(out);
    assert.match(cleared, /access_token=(;|$)/);
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
    assert.equal((await post(base, '/login', { email: 'x@example.com' })).status, 400);
  }));

for (const [name, idEmail, accessEmail, stored] of [
  ['the id token', 'user-3@example.com', undefined, 'user-3@example.com'],
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
