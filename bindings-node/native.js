// Loads the native addon, the napi-rs way: an addon named by
// NAPI_RS_NATIVE_LIBRARY_PATH, else one built next to this file
// (`napi build --platform`, a development checkout), else the prebuilt one
// in the platform package npm installed from optionalDependencies
// (`tokenward-linux-x64-gnu`, ...). Nothing is compiled at install time.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const pkg = require('./package.json');

function isMusl() {
  if (process.platform !== 'linux') return false;
  // musl's ldd is musl's loader; reading it is cheaper than a process report.
  try {
    return fs.readFileSync('/usr/bin/ldd', 'latin1').includes('musl');
  } catch {
    const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
    return !report?.header?.glibcVersionRuntime;
  }
}

/** `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`...: napi-rs's name for this machine. */
function platformKey() {
  const abi = process.platform === 'linux' ? (isMusl() ? '-musl' : '-gnu') : process.platform === 'win32' ? '-msvc' : '';
  return `${process.platform}-${process.arch}${abi}`;
}

/** napi-rs's name for a Rust target triple of package.json's `napi.targets`. */
function platformKeyOf(triple) {
  const [arch, , os, abi] = triple.split('-');
  const nodeArch = { x86_64: 'x64', aarch64: 'arm64' }[arch] ?? arch;
  if (os === 'darwin') return `darwin-${nodeArch}`;
  if (os === 'windows') return `win32-${nodeArch}-${abi}`;
  return `${os}-${nodeArch}-${abi}`;
}

/** The platforms a prebuilt addon is published for. */
function prebuiltPlatforms() {
  return pkg.napi.targets.map(platformKeyOf);
}

/** The file name `napi build --platform` gives the addon on this machine. */
function addonFileName() {
  return `${pkg.napi.binaryName}.${platformKey()}.node`;
}

function buildFromSourceHint() {
  return (
    'To build the addon from source (needs a Rust toolchain): in a checkout of tokenward, run ' +
    '`npm install` and `npx napi build --platform --release -- --locked` in bindings-node/ ' +
    '(the addon is written next to native.js), or point NAPI_RS_NATIVE_LIBRARY_PATH at an addon you built.'
  );
}

function loadAddon() {
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) return require(process.env.NAPI_RS_NATIVE_LIBRARY_PATH);

  const local = path.join(__dirname, addonFileName());
  if (fs.existsSync(local)) return require(local);

  const key = platformKey();
  const platformPackage = `${pkg.name}-${key}`;
  const supported = prebuiltPlatforms();
  if (!supported.includes(key)) {
    throw new Error(
      `tokenward: no prebuilt native addon for ${key}; prebuilt addons exist for ${supported.join(', ')}. ` +
        buildFromSourceHint(),
    );
  }
  let installedVersion;
  try {
    installedVersion = require(`${platformPackage}/package.json`).version;
  } catch (cause) {
    throw new Error(
      `tokenward: the prebuilt addon for ${key} lives in the package ${platformPackage}, which is not installed. ` +
        'npm installs it as an optional dependency of tokenward: reinstall without --omit=optional / ' +
        '--no-optional, and if a lockfile made on another platform left it out, delete node_modules and the ' +
        `lockfile and install again, or add ${platformPackage}@${pkg.version} yourself. ` +
        buildFromSourceHint(),
      { cause },
    );
  }
  if (installedVersion !== pkg.version) {
    throw new Error(
      `tokenward: ${platformPackage} is version ${installedVersion} but tokenward is ${pkg.version}; ` +
        `they must match: install ${platformPackage}@${pkg.version}.`,
    );
  }
  return require(platformPackage);
}

let cached;
function load() {
  if (!cached) cached = loadAddon();
  return cached;
}

module.exports = { addonFileName, load, platformKey, prebuiltPlatforms };
