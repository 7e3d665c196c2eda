// Smoke test of the installed npm packages through CommonJS `require`: run by
// `make test-dist` in an empty npm project with no Rust toolchain on PATH.
//     node smoke.cjs EXPECTED_VERSION PLATFORM_PACKAGE
'use strict';
const { run } = require('./smoke-body.cjs');

const tokenward = require('tokenward');
const { requireToken } = require('tokenward/express');
const { TestIssuer } = require('tokenward/testing');
const express = require('express');

run('require', { tokenward, requireToken, TestIssuer, express, resolved: require.resolve('tokenward') }).catch((err) => {
  console.error(err);
  process.exit(1);
});
