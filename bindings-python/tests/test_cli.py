"""``python -m tokenward``: the command the package carries."""

from __future__ import annotations

import json
import subprocess
import sys

from tokenward.testing import TestIssuer


def tokenward(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tokenward", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_decode_prints_the_claims_under_a_not_verified_banner() -> None:
    token = TestIssuer().mint({"sub": "alice"})
    run = tokenward("decode", token)
    assert run.returncode == 0, run.stderr
    assert "NOT VERIFIED" in run.stdout and '"sub": "alice"' in run.stdout
    assert "\x1b[" not in run.stdout, "no colour into a pipe"


def test_verify_exits_0_with_the_claims_or_1_with_the_code_and_claim() -> None:
    issuer = TestIssuer()
    good = tokenward(
        "verify", issuer.mint({"sub": "u", "aud": "api"}), "--jwks-url", issuer.jwks_url, "--aud", "api"
    )
    assert good.returncode == 0, good.stderr
    bad = tokenward(
        "verify", issuer.mint({"aud": "other"}), "--jwks-url", issuer.jwks_url, "--aud", "api", "--json"
    )
    assert bad.returncode == 1
    refusal = json.loads(bad.stdout)
    assert refusal["code"] == "invalid_audience" and refusal["claim"] == "aud"
    assert tokenward("verify").returncode == 2
