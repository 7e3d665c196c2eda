'use strict';
// tokenward/express over real HTTP: every token location and failure mode.
const test = require('node:test');
const assert = require('node:assert/strict');
const express = require('express');
const { Verifier } = require('..');
const { requireToken } = require('../express');
const { TestIssuer } = require('../testing');

const AUD = 'my-api';

async function serve(issuer, configure) {
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: AUD, timeout: 2, cooldown: 0 });
  const app = express();
  app.use(express.json());
  const me = (req, res) => res.json({ sub: req.auth ? req.auth.claims.sub : null, alg: req.auth ? req.auth.header.alg : null });
  app.get('/me', requireToken({ verifier }), me);
  app.get('/cookie', requireToken({ verifier, header: false, cookie: 'session' }), me);
  app.post('/cotter', requireToken({ verifier, jsonPath: 'oauth_token.access_token' }), me);
  app.post('/secuuth', requireToken({ verifier, jsonPath: 'accessToken' }), me);
  app.get('/admin', requireToken({ verifier, scopes: ['admin'] }), me);
  app.get('/maybe', requireToken({ verifier, optional: true }), me);
  app.get('/page', requireToken({ verifier, loginUrl: '/login?from=app' }), me);
  app.get('/realm', requireToken({ verifier, realm: 'example' }), me);
  app.get('/next', requireToken({ verifier, passErrors: true }), me);
  app.use((err, req, res, _next) => res.status(err.status || 500).json({ handledBy: 'app', code: err.code }));
  if (configure) configure(app);
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

function good(issuer, claims = {}) {
  return issuer.mint({ sub: 'user-1', aud: AUD, ...claims });
}

const bearer = (token) => ({ authorization: `Bearer ${token}` });

async function withServer(fn) {
  const issuer = new TestIssuer();
  const { base, close } = await serve(issuer);
  try {
    await fn(base, issuer);
  } finally {
    await close();
  }
}

test('bearer header sets req.auth with claims, header and token', () =>
  withServer(async (base, issuer) => {
    const r = await fetch(`${base}/me`, { headers: bearer(good(issuer)) });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { sub: 'user-1', alg: 'ES256' });
  }));

test('cookie location', () =>
  withServer(async (base, issuer) => {
    const r = await fetch(`${base}/cookie`, { headers: { cookie: `other=1; session=${good(issuer)}` } });
    assert.equal(r.status, 200);
    assert.equal((await fetch(`${base}/cookie`, { headers: bearer(good(issuer)) })).status, 401);
  }));

test("Cotter's payload: oauth_token.access_token in the JSON body", () =>
  withServer(async (base, issuer) => {
    const body = { email: 'a@example.com', oauth_token: { access_token: good(issuer), token_type: 'Bearer' } };
    const r = await fetch(`${base}/cotter`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).sub, 'user-1');
  }));

test("Secuuth's payload: accessToken in the JSON body", () =>
  withServer(async (base, issuer) => {
    const body = { accessToken: good(issuer), idToken: 'x', refreshToken: 'y' };
    const r = await fetch(`${base}/secuuth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 200);
  }));

test('missing token: 401 with a bare Bearer challenge', () =>
  withServer(async (base) => {
    const r = await fetch(`${base}/me`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await r.json()).code, 'ERR_MISSING_TOKEN');
  }));

for (const [name, make, code] of [
  ['expired', (i) => good(i, { exp: 1000000 }), 'ERR_TOKEN_EXPIRED'],
  ['another audience', (i) => good(i, { aud: 'another-api' }), 'ERR_INVALID_AUDIENCE'],
  ['another issuer', (i) => good(i, { iss: 'https://evil.example' }), 'ERR_INVALID_ISSUER'],
  ['tampered', (i) => `${good(i).slice(0, -4)}AAAA`, 'ERR_INVALID_SIGNATURE'],
  ['garbage', () => 'not-a-jwt', 'ERR_MALFORMED'],
]) {
  test(`${name} token: 401 invalid_token with ${code}`, () =>
    withServer(async (base, issuer) => {
      const r = await fetch(`${base}/me`, { headers: bearer(make(issuer)) });
      assert.equal(r.status, 401);
      const body = await r.json();
      assert.equal(body.error, 'invalid_token');
      assert.equal(body.code, code);
      const challenge = r.headers.get('www-authenticate');
      assert.ok(challenge.startsWith('Bearer error="invalid_token", error_description="'), challenge);
      assert.equal(challenge.split('"').length - 1, 4, 'the description must not break the quoting');
    }));
}

test('missing scope: 403 insufficient_scope naming the scope', () =>
  withServer(async (base, issuer) => {
    const r = await fetch(`${base}/admin`, { headers: bearer(good(issuer, { scope: 'read write' })) });
    assert.equal(r.status, 403);
    assert.equal((await r.json()).code, 'ERR_INSUFFICIENT_SCOPE');
    assert.match(r.headers.get('www-authenticate'), /error="insufficient_scope".*scope="admin"/);
    assert.equal((await fetch(`${base}/admin`, { headers: bearer(good(issuer, { scp: ['admin'] })) })).status, 200);
  }));

test('optional auth lets anonymous requests in but refuses bad tokens', () =>
  withServer(async (base, issuer) => {
    assert.deepEqual(await (await fetch(`${base}/maybe`)).json(), { sub: null, alg: null });
    assert.equal((await (await fetch(`${base}/maybe`, { headers: bearer(good(issuer)) })).json()).sub, 'user-1');
    assert.equal((await fetch(`${base}/maybe`, { headers: bearer(good(issuer, { exp: 5 })) })).status, 401);
  }));

test('loginUrl redirects instead of answering 401', () =>
  withServer(async (base) => {
    const r = await fetch(`${base}/page?tab=1`, { redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/login?from=app&next=%2Fpage%3Ftab%3D1');
  }));

test('realm appears in the challenge', () =>
  withServer(async (base) => {
    const r = await fetch(`${base}/realm`, { headers: bearer('x.y.z') });
    assert.ok(r.headers.get('www-authenticate').startsWith('Bearer realm="example", error="invalid_token"'));
  }));

test('passErrors hands the error to the app with its status', () =>
  withServer(async (base, issuer) => {
    const r = await fetch(`${base}/next`, { headers: bearer(good(issuer, { aud: 'x' })) });
    assert.equal(r.status, 401);
    assert.deepEqual(await r.json(), { handledBy: 'app', code: 'ERR_INVALID_AUDIENCE' });
  }));

test('unreachable keys give 503', () =>
  withServer(async (base, issuer) => {
    issuer.setBehavior({ status: 500 });
    const r = await fetch(`${base}/me`, { headers: bearer(good(issuer)) });
    assert.equal(r.status, 503);
    assert.equal((await r.json()).code, 'ERR_JWKS_FETCH_FAILED');
  }));

test('requireToken without a verifier is a TypeError', () => {
  assert.throws(() => requireToken({}), TypeError);
});
