'use strict';
// The shared table of HTTP cases (tests/http/cases.json), run over real HTTP
// against tokenward/express and tokenward/fastify: every case must get the
// answer the axum extractors give (core/tests/http_table.rs).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const express = require('express');
const Fastify = require('fastify');
const { Verifier } = require('..');
const { requireToken } = require('../express');
const tokenward = require('../fastify');
const { TestIssuer } = require('../testing');

const TABLE = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/http/cases.json'), 'utf8'));

/** The table's snake_case route settings, as the Node adapters spell them. */
function camelSettings(settings) {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), v]));
}

/** Every route: its path, its gate settings, and whether its keys are unreachable. */
function routes() {
  return Object.entries(TABLE.routes).map(([route, { keys, ...settings }]) => ({
    route,
    settings: camelSettings(settings),
    down: keys === 'unreachable',
  }));
}

function verifiers(issuer) {
  return {
    up: new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: TABLE.audience }),
    down: new Verifier({ jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', timeout: 2, audience: TABLE.audience }),
  };
}

/** Every token the table names, by its spec. */
function mintAll(issuer) {
  const now = Math.floor(Date.now() / 1000);
  const out = {};
  for (const [name, spec] of Object.entries(TABLE.tokens)) {
    const claims = { aud: TABLE.audience, exp: now + (spec.exp_in ?? 600), ...spec.claims };
    let token = issuer.mint(claims, spec.kid === undefined ? {} : { header: { kid: spec.kid } });
    if (spec.tamper) {
      const cut = token.lastIndexOf('.');
      const sig = Buffer.from(token.slice(cut + 1), 'base64url');
      sig[0] ^= 1;
      token = `${token.slice(0, cut)}.${sig.toString('base64url')}`;
    }
    out[name] = token;
  }
  return out;
}

/** `{{name}}` -> that token, `{{pad:N}}` -> N x's, a whole `{{nest:N}}` -> N nested arrays. */
function fill(text, tokens) {
  const nest = /^\{\{nest:(\d+)\}\}$/.exec(text);
  if (nest) return '['.repeat(Number(nest[1]));
  return text.replace(/\{\{([^}]+)\}\}/g, (_, name) => {
    if (name.startsWith('pad:')) return 'x'.repeat(Number(name.slice(4)));
    assert.ok(tokens[name], `a token the table mints: ${name}`);
    return tokens[name];
  });
}

const answer = (auth) => ({ sub: auth?.claims.sub ?? null });

async function expressApp(issuer) {
  const { up, down } = verifiers(issuer);
  const app = express();
  // No body parser: the middleware reads a body that may hold the token.
  for (const { route, settings, down: isDown } of routes()) {
    app.all(route, requireToken({ verifier: isDown ? down : up, ...settings }), (req, res) => res.json(answer(req.auth)));
  }
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

async function fastifyApp(issuer) {
  const { up, down } = verifiers(issuer);
  const app = Fastify();
  // The table's routes take any JSON media type (the +json case); the app,
  // not the plugin, says which bodies it parses.
  app.addContentTypeParser(/^application\/[^;]*\+json/, { parseAs: 'string' }, (req, body, done) => done(null, body));
  await app.register(tokenward, { verifier: up });
  for (const { route, settings, down: isDown } of routes()) {
    const config = { tokenward: isDown ? { ...settings, verifier: down } : settings };
    app.route({ method: ['GET', 'POST'], url: route, config, handler: async (request) => answer(request.auth) });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: app.server.address().port, close: () => app.close() };
}

/** One request, with repeated headers sent as separate lines. */
function send(port, kase, tokens) {
  const headers = {};
  for (const [name, value] of kase.headers) {
    const key = name.toLowerCase();
    const filled = fill(value, tokens);
    headers[key] = headers[key] === undefined ? filled : [headers[key], filled].flat();
  }
  let body;
  if (typeof kase.body === 'string') {
    body = Buffer.from(fill(kase.body, tokens));
    if (kase.content_type) headers['content-type'] = kase.content_type;
    headers['content-length'] = body.length;
  }
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: kase.method, path: kase.path, headers, agent: false }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** What in `response` differs from `expect` (the rules of core/tests/http_table.rs). */
function problems(expect, response) {
  const out = [];
  const challenge = response.headers['www-authenticate'];
  let body = null;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = null;
  }
  if (response.status !== expect.status) out.push(`status ${response.status}, expected ${expect.status} (body ${response.body})`);
  if ('code' in expect && body?.code !== expect.code) out.push(`code ${body?.code}, expected ${expect.code}`);
  if (expect.error && !(challenge ?? '').includes(`error="${expect.error}"`)) out.push(`challenge ${challenge} lacks error="${expect.error}"`);
  if (expect.challenge !== undefined && challenge !== expect.challenge) out.push(`challenge ${challenge}, expected ${expect.challenge}`);
  for (const param of ['scope', 'realm']) {
    if (expect[param] !== undefined && !(challenge ?? '').includes(`${param}="${expect[param]}"`)) {
      out.push(`challenge ${challenge} lacks ${param}="${expect[param]}"`);
    }
  }
  if (expect.challenge_max !== undefined && (challenge ?? '').length > expect.challenge_max) out.push(`challenge is ${challenge.length} bytes`);
  if (expect.location !== undefined && response.headers.location !== expect.location) out.push(`location ${response.headers.location}, expected ${expect.location}`);
  if (expect.retry_after !== undefined && response.headers['retry-after'] !== expect.retry_after) {
    out.push(`retry-after ${response.headers['retry-after']}, expected ${expect.retry_after}`);
  }
  if ('sub' in expect && (body === null || body.sub !== expect.sub)) out.push(`sub ${body?.sub}, expected ${expect.sub}`);
  return out;
}

for (const [adapter, start] of [
  ['tokenward/express', expressApp],
  ['tokenward/fastify', fastifyApp],
]) {
  test(`every HTTP case gets the answer the axum extractors give, from ${adapter}`, async () => {
    assert.ok(TABLE.cases.length >= 40, `only ${TABLE.cases.length} cases`);
    const issuer = new TestIssuer();
    const tokens = mintAll(issuer);
    const server = await start(issuer);
    try {
      const failures = [];
      for (const kase of TABLE.cases) {
        const found = problems(kase.expect, await send(server.port, kase, tokens));
        if (found.length) failures.push(`${kase.name}: ${found.join('; ')}`);
      }
      assert.deepEqual(failures, [], `${failures.length} cases failed:\n${failures.join('\n')}`);
    } finally {
      await server.close();
    }
  });
}
