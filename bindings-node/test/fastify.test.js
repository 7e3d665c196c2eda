'use strict';
// tokenward/fastify over real HTTP: how routes opt in, scopes, and what the
// plugin does beside the shared table (test/http-table.test.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const Fastify = require('fastify');
const { Verifier, TokenwardError } = require('..');
const tokenward = require('../fastify');
const { TestIssuer } = require('../testing');

const AUD = 'my-api';

async function serve(build) {
  const issuer = new TestIssuer();
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: AUD });
  const app = Fastify();
  await build(app, verifier);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const token = (claims = {}) => issuer.mint({ sub: 'user-1', aud: AUD, ...claims });
  return { base, token, close: () => app.close() };
}

async function withApp(build, fn) {
  const server = await serve(build);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

const me = async (request) => ({ sub: request.auth?.claims.sub ?? null, alg: request.auth?.header.alg ?? null });
const bearer = (token) => ({ authorization: `Bearer ${token}` });

test('a route with config.tokenward gets request.auth with claims, header and token', () =>
  withApp(
    async (app, verifier) => {
      await app.register(tokenward, { verifier });
      app.get('/me', { config: { tokenward: true } }, async (request) => ({ ...(await me(request)), same: typeof request.auth.token }));
    },
    async ({ base, token }) => {
      const r = await fetch(`${base}/me`, { headers: bearer(token()) });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { sub: 'user-1', alg: 'ES256', same: 'string' });
    },
  ));

test('a route without config.tokenward is not protected', () =>
  withApp(
    async (app, verifier) => {
      await app.register(tokenward, { verifier });
      app.get('/open', me);
    },
    async ({ base }) => {
      const r = await fetch(`${base}/open`);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { sub: null, alg: null });
    },
  ));

test('with all: true every route is protected unless its config.tokenward is false', () =>
  withApp(
    async (app, verifier) => {
      await app.register(tokenward, { verifier, all: true });
      app.get('/me', me);
      app.get('/health', { config: { tokenward: false } }, async () => 'ok');
    },
    async ({ base }) => {
      const r = await fetch(`${base}/me`);
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
      assert.equal((await r.json()).code, 'missing_token');
      assert.equal((await fetch(`${base}/health`)).status, 200);
    },
  ));

test("route settings merge over the plugin's", () =>
  withApp(
    async (app, verifier) => {
      await app.register(tokenward, { verifier, realm: 'api' });
      app.get('/admin', { config: { tokenward: { scopes: ['admin'] } } }, me);
    },
    async ({ base, token }) => {
      const r = await fetch(`${base}/admin`, { headers: bearer(token({ scope: 'read' })) });
      assert.equal(r.status, 403);
      assert.match(r.headers.get('www-authenticate'), /^Bearer realm="api", error="insufficient_scope".*scope="admin"/);
      assert.equal((await fetch(`${base}/admin`, { headers: bearer(token({ scope: 'admin' })) })).status, 200);
    },
  ));

test('registered in an encapsulated scope, the plugin protects that scope only', () =>
  withApp(
    async (app, verifier) => {
      await app.register(async (api) => {
        await api.register(tokenward, { verifier, all: true });
        api.get('/api/me', me);
      });
      await app.register(async (site) => {
        site.get('/site', me);
      });
    },
    async ({ base, token }) => {
      assert.equal((await fetch(`${base}/api/me`)).status, 401);
      assert.equal((await fetch(`${base}/api/me`, { headers: bearer(token()) })).status, 200);
      assert.equal((await fetch(`${base}/site`)).status, 200);
    },
  ));

test('a token in the JSON body is checked before the parser, and the handler still gets the parsed body', () =>
  withApp(
    async (app, verifier) => {
      await app.register(tokenward, { verifier });
      app.post('/login', { config: { tokenward: { header: false, jsonPath: 'accessToken' } } }, async (request) => ({
        sub: request.auth.claims.sub,
        body: Object.keys(request.body),
      }));
    },
    async ({ base, token }) => {
      const post = (body) => fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const r = await post(JSON.stringify({ accessToken: token(), idToken: 'x' }));
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { sub: 'user-1', body: ['accessToken', 'idToken'] });
      const broken = await post('{"accessToken":');
      assert.equal(broken.status, 401);
      assert.equal((await broken.json()).code, 'missing_token');
    },
  ));

test('maxBodyBytes bounds the body read for the token: 413 past it', () =>
  withApp(
    async (app, verifier) => {
      await app.register(tokenward, { verifier });
      app.post('/login', { config: { tokenward: { jsonPath: 'accessToken', maxBodyBytes: 100 } } }, me);
    },
    async ({ base, token }) => {
      const body = JSON.stringify({ accessToken: token(), pad: 'x'.repeat(200) });
      const r = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(r.status, 413);
      assert.equal((await r.json()).code, 'payload_too_large');
    },
  ));

test('settings the core does not know are refused at registration', async () => {
  const issuer = new TestIssuer();
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD });
  const app = Fastify();
  app.register(tokenward, { verifier, jsonpath: 'accessToken' });
  await assert.rejects(app.ready(), (err) => err instanceof TokenwardError && err.code === 'ERR_CONFIGURATION');
});

test('a protected route without a Verifier is a TypeError', async () => {
  const app = Fastify();
  await app.register(tokenward, {});
  assert.throws(() => app.get('/me', { config: { tokenward: true } }, me), TypeError);
});

// Registered without `await`: the routes declared right after register()
// (the README's quickstart) are protected all the same.

test('registered without await, a route declared right after it is protected: 401 without a token', () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier });
      app.get('/me', { config: { tokenward: { scopes: ['profile'] } } }, me);
    },
    async ({ base }) => {
      const r = await fetch(`${base}/me`);
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
      assert.equal((await r.json()).code, 'missing_token');
    },
  ));

test('registered without await, a route declared right after it lets a valid token with the scope through', () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier });
      app.get('/me', { config: { tokenward: { scopes: ['profile'] } } }, me);
    },
    async ({ base, token }) => {
      const r = await fetch(`${base}/me`, { headers: bearer(token({ scope: 'profile' })) });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { sub: 'user-1', alg: 'ES256' });
    },
  ));

test('registered without await, a route declared right after it answers 403 to a token without the scope', () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier });
      app.get('/me', { config: { tokenward: { scopes: ['profile'] } } }, me);
    },
    async ({ base, token }) => {
      const r = await fetch(`${base}/me`, { headers: bearer(token({ scope: 'read' })) });
      assert.equal(r.status, 403);
      assert.match(r.headers.get('www-authenticate'), /error="insufficient_scope".*scope="profile"/);
    },
  ));

test('a route declared before the plugin is registered is protected too', () =>
  withApp(
    async (app, verifier) => {
      app.get('/me', { config: { tokenward: true } }, me);
      app.register(tokenward, { verifier });
    },
    async ({ base, token }) => {
      assert.equal((await fetch(`${base}/me`)).status, 401);
      assert.equal((await fetch(`${base}/me`, { headers: bearer(token()) })).status, 200);
    },
  ));

test('registered without await with all: true, every route is protected unless its config.tokenward is false', () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier, all: true });
      app.get('/me', me);
      app.get('/health', { config: { tokenward: false } }, async () => 'ok');
    },
    async ({ base, token }) => {
      const r = await fetch(`${base}/me`);
      assert.equal(r.status, 401);
      assert.equal((await r.json()).code, 'missing_token');
      const ok = await fetch(`${base}/me`, { headers: bearer(token()) });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { sub: 'user-1', alg: 'ES256' });
      assert.equal((await fetch(`${base}/health`)).status, 200);
    },
  ));

test('with all: true, a URL no route serves is still a plain 404', () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier, all: true });
      app.get('/me', me);
    },
    async ({ base }) => {
      const r = await fetch(`${base}/nowhere`);
      assert.equal(r.status, 404);
      assert.equal(r.headers.get('www-authenticate'), null);
    },
  ));

test('registered without await in an encapsulated scope, the plugin protects that scope only', () =>
  withApp(
    async (app, verifier) => {
      app.register(async (api) => {
        api.register(tokenward, { verifier, all: true });
        api.get('/api/me', me);
      });
      app.register(async (site) => {
        site.get('/site', me);
      });
      app.get('/root', me);
    },
    async ({ base, token }) => {
      assert.equal((await fetch(`${base}/api/me`)).status, 401);
      assert.equal((await fetch(`${base}/api/me`, { headers: bearer(token()) })).status, 200);
      assert.equal((await fetch(`${base}/site`)).status, 200);
      assert.equal((await fetch(`${base}/root`)).status, 200);
    },
  ));

test("registered without await, the plugin protects the routes of its scope's children", () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier });
      app.register(async (child) => {
        child.get('/child/me', { config: { tokenward: true } }, me);
        child.get('/child/open', me);
      });
    },
    async ({ base, token }) => {
      assert.equal((await fetch(`${base}/child/me`)).status, 401);
      assert.equal((await fetch(`${base}/child/me`, { headers: bearer(token()) })).status, 200);
      assert.equal((await fetch(`${base}/child/open`)).status, 200);
    },
  ));

test('registered without await, a route without config.tokenward stays public', () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier });
      app.get('/open', me);
    },
    async ({ base, token }) => {
      const r = await fetch(`${base}/open`, { headers: bearer(token()) });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { sub: null, alg: null });
    },
  ));

test('registered without await, an optional route lets a request without a token through with no request.auth', () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier });
      app.get('/maybe', { config: { tokenward: { optional: true } } }, me);
    },
    async ({ base, token }) => {
      const none = await fetch(`${base}/maybe`);
      assert.equal(none.status, 200);
      assert.deepEqual(await none.json(), { sub: null, alg: null });
      const some = await fetch(`${base}/maybe`, { headers: bearer(token()) });
      assert.deepEqual(await some.json(), { sub: 'user-1', alg: 'ES256' });
      assert.equal((await fetch(`${base}/maybe`, { headers: bearer('not.a.token') })).status, 401);
    },
  ));

test('registered without await, a token in the JSON body is checked and the handler gets the parsed body', () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier });
      app.post('/login', { config: { tokenward: { header: false, jsonPath: 'accessToken' } } }, async (request) => ({
        sub: request.auth.claims.sub,
        body: Object.keys(request.body),
      }));
    },
    async ({ base, token }) => {
      const post = (body) => fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const r = await post(JSON.stringify({ accessToken: token(), idToken: 'x' }));
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { sub: 'user-1', body: ['accessToken', 'idToken'] });
      assert.equal((await post(JSON.stringify({ idToken: 'x' }))).status, 401);
    },
  ));

test('the HEAD route Fastify adds for a protected GET route is protected too', () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier });
      app.get('/me', { config: { tokenward: true } }, me);
    },
    async ({ base, token }) => {
      assert.equal((await fetch(`${base}/me`, { method: 'HEAD' })).status, 401);
      assert.equal((await fetch(`${base}/me`, { method: 'HEAD', headers: bearer(token()) })).status, 200);
    },
  ));

test("a route's own onRequest hook runs after the check and sees request.auth", () =>
  withApp(
    async (app, verifier) => {
      app.register(tokenward, { verifier });
      app.get(
        '/me',
        {
          config: { tokenward: true },
          onRequest: (request, reply, done) => {
            request.seen = request.auth?.claims.sub ?? null;
            done();
          },
        },
        async (request) => ({ seen: request.seen }),
      );
    },
    async ({ base, token }) => {
      const r = await fetch(`${base}/me`, { headers: bearer(token()) });
      assert.deepEqual(await r.json(), { seen: 'user-1' });
    },
  ));

test('a protected route declared before the plugin has loaded and without a Verifier fails closed with 500', () =>
  withApp(
    async (app) => {
      app.register(tokenward, {});
      app.get('/me', { config: { tokenward: true } }, async () => 'reached');
    },
    async ({ base }) => {
      const r = await fetch(`${base}/me`);
      assert.equal(r.status, 500);
      assert.notEqual(await r.text(), 'reached');
    },
  ));
