'use strict';
// Every conformance case through the Node API: same verdict, code and claim as the core.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Verifier, TokenwardError } = require('..');
const { load } = require('../native.js');

const doc = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/vectors.json'), 'utf8'));

// The vectors spell policy options in snake_case; Node takes the core's camelCase names.
const CAMEL = Object.fromEntries(load().optionSpecs().map((spec) => [spec.name, spec.camel]));

function build(keyset, policy) {
  const options = { now: doc.now };
  for (const [name, value] of Object.entries(policy)) {
    assert.ok(CAMEL[name], `unmapped policy option ${name}`);
    options[CAMEL[name]] = value;
  }
  if (keyset.jwks) options.jwks = keyset.jwks;
  else if (keyset.pem) options.key = keyset.pem;
  else options.secret = Buffer.from(keyset.secret_b64url, 'base64url');
  return new Verifier(options);
}

function verdict(fn) {
  try {
    fn();
    return { code: 'ok' };
  } catch (err) {
    assert.ok(err instanceof TokenwardError, String(err));
    assert.ok(err.message.length > 0);
    return { code: err.code.replace(/^ERR_/, '').toLowerCase(), claim: err.claim };
  }
}

test('every conformance case gets the core verdict', () => {
  assert.ok(doc.cases.length >= 150);
  const failures = [];
  for (const c of doc.cases) {
    const want = c.expect.ok ? 'ok' : c.expect.code;
    const got = verdict(() => build(doc.keysets[c.keys], c.policy).verifySync(c.token));
    if (got.code !== want || (c.expect.claim && got.claim !== c.expect.claim)) {
      failures.push(`${c.name}: expected ${want}/${c.expect.claim}, got ${got.code}/${got.claim}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('awaited verify agrees with verifySync on every case', async () => {
  for (const c of doc.cases) {
    let verifier;
    try {
      verifier = build(doc.keysets[c.keys], c.policy);
    } catch (err) {
      assert.equal(err.code, `ERR_${c.expect.code.toUpperCase()}`, c.name);
      continue;
    }
    const ok = await verifier.verify(c.token).then(() => true, (err) => err.code);
    assert.equal(ok, c.expect.ok ? true : `ERR_${c.expect.code.toUpperCase()}`, c.name);
  }
});
