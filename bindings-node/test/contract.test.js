'use strict';
// The contract lists (error codes, options with their defaults and docs) have
// one source, the core; these fail when a face of the Node package lacks an
// entry or has one too many.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ERROR_CODES } = require('..');
const { load } = require('../native.js');
const { render, current } = require('../scripts/options-dts.js');

const native = load();
const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');

/** What `listed` lacks from `wanted`, and what it has beyond it. */
function difference(listed, wanted) {
  return {
    missing: wanted.filter((name) => !listed.includes(name)),
    extra: listed.filter((name) => !wanted.includes(name)),
  };
}

function declaration(pattern) {
  const found = dts.match(pattern);
  assert.ok(found, `index.d.ts has no declaration matching ${pattern}`);
  return found[1];
}

test('the core names each error code once, as ERR_ + its code upper-cased', () => {
  const codes = native.errorCodes();
  assert.ok(codes.length > 0);
  assert.equal(new Set(codes).size, codes.length);
  assert.ok(codes.every((code) => /^ERR_[A-Z_]+$/.test(code)), codes.join(' '));
});

test('ERROR_CODES (errors.js) holds exactly the core error codes', () => {
  assert.deepEqual(difference([...ERROR_CODES], native.errorCodes()), { missing: [], extra: [] });
  assert.equal(ERROR_CODES.length, native.errorCodes().length);
});

test('the ErrorCode union in index.d.ts names exactly the core error codes', () => {
  const union = declaration(/export type ErrorCode =([^;]*);/);
  const listed = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
  assert.equal(new Set(listed).size, listed.length, 'a code appears twice');
  assert.deepEqual(difference(listed, native.errorCodes()), { missing: [], extra: [] });
});

test('VerifierOptions in index.d.ts has exactly the core options, camelCase', () => {
  const body = declaration(/export interface VerifierOptions \{([\s\S]*?)\n\}/);
  const listed = [...body.matchAll(/^\s*(\w+)\?:/gm)].map((m) => m[1]);
  assert.equal(new Set(listed).size, listed.length, 'an option appears twice');
  const wanted = native.optionSpecs().map((spec) => spec.camel);
  assert.deepEqual(difference(listed, wanted), { missing: [], extra: [] });
});

test('index.d.ts documents every option with the core doc and default (run node scripts/options-dts.js after changing the core table)', () => {
  const block = current(dts);
  assert.ok(block, 'index.d.ts lacks the generated options block markers');
  assert.equal(block, render(native.optionSpecs()));
  for (const spec of native.optionSpecs()) {
    if (spec.default) assert.ok(block.includes(`Default: ${spec.default}.`), spec.camel);
  }
});
