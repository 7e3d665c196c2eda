// Smoke test of the installed npm packages through ESM `import`: run by
// `make test-dist` in an empty npm project with no Rust toolchain on PATH.
//     node smoke.mjs EXPECTED_VERSION PLATFORM_PACKAGE
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as tokenward from 'tokenward';
import { requireToken } from 'tokenward/express';
import { TestIssuer } from 'tokenward/testing';
import express from 'express';
import smoke from './smoke-body.cjs';

// What `import` resolves (index.mjs); Node before 20.6 has no import.meta.resolve.
const resolved = import.meta.resolve
  ? fileURLToPath(import.meta.resolve('tokenward'))
  : createRequire(import.meta.url).resolve('tokenward');
await smoke.run('import', { tokenward, requireToken, TestIssuer, express, resolved });
