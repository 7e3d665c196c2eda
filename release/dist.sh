#!/usr/bin/env bash
# Builds the release artifacts into dist/, for the Linux targets given as
# arguments (Rust triples; default: x86_64 gnu and musl):
#   wheels    maturin --zig: manylinux2014 (glibc 2.17) for gnu, musllinux_1_2 for musl
#   sdist     maturin sdist (builds anywhere with a Rust toolchain)
#   npm       one platform package per target (bindings-node/npm/<platform>, the addon
#             built by @napi-rs/cli with cargo-zigbuild against the same glibc 2.17),
#             and the main package with optionalDependencies on every napi.targets
#             platform, as `napi prepublish` writes them at publish time
#   crate     cargo package -p tokenward
# Every build is a release build without the test-only feature panic-injection,
# and every cargo invocation is --locked. The release workflow builds the other
# platforms (macOS, Windows, arm64) the same way on their own runners.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-gnu x86_64-unknown-linux-musl)

# maturin, cargo-zigbuild and zig (`python -m ziglang`, found through this
# venv's python3) come pinned from release/requirements.txt.
export PATH="$root/.venv-release/bin:$PATH"
# Release builds link with zig's cc, the development builds with the system's:
# in one target directory they would keep invalidating each other's C objects
# (aws-lc-sys reruns when CC changes), so they live side by side.
export CARGO_TARGET_DIR="$root/target/dist"
export CARGO_TERM_COLOR=never

version=$(cargo metadata --no-deps --locked --format-version 1 |
    python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "tokenward"))')
dist=$root/dist
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rm -rf "$dist"
mkdir -p "$dist"
skipped=()
start=$SECONDS

step() { printf '\n== %s\n' "$*"; }

# `rustup target add` needs the Rust distribution server; where it is out of
# reach the target is skipped, with rustup's own words.
target_available() {
    local target=$1 sysroot
    sysroot=$(rustc --print sysroot)
    [ -d "$sysroot/lib/rustlib/$target/lib" ] && return 0
    if ! command -v rustup >/dev/null; then
        skipped+=("$target: the Rust standard library for it is not installed and there is no rustup to add it")
        return 1
    fi
    local log
    if log=$(rustup target add "$target" 2>&1); then
        return 0
    fi
    skipped+=("$target: 'rustup target add $target' failed: $(printf '%s' "$log" | tail -1)")
    return 1
}

wheel_tag() {
    case $1 in
        *-linux-gnu) echo manylinux2014 ;;
        *-linux-musl) echo musllinux_1_2 ;;
        *) echo "dist.sh: no wheel tag for $1 (this script builds Linux targets)" >&2; exit 1 ;;
    esac
}

# The glibc floor goes into the target for cargo-zigbuild (`.2.17`); maturin
# derives it from --compatibility.
zig_target() {
    case $1 in
        *-linux-gnu) echo "$1.2.17" ;;
        *) echo "$1" ;;
    esac
}

npm_platform() {
    # shellcheck disable=SC2016 # JavaScript, not shell
    node -e 'const [arch, , os, abi] = process.argv[1].split("-");
        const a = { x86_64: "x64", aarch64: "arm64" }[arch] ?? arch;
        console.log(os === "darwin" ? `darwin-${a}` : os === "windows" ? `win32-${a}-${abi}` : `${os}-${a}-${abi}`);' "$1"
}

for target in "${targets[@]}"; do
    target_available "$target" || continue

    step "wheel for $target ($(wheel_tag "$target"), zig)"
    (cd bindings-python && maturin build --release --locked --zig --target "$target" \
        --compatibility "$(wheel_tag "$target")" --auditwheel check --out "$dist")

    platform=$(npm_platform "$target")
    step "npm package tokenward-$platform (@napi-rs/cli, cargo-zigbuild)"
    (cd bindings-node && npx napi build --platform --release --target "$(zig_target "$target")" \
        --cross-compile --no-js --output-dir "$stage/addon-$platform" -- --locked)
    pkg=$stage/npm-$platform
    cp -r "bindings-node/npm/$platform" "$pkg"
    cp "$stage/addon-$platform/tokenward.$platform.node" LICENSE-MIT LICENSE-APACHE "$pkg/"
    (cd "$pkg" && npm pack --ignore-scripts --silent --pack-destination "$dist" >/dev/null)
done

step "sdist"
(cd bindings-python && maturin sdist --out "$dist")

step "npm package tokenward"
main=$stage/npm-main
mkdir "$main"
node - "$main" <<'EOF'
// Copies the files `npm pack` takes from bindings-node (package.json's
// `files`), the licenses from the root, and writes optionalDependencies the
// way `napi prepublish` does: one `<name>-<platform>` per napi.targets entry,
// at the package's own version.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { prebuiltPlatforms } = require('./bindings-node/native.js');
const out = process.argv[2];
const pkg = JSON.parse(fs.readFileSync('bindings-node/package.json', 'utf8'));
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], { cwd: 'bindings-node' }),
);
for (const { path: file } of packed.files) fs.cpSync(path.join('bindings-node', file), path.join(out, file));
for (const file of ['LICENSE-MIT', 'LICENSE-APACHE']) fs.cpSync(file, path.join(out, file));
pkg.optionalDependencies = Object.fromEntries(prebuiltPlatforms().map((p) => [`${pkg.name}-${p}`, pkg.version]));
fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
EOF
(cd "$main" && npm pack --ignore-scripts --silent --pack-destination "$dist" >/dev/null)

step "crate tokenward"
# --allow-dirty: `make dist` runs in working trees too; the release workflow
# publishes from a clean tag checkout, where cargo checks it. Verification
# builds with the system toolchain, like `cargo test`, so it shares target/.
CARGO_TARGET_DIR="$root/target" cargo package -p tokenward --locked --allow-dirty
cp "$root/target/package/tokenward-$version.crate" "$dist/"

(cd "$dist" && sha256sum -- * >SHA256SUMS)
step "dist/ (version $version, built in $((SECONDS - start)) s)"
(cd "$dist" && for f in *; do [ "$f" = SHA256SUMS ] || printf '  %-78s %8s KiB\n' "$f" "$(($(stat -c %s "$f") / 1024))"; done)
for reason in "${skipped[@]}"; do
    echo "  SKIPPED $reason"
done
