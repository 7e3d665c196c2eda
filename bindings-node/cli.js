#!/usr/bin/env node
'use strict';
// `npx tokenward`: the tokenward command (decode, verify, jwks, issuer), run
// by the native addon on this process's standard output and error.
const { load } = require('./native.js');

process.exitCode = load().runCli(process.argv.slice(2));
