// Loads the native addon built by `napi build --platform` (or scripts/install.js).
'use strict';
const path = require('node:path');

function isMusl() {
  if (process.platform !== 'linux') return false;
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
  return !report?.header?.glibcVersionRuntime;
}

/** The file name `napi build --platform` gives the addon on this machine. */
function addonFileName() {
  const abi = process.platform === 'linux' ? (isMusl() ? '-musl' : '-gnu') : process.platform === 'win32' ? '-msvc' : '';
  return `tokenward.${process.platform}-${process.arch}${abi}.node`;
}

let cached;
function load() {
  if (!cached) cached = require(path.join(__dirname, addonFileName()));
  return cached;
}

module.exports = { addonFileName, load };
