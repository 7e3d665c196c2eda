"""Every conformance case through the Python API: same verdict, code and claim as the core."""

from __future__ import annotations

import base64
from typing import Any

import tokenward
from tokenward import TokenwardError, Verifier


def build(keyset: dict[str, Any], policy: dict[str, Any], now: float) -> Verifier:
    options = dict(policy)
    options.setdefault("now", now)
    if "jwks" in keyset:
        options["jwks"] = keyset["jwks"]
    elif "pem" in keyset:
        options["key"] = keyset["pem"]
    else:
        secret = keyset["secret_b64url"]
        options["secret"] = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    return Verifier(**options)


def test_every_conformance_case_gets_the_core_verdict(vectors: dict[str, Any]) -> None:
    failures = []
    for case in vectors["cases"]:
        expect = case["expect"]
        wanted = "ok" if expect["ok"] else expect["code"]
        try:
            build(vectors["keysets"][case["keys"]], case["policy"], vectors["now"]).verify(case["token"])
            got, claim = "ok", None
        except TokenwardError as e:
            got, claim = e.code, e.claim
            assert str(e), case["name"]
            assert type(e) is tokenward.errors._BY_CODE[e.code]
        if got != wanted or ("claim" in expect and claim != expect["claim"]):
            failures.append(f"{case['name']}: expected {wanted}/{expect.get('claim')}, got {got}/{claim}")
    assert len(vectors["cases"]) >= 150
    assert not failures, "\n".join(failures)


def test_validate_agrees_with_verify_on_every_token_case(vectors: dict[str, Any]) -> None:
    for case in vectors["cases"]:
        try:
            verifier = build(vectors["keysets"][case["keys"]], case["policy"], vectors["now"])
        except TokenwardError as e:
            assert e.code == case["expect"]["code"], case["name"]
            continue
        assert verifier.validate(case["token"]) is case["expect"]["ok"], case["name"]
