#!/usr/bin/env bash
# Installs what `make dist` put in dist/ the way a user would, with no cargo,
# rustc or rustup on PATH, and smoke-tests it:
#   the manylinux wheel  into a fresh virtualenv with Flask (pinned), then
#                        smoke.py: a TestIssuer token, Flask's 401 then 200
#   the npm tarballs     into an empty npm project with express (pinned); the
#                        platform package arrives as the main package's optional
#                        dependency; smoke.cjs (require) and smoke.mjs (import):
#                        a TestIssuer token, Express's 401 then 200
# and checks what cannot be installed here: the glibc floor and libraries each
# native file needs (the wheel's tag must be true), that no release build
# carries panic-injection, and what the sdist and the crate contain.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dist=$root/dist
smoke=$root/release/smoke

version=$(node -p 'require("./bindings-node/package.json").version')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "test-dist: FAILED: $*" >&2; exit 1; }
# Flask and express at the versions the project's own tests use.
FLASK=$(grep -E '^flask(\[[a-z]+\])?==' bindings-python/requirements-dev.txt | sed 's/\[.*\]//') ||
    fail "no flask==<version> line in bindings-python/requirements-dev.txt"
EXPRESS=express@$(node -p 'require("./bindings-node/package.json").devDependencies.express')
one() { # the single file matching a glob in dist/
    # shellcheck disable=SC2206 # the glob is meant to expand
    local matches=("$dist"/$1)
    [ ${#matches[@]} -eq 1 ] && [ -e "${matches[0]}" ] || fail "expected one dist/$1, found: ${matches[*]}"
    echo "${matches[0]}"
}
now() { echo "$EPOCHREALTIME"; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
size() { awk -v n="$(stat -c %s "$1")" 'BEGIN { printf "%.2f MiB", n / 1048576 }'; }

# A PATH that keeps every directory but those holding a Rust toolchain.
norust=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [ -n "$d" ] || continue
    [ -e "$d/cargo" ] || [ -e "$d/rustc" ] || [ -e "$d/rustup" ] || norust=${norust:+$norust:}$d
done
for tool in cargo rustc rustup; do
    if found=$(PATH=$norust command -v "$tool"); then fail "$tool is still on the test PATH: $found"; fi
done
echo "== no Rust toolchain: cargo, rustc and rustup are not on the PATH the installs and tests use"

echo
echo "== artifacts (version $version)"
for f in "$dist"/*; do
    [ "$(basename "$f")" = SHA256SUMS ] || printf '  %-78s %10s\n' "$(basename "$f")" "$(size "$f")"
done

# manylinux2014 allows symbols up to GLIBC_2.17 and these libraries (PEP 599).
glibc_floor() { # the newest GLIBC_x.y symbol version a native file needs
    objdump -T "$1" | grep -oE 'GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?' | sed 's/GLIBC_//' | sort -V | tail -1
}
check_native() { # file, what, libc (gnu|musl)
    local file=$1 what=$2 libc=$3 needed
    needed=$(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd ' ')
    if grep -q 'panic\.panic\.panic' "$file"; then fail "$what carries the test-only feature panic-injection"; fi
    if [ "$libc" = gnu ]; then
        local floor
        floor=$(glibc_floor "$file")
        [ "$(printf '%s\n2.17\n' "$floor" | sort -V | tail -1)" = 2.17 ] || fail "$what needs GLIBC_$floor, newer than manylinux2014's 2.17"
        for lib in $needed; do
            case $lib in
                libc.so.6 | libm.so.6 | libpthread.so.0 | libdl.so.2 | librt.so.1 | libgcc_s.so.1 | ld-linux-x86-64.so.2) ;;
                *) fail "$what needs $lib, outside the manylinux2014 library set" ;;
            esac
        done
        echo "  $what: newest glibc symbol GLIBC_$floor (manylinux2014 allows 2.17); needs $needed; no panic-injection"
    else
        for lib in $needed; do
            [ "$lib" = libc.so ] || fail "$what needs $lib besides musl's libc.so"
        done
        readelf -d "$file" | grep -q 'NEEDED.*libc.so' || fail "$what does not link musl's libc.so"
        echo "  $what: needs only $needed (musl libc; no glibc symbol versions); no panic-injection"
    fi
}

echo
echo "== native files: the tags they claim"
wheel=$(one "tokenward-$version-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl")
mkdir "$work/wheel" && (cd "$work/wheel" && python3 -m zipfile -e "$wheel" .)
check_native "$work/wheel/tokenward/_native.abi3.so" "$(basename "$wheel")" gnu
grep -qx 'Tag: cp39-abi3-manylinux2014_x86_64' "$work"/wheel/tokenward-*.dist-info/WHEEL || fail "the wheel's WHEEL file lacks its tag"
for f in licenses/LICENSE-MIT licenses/LICENSE-APACHE; do
    [ -s "$work/wheel/tokenward-$version.dist-info/$f" ] || fail "the wheel lacks $f"
done
musl_wheel=("$dist"/tokenward-"$version"-cp39-abi3-musllinux_1_2_x86_64.whl)
if [ -e "${musl_wheel[0]}" ]; then
    mkdir "$work/musl" && (cd "$work/musl" && python3 -m zipfile -e "${musl_wheel[0]}" .)
    check_native "$work/musl/tokenward/_native.abi3.so" "$(basename "${musl_wheel[0]}")" musl
fi
for tarball in "$dist"/tokenward-linux-x64-*-"$version".tgz; do
    platform=$(basename "$tarball" "-$version.tgz")
    platform=${platform#tokenward-}
    mkdir -p "$work/$platform" && tar -xzf "$tarball" -C "$work/$platform"
    check_native "$work/$platform/package/tokenward.$platform.node" "$(basename "$tarball")" "${platform##*-}"
done

if compgen -G "$dist/*musl*" >/dev/null; then
    echo "  (the musl artifacts are checked here, not installed: this machine has no musl Python or Node)"
fi

echo
echo "== sdist and crate: what they carry (they build from source, so they need Rust)"
sdist=$(one "tokenward-$version.tar.gz")
listing=$(tar -tzf "$sdist")
for f in pyproject.toml Cargo.toml Cargo.lock core/src/lib.rs bindings-python/src/lib.rs \
    python/tokenward/py.typed LICENSE-MIT LICENSE-APACHE; do
    grep -qx "tokenward-$version/$f" <<<"$listing" || fail "the sdist lacks $f"
done
if grep -qE '/(target|node_modules)/' <<<"$listing"; then fail "the sdist carries build output"; fi
echo "  $(basename "$sdist"): $(wc -l <<<"$listing") files, with Cargo.lock, the core, the binding, py.typed and both licenses"
crate=$(one "tokenward-$version.crate")
listing=$(tar -tzf "$crate")
for f in Cargo.toml Cargo.toml.orig src/lib.rs README.md LICENSE-MIT LICENSE-APACHE; do
    grep -qx "tokenward-$version/$f" <<<"$listing" || fail "the crate lacks $f"
done
echo "  $(basename "$crate"): $(wc -l <<<"$listing") files, built and verified by cargo package"

echo
echo "== Python: the wheel into a fresh virtualenv, no Rust toolchain"
python3 -m venv "$work/venv"
# Each install runs in a subshell that sees only the Rust-free PATH.
# shellcheck disable=SC2030,SC2031
(
    export PATH="$work/venv/bin:$norust" VIRTUAL_ENV="$work/venv"
    t=$(now)
    python -m pip install --quiet --only-binary=:all: "$FLASK"
    echo "  $FLASK from PyPI: $(seconds_since "$t")"
    t=$(now)
    python -m pip install --quiet --only-binary=:all: --no-index --no-deps "$wheel"
    echo "  $(basename "$wheel") ($(size "$wheel")): installed in $(seconds_since "$t")"
    cp "$smoke/smoke.py" "$work/"
    cd "$work" && python smoke.py "$version"
)

echo
echo "== Node: the npm tarballs into an empty project, no Rust toolchain"
gnu_package=tokenward-linux-x64-gnu
main_tarball=$(one "tokenward-$version.tgz")
gnu_tarball=$(one "$gnu_package-$version.tgz")
mkdir "$work/app"
# The main package names tokenward-<platform>@$version for every platform; until
# they are published, the override points this one at its tarball, and npm picks
# it by its os/cpu/libc fields as it would from the registry (the other
# platforms' packages are skipped: they do not match, and are optional).
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
    const [file, name, tarball] = process.argv.slice(1);
    require("node:fs").writeFileSync(file, JSON.stringify({ private: true, overrides: { [name]: `file:${tarball}` } }, null, 2));
' "$work/app/package.json" "$gnu_package" "$gnu_tarball"
# shellcheck disable=SC2030,SC2031
(
    export PATH=$norust
    cd "$work/app"
    npm_quiet=(--no-audit --no-fund --loglevel=error)
    t=$(now)
    npm install "${npm_quiet[@]}" "$EXPRESS" >/dev/null
    echo "  $EXPRESS from npm: $(seconds_since "$t")"
    t=$(now)
    npm install "${npm_quiet[@]}" "$main_tarball" >/dev/null
    echo "  $(basename "$main_tarball") ($(size "$main_tarball")) with $(basename "$gnu_tarball") ($(size "$gnu_tarball")) as its optional dependency: installed in $(seconds_since "$t")"
    [ -f "node_modules/$gnu_package/tokenward.linux-x64-gnu.node" ] || fail "npm did not install $gnu_package"
    cp "$smoke"/smoke.cjs "$smoke"/smoke.mjs "$smoke"/smoke-body.cjs .
    node "$smoke/npm-files.cjs" node_modules/tokenward
    node smoke.cjs "$version" "$gnu_package"
    node smoke.mjs "$version" "$gnu_package"
)

echo
echo "test-dist: every artifact checked; the wheel and the npm packages installed and ran without a Rust toolchain"
