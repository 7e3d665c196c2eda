// Runs on `npm install`: when no native addon was built for this platform
// (installing from a source checkout), build it with cargo. Needs a Rust
// toolchain; `make node` in the repository does the same with @napi-rs/cli.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { addonFileName } = require('../native.js');

const here = path.resolve(__dirname, '..');
const target = path.join(here, addonFileName());
if (fs.existsSync(target)) process.exit(0);

const manifest = path.join(here, 'Cargo.toml');
if (!fs.existsSync(manifest)) {
  console.error(`tokenward: no native addon for ${process.platform}-${process.arch} and no sources to build one`);
  process.exit(1);
}
console.error('tokenward: building the native addon with cargo (a few minutes the first time)...');
const out = execFileSync('cargo', ['build', '--release', '--message-format=json-render-diagnostics', '--manifest-path', manifest], {
  cwd: here,
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 256 * 1024 * 1024,
}).toString();
const built = out
  .split('\n')
  .filter((line) => line.startsWith('{'))
  .map((line) => JSON.parse(line))
  .filter((m) => m.reason === 'compiler-artifact' && m.target && m.target.name === 'tokenward_node')
  .flatMap((m) => m.filenames)
  .find((f) => /\.(so|dylib|dll)$/.test(f));
if (!built) {
  console.error('tokenward: cargo did not produce the addon');
  process.exit(1);
}
fs.copyFileSync(built, target);
