"""Fail when the crate, the wheel and the npm packages disagree on the version.

The one version lives in the root Cargo.toml ([workspace.package] version).
Every crate inherits it (and Cargo.lock records it), the wheel takes it from Cargo (pyproject's
`dynamic = ["version"]`), and the npm packages must repeat it: the main
package, one platform package per `napi.targets` entry, and the lockfiles
that record the main package. CHANGELOG.md must have a section for it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def toml(path: str) -> dict:
    return tomllib.loads((ROOT / path).read_text())


def npm_platform(triple: str) -> str:
    """napi-rs's platform name for a Rust target triple (as `napi create-npm-dirs` names the dirs)."""
    arch, _, os_name, *abi = triple.split("-")
    arch = {"x86_64": "x64", "aarch64": "arm64"}.get(arch, arch)
    if os_name == "darwin":
        return f"darwin-{arch}"
    if os_name == "windows":
        return f"win32-{arch}-{abi[0]}"
    return f"{os_name}-{arch}-{abi[0]}"


def main() -> int:
    problems: list[str] = []
    version = toml("Cargo.toml")["workspace"]["package"]["version"]

    for member in toml("Cargo.toml")["workspace"]["members"]:
        package = toml(f"{member}/Cargo.toml")["package"]
        if package.get("version") not in ({"workspace": True}, version):
            found = package.get("version")
            problems.append(f"{member}/Cargo.toml: version = {found!r}, want version.workspace = true")

    members = {toml(f"{m}/Cargo.toml")["package"]["name"] for m in toml("Cargo.toml")["workspace"]["members"]}
    for package in toml("Cargo.lock")["package"]:
        if package["name"] in members and "source" not in package and package["version"] != version:
            found = f"{package['name']} {package['version']}"
            problems.append(f"Cargo.lock: {found} (run `cargo update --workspace`)")

    project = toml("bindings-python/pyproject.toml")["project"]
    if "version" in project or "version" not in project.get("dynamic", []):
        problems.append('bindings-python/pyproject.toml: want dynamic = ["version"] (the version from Cargo)')

    node = ROOT / "bindings-node"
    main_package = json.loads((node / "package.json").read_text())
    seen = {"bindings-node/package.json": main_package["version"]}
    for name, wanted in main_package.get("optionalDependencies", {}).items():
        seen[f"bindings-node/package.json optionalDependencies {name}"] = wanted

    platforms = {npm_platform(t) for t in main_package["napi"]["targets"]}
    dirs = {p.name for p in (node / "npm").iterdir() if p.is_dir()}
    if platforms != dirs:
        problems.append(
            f"bindings-node/npm/ has {sorted(dirs)} but napi.targets gives {sorted(platforms)}"
            " (run `npx napi create-npm-dirs` in bindings-node)"
        )
    for platform in sorted(dirs):
        path = f"bindings-node/npm/{platform}/package.json"
        package = json.loads((ROOT / path).read_text())
        seen[path] = package["version"]
        if package["name"] != f"{main_package['name']}-{platform}":
            problems.append(f"{path}: name {package['name']!r}, want {main_package['name']}-{platform!r}")

    for lock, key in [
        ("bindings-node/package-lock.json", ""),
        ("examples/express-login/package-lock.json", "../../bindings-node"),
    ]:
        seen[f"{lock} ({key or 'root'})"] = json.loads((ROOT / lock).read_text())["packages"][key]["version"]

    for where, found in seen.items():
        if found != version:
            problems.append(f"{where}: {found}, want {version}")

    changelog = (ROOT / "CHANGELOG.md").read_text()
    if not re.search(rf"^## \[?{re.escape(version)}\]?(\s|$)", changelog, re.MULTILINE):
        problems.append(f"CHANGELOG.md: no '## {version}' section")

    if problems:
        print(f"versions drift from the workspace version {version} (root Cargo.toml):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print(
            "set the version in the root Cargo.toml and run `cargo update --workspace`; in bindings-node run "
            "`npm version --no-git-tag-version <v>` and `npx napi version`; in examples/express-login run "
            "`npm install --package-lock-only`; add a CHANGELOG.md section",
            file=sys.stderr,
        )
        return 1
    print(
        f"version {version}: Cargo workspace and its {len(members)} crates, the wheel (dynamic, from Cargo), "
        f"{len(seen)} npm manifests and lockfile entries, CHANGELOG.md"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
