'use strict';
// A panic inside tokenward reaches JS as ERR_INTERNAL on every path: never a
// crash, never a Promise that stays pending. Needs the addon built with
// `--features panic-injection` (make node does); without it these tests fail.
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { Verifier, TokenwardError } = require('..');
const { TestIssuer } = require('../testing');
const { load } = require('../native.js');

const SECRET = Buffer.alloc(32, 'k');

function inputs() {
  const injected = load().panicInjection();
  assert.ok(injected, 'the addon was built without --features panic-injection (make node turns it on)');
  return injected;
}

function isInternal(err) {
  assert.ok(err instanceof TokenwardError, String(err));
  assert.equal(err.code, 'ERR_INTERNAL');
  assert.equal(err.isTokenProblem, false);
  assert.match(err.message, /the token was not accepted/);
  return true;
}

/** A port nothing listens on: the injected panic comes before any request. */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function panickingJwksUrl() {
  return `http://127.0.0.1:${await freePort()}${inputs().path}`;
}

test('the addon is built with panic injection', () => {
  const { token, path } = inputs();
  assert.equal(typeof token, 'string');
  assert.equal(typeof path, 'string');
});

test('a panic inside verify rejects with ERR_INTERNAL', async () => {
  const verifier = new Verifier({ secret: SECRET, algorithms: ['HS256'] });
  await assert.rejects(verifier.verify(inputs().token), isInternal);
});

test('a panic inside validate rejects with ERR_INTERNAL instead of answering false', async () => {
  const verifier = new Verifier({ secret: SECRET, algorithms: ['HS256'] });
  await assert.rejects(verifier.validate(inputs().token), isInternal);
});

test('a panic inside verifySync throws ERR_INTERNAL', () => {
  const verifier = new Verifier({ secret: SECRET, algorithms: ['HS256'] });
  assert.throws(() => verifier.verifySync(inputs().token), isInternal);
});

test('a verifier keeps working after a contained panic', async () => {
  const issuer = new TestIssuer(['HS256']);
  const verifier = new Verifier({ jwks: issuer.jwks(), algorithms: ['HS256'] });
  assert.throws(() => verifier.verifySync(inputs().token), isInternal);
  assert.equal((await verifier.verify(issuer.mint({ sub: 'after' }))).sub, 'after');
});

test('a panic inside a key fetch rejects verify with ERR_INTERNAL', async () => {
  const verifier = new Verifier({ jwksUrl: await panickingJwksUrl(), timeout: 2 });
  const issuer = new TestIssuer();
  await assert.rejects(verifier.verify(issuer.mint({})), isInternal);
});

test('a panic inside a key fetch rejects validate with ERR_INTERNAL', async () => {
  const verifier = new Verifier({ jwksUrl: await panickingJwksUrl(), timeout: 2 });
  const issuer = new TestIssuer();
  await assert.rejects(verifier.validate(issuer.mint({})), isInternal);
});

test('a panic inside refresh rejects with ERR_INTERNAL', async () => {
  const verifier = new Verifier({ jwksUrl: await panickingJwksUrl(), timeout: 2 });
  await assert.rejects(verifier.refresh(), isInternal);
});

test('a panic in the verification that follows a key fetch rejects with ERR_INTERNAL', async () => {
  const issuer = new TestIssuer();
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, timeout: 2 });
  await assert.rejects(verifier.verify(inputs().token), isInternal);
  assert.equal(issuer.jwksRequests, 1);
});

test('calls after a panicking key fetch settle too, concurrent or not', async () => {
  const verifier = new Verifier({ jwksUrl: await panickingJwksUrl(), timeout: 2, cooldown: 0 });
  const token = new TestIssuer().mint({});
  const outcomes = await Promise.allSettled([verifier.verify(token), verifier.verify(token), verifier.refresh()]);
  for (const outcome of outcomes) isInternal(outcome.reason);
  await assert.rejects(verifier.verify(token), isInternal);
});

test('a panic on a thread-pool thread rejects with ERR_INTERNAL', async () => {
  const issuer = new TestIssuer(['ES256']);
  const native = load().createVerifier({ jwks: JSON.stringify(issuer.jwks()) });
  const refused = await native._verifyOffThread(inputs().token);
  isInternal(new TokenwardError(refused.message, refused.code, refused.claim, refused.tokenProblem));
  assert.equal(JSON.parse(await native._verifyOffThread(issuer.mint({ sub: 'after' }))).sub, 'after');
});
