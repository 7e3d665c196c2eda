// Checks an installed npm package against its own code: every `exports`
// target and every relative require/import/`from` in its .js, .mjs and .d.ts
// files must be a file the package shipped (package.json's `files` is a list
// to keep up to date).
//     node npm-files.cjs node_modules/tokenward
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const missing = [];
const exists = (file) => fs.existsSync(path.join(dir, file));

const targets = (entry) => (typeof entry === 'string' ? [entry] : Object.values(entry ?? {}).flatMap(targets));
for (const target of targets(pkg.exports)) {
  if (!exists(target)) missing.push(`package.json exports -> ${target}`);
}
for (const file of fs.readdirSync(dir).filter((f) => /\.(c?js|mjs|d\.ts)$/.test(f))) {
  const source = fs.readFileSync(path.join(dir, file), 'utf8');
  for (const [, spec] of source.matchAll(/(?:require\(|import\(|from\s+)\s*['"](\.\.?\/[^'"]+)['"]/g)) {
    if (![spec, `${spec}.js`, `${spec}.d.ts`, `${spec}/index.js`].some(exists)) missing.push(`${file} -> ${spec}`);
  }
}
if (missing.length > 0) {
  console.error(`${pkg.name}: the package lacks files its code names (add them to package.json "files"):`);
  for (const line of missing) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`  ok  ${pkg.name}: every exports target and every relative require/import is in the package`);
