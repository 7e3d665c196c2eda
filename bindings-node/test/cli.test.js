'use strict';
// `npx tokenward`: the command the package carries (bin: cli.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { TestIssuer } = require('../testing.js');

const CLI = path.join(__dirname, '..', 'cli.js');
const tokenward = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000 });

test('decode prints the claims under a NOT VERIFIED banner', () => {
  const run = tokenward('decode', new TestIssuer().mint({ sub: 'alice' }));
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /NOT VERIFIED/);
  assert.match(run.stdout, /"sub": "alice"/);
});

test('verify exits 0 or 1 with the code and the claim', () => {
  const issuer = new TestIssuer();
  assert.equal(tokenward('verify', issuer.mint({ aud: 'api' }), '--jwks-url', issuer.jwksUrl, '--aud', 'api').status, 0);
  const bad = tokenward('verify', issuer.mint({ aud: 'other' }), '--jwks-url', issuer.jwksUrl, '--aud', 'api', '--json');
  assert.equal(bad.status, 1);
  assert.deepEqual([JSON.parse(bad.stdout).code, JSON.parse(bad.stdout).claim], ['invalid_audience', 'aud']);
  assert.equal(tokenward('verify').status, 2);
});
