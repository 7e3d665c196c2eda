'use strict';
// tokenward/express over real HTTP: every token location and failure mode.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const express = require('express');
const { Verifier, decodeUnverified } = require('..');
const { requireToken } = require('../express');
const { TestIssuer } = require('../testing');
const { load } = require('../native.js');

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
    assert.equal((await r.json()).code, 'missing_token');
  }));

for (const [name, make, code] of [
  ['expired', (i) => good(i, { exp: 1000000 }), 'token_expired'],
  ['another audience', (i) => good(i, { aud: 'another-api' }), 'invalid_audience'],
  ['another issuer', (i) => good(i, { iss: 'https://evil.example' }), 'invalid_issuer'],
  ['tampered', (i) => `${good(i).slice(0, -4)}AAAA`, 'invalid_signature'],
  ['garbage', () => 'not-a-jwt', 'malformed'],
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
    assert.equal((await r.json()).code, 'insufficient_scope');
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
    assert.equal(r.headers.get('location'), '/login?from=app&next=/page%3Ftab%3D1');
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
    assert.equal((await r.json()).code, 'keys_unavailable');
    assert.equal(r.headers.get('retry-after'), '30');
  }));

test('requireToken without a verifier is a TypeError', () => {
  assert.throws(() => requireToken({}), TypeError);
});

async function withRoutes(configure, fn) {
  const issuer = new TestIssuer();
  const { base, close } = await serve(issuer, (app) => configure(app, issuer));
  try {
    await fn(base, issuer);
  } finally {
    await close();
  }
}

test('req.auth.header is the verified header, handed over as data with the claims', () =>
  withRoutes(
    (app, issuer) => {
      const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: AUD });
      app.get('/parts', requireToken({ verifier }), (req, res) => {
        const descriptor = Object.getOwnPropertyDescriptor(req.auth, 'header');
        res.json({ isData: 'value' in descriptor, header: descriptor.value, claims: req.auth.claims });
      });
    },
    async (base, issuer) => {
      const token = issuer.mint({ sub: 'user-1', aud: AUD }, { header: { typ: 'at+jwt', x5u: 'https://keys.example' } });
      const body = await (await fetch(`${base}/parts`, { headers: bearer(token) })).json();
      assert.equal(body.isData, true);
      assert.deepEqual(body.header, decodeUnverified(token).header);
      assert.deepEqual(body.claims, decodeUnverified(token).claims);
    },
  ));

test('the 503 answer for unavailable keys carries a generic message, never the core message (which can name URLs)', () =>
  withServer(async (base, issuer) => {
    issuer.setBehavior({ status: 500 });
    const r = await fetch(`${base}/me`, { headers: bearer(good(issuer)) });
    assert.equal(r.status, 503);
    const body = await r.json();
    assert.deepEqual(body, {
      error: 'temporarily_unavailable',
      code: 'keys_unavailable',
      message: 'the signing keys are unavailable; try again later',
    });
  }));

test('with passErrors, the app still gets the full error for a 503', () =>
  withServer(async (base, issuer) => {
    issuer.setBehavior({ status: 500 });
    const r = await fetch(`${base}/next`, { headers: bearer(good(issuer)) });
    assert.equal(r.status, 503);
    assert.deepEqual(await r.json(), { handledBy: 'app', code: 'ERR_JWKS_FETCH_FAILED' });
  }));

test('a double-quoted cookie value is unquoted, as Flask (werkzeug) does', () =>
  withServer(async (base, issuer) => {
    const r = await fetch(`${base}/cookie`, { headers: { cookie: `other="a;b"; session="${good(issuer)}"` } });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).sub, 'user-1');
  }));

test('a cookie value is not percent-decoded, as in Flask (werkzeug): a bad escape is a malformed token, not a crash or a missing one', () =>
  withServer(async (base, issuer) => {
    const bad = await fetch(`${base}/cookie`, { headers: { cookie: 'session=%E0%A4%A' } });
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).code, 'malformed');
    const escaped = await fetch(`${base}/cookie`, { headers: { cookie: `session=${good(issuer).replace(/\./g, '%2E')}` } });
    assert.equal(escaped.status, 401);
    assert.equal((await escaped.json()).code, 'malformed');
  }));

test('the first cookie of the name wins, and unparsable pairs are skipped, as in Flask (werkzeug)', () =>
  withServer(async (base, issuer) => {
    const r = await fetch(`${base}/cookie`, { headers: { cookie: `"junk; session=${good(issuer)}; session=second` } });
    assert.equal(r.status, 200);
  }));

test('requireToken needs a tokenward Verifier, not just something with verify()', () => {
  assert.throws(() => requireToken({ verifier: { verify: async () => ({}) } }), TypeError);
});

test('a failure inside tokenward answers 500 with a generic message', () => {
  const inputs = load().panicInjection();
  assert.ok(inputs, 'build the addon with --features panic-injection (make node does)');
  return withServer(async (base) => {
    const r = await fetch(`${base}/me`, { headers: bearer(inputs.token) });
    assert.equal(r.status, 500);
    assert.deepEqual(await r.json(), {
      error: 'server_error',
      code: 'internal',
      message: 'the token could not be checked',
    });
    assert.equal(r.headers.get('www-authenticate'), null);
  });
});

test('claim checks: 403 claim_check_failed when a required role is absent', () =>
  withRoutes(
    (app, issuer) => {
      const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: AUD });
      app.get('/roles', requireToken({ verifier, claims: [{ includes: 'realm_access.roles', values: ['admin'] }] }), (req, res) =>
        res.json({ sub: req.auth.claims.sub }),
      );
    },
    async (base, issuer) => {
      const user = await fetch(`${base}/roles`, { headers: bearer(good(issuer, { realm_access: { roles: ['user'] } })) });
      assert.equal(user.status, 403);
      assert.equal((await user.json()).code, 'claim_check_failed');
      assert.match(user.headers.get('www-authenticate'), /error="insufficient_claims"/);
      const admin = await fetch(`${base}/roles`, { headers: bearer(good(issuer, { realm_access: { roles: ['admin'] } })) });
      assert.equal(admin.status, 200);
    },
  ));

test('two Authorization header lines are a 400 invalid_request, though Node keeps only the first in req.headers', () =>
  withServer(async (base, issuer) => {
    const { port } = new URL(base);
    const status = await new Promise((resolve, reject) => {
      const headers = { authorization: [`Bearer ${good(issuer)}`, `Bearer ${good(issuer)}`] };
      http.get({ host: '127.0.0.1', port, path: '/me', headers }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    assert.equal(status, 400);
  }));

test('without a body parser, the middleware reads the JSON body (up to maxBodyBytes) and leaves it parsed as req.body', async () => {
  const issuer = new TestIssuer();
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: AUD });
  const app = express();
  app.post('/login', requireToken({ verifier, jsonPath: 'accessToken', maxBodyBytes: 2048 }), (req, res) =>
    res.json({ sub: req.auth.claims.sub, keys: Object.keys(req.body) }),
  );
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const post = (body) =>
      fetch(`http://127.0.0.1:${server.address().port}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const ok = await post(JSON.stringify({ accessToken: good(issuer), idToken: 'x' }));
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { sub: 'user-1', keys: ['accessToken', 'idToken'] });
    const big = await post(JSON.stringify({ accessToken: good(issuer), pad: 'x'.repeat(4096) }));
    assert.equal(big.status, 413);
    assert.equal((await big.json()).code, 'payload_too_large');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a body already read by express.raw() is handed to the core as it was received', () =>
  withRoutes(
    (app, issuer) => {
      const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: AUD });
      app.post('/raw', express.raw({ type: '*/*' }), requireToken({ verifier, header: false, jsonPath: 'accessToken' }), (req, res) =>
        res.json({ sub: req.auth.claims.sub }),
      );
    },
    async (base, issuer) => {
      const r = await fetch(`${base}/raw`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessToken: good(issuer) }) });
      assert.equal(r.status, 200);
    },
  ));
