"""Provider presets over loopback HTTP (the shared table in
tests/providers/cases.json, also run by the core and by Node), and
verifiers that trust several issuers."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from pathlib import Path
from typing import Any, Optional

import pytest
from tokenward import ConfigurationError, InvalidIssuer, InvalidToken, MissingClaim, Verifier, _native
from tokenward.testing import TestIssuer

CASES_FILE = Path(__file__).resolve().parents[2] / "tests/providers/cases.json"
CASES = json.loads(CASES_FILE.read_text())["presets"]


def resolve(value: Any) -> Any:
    """``"{{now+N}}"`` / ``"{{now-N}}"`` to Unix times; everything else as written."""
    if isinstance(value, str) and value.startswith("{{now") and value.endswith("}}"):
        return int(time.time()) + int(value[5:-2])
    return value


def claims_of(base: dict[str, Any], patch: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    claims = {k: resolve(v) for k, v in base.items()}
    claims.update({k: resolve(v) for k, v in (patch or {}).items()})
    return claims


def preset(case: dict[str, Any], issuer: TestIssuer) -> Verifier:
    keys = {"x509_url": issuer.x509_url} if case["keys"] == "x509" else {"jwks_url": issuer.jwks_url}
    make = getattr(Verifier, case["provider"])
    verifier: Verifier = make(**case["args"], **keys)
    return verifier


@pytest.mark.parametrize("case", CASES, ids=[f"{c['provider']}-{i}" for i, c in enumerate(CASES)])
def test_each_preset_accepts_its_tokens_and_refuses_each_broken_rule(case: dict[str, Any]) -> None:
    issuer = TestIssuer(algorithms=[case["alg"]])
    verifier = preset(case, issuer)
    for claims in case["valid"]:
        verified = verifier.verify(issuer.mint(claims_of(claims)))
        assert verified.issuer == claims["iss"]
        assert verified.issuer_config is None
    for row in case["refused"]:
        token = issuer.mint(claims_of(case["valid"][0], row["claims"]))
        with pytest.raises(InvalidToken) as refused:
            verifier.verify(token)
        assert (refused.value.code, refused.value.claim) == (row["code"], row["claim"]), row["why"]


def test_preset_class_methods_take_exactly_the_cores_arguments() -> None:
    for spec in _native.provider_specs():
        method = getattr(Verifier, spec["name"])
        params = inspect.signature(method).parameters
        named = {n: p for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
        assert list(named) == [a["name"] for a in spec["args"]], spec["name"]
        for arg in spec["args"]:
            required = named[arg["name"]].default is inspect.Parameter.empty
            assert required == (arg["default"] == "required"), (spec["name"], arg["name"])


def test_a_preset_returns_the_callers_class_and_keeps_its_issuer_when_keys_move() -> None:
    class Mine(Verifier):
        pass

    issuer = TestIssuer(algorithms=["RS256"])
    verifier = Mine.auth0(domain="tenant.auth0.test", audience="api", jwks_url=issuer.jwks_url, leeway=5)
    assert isinstance(verifier, Mine)
    with pytest.raises(InvalidIssuer):
        verifier.verify(issuer.mint({"aud": "api"}))  # the TestIssuer's own iss
    assert issuer.jwks_requests == 0, "a foreign issuer's token causes no key fetch"


def test_preset_arguments_are_checked_and_the_issuer_cannot_be_overridden() -> None:
    with pytest.raises(ConfigurationError, match="host name"):
        Verifier.auth0(domain="https://evil.example", audience="api")
    with pytest.raises(ConfigurationError, match="sets issuer"):
        Verifier.auth0(domain="a.example", audience="api", issuer="https://evil.example/")
    with pytest.raises(ConfigurationError, match="did you mean `leeway`"):
        Verifier.google(client_ids="c", leway=3)
    with pytest.raises(ConfigurationError, match="allowed_tenants"):
        Verifier.entra(tenant="common", audience="app")


def test_any_of_routes_by_issuer_names_the_configuration_and_never_shares_keys() -> None:
    a, b = TestIssuer(), TestIssuer()
    both = Verifier.any_of(
        {
            "prod": Verifier(jwks_url=a.jwks_url, issuer=a.url, audience="api"),
            "staging": Verifier(jwks_url=b.jwks_url, issuer=b.url, audience="api"),
        }
    )
    assert isinstance(both, Verifier)
    assert both.issuer_configs == ["prod", "staging"]
    assert both.verify(a.mint({"aud": "api"})).issuer_config == "prod"
    assert both.verify(b.mint({"aud": "api"})).issuer_config == "staging"
    with pytest.raises(InvalidToken) as forged:
        both.verify(a.mint({"aud": "api", "iss": b.url}))  # A's key, claiming B
    assert forged.value.code in ("key_not_found", "invalid_signature")
    before = (a.jwks_requests, b.jwks_requests)
    with pytest.raises(InvalidIssuer):
        both.verify(a.mint({"aud": "api", "iss": "https://stranger.example"}))
    with pytest.raises(MissingClaim):
        both.verify(a.mint({"aud": "api", "iss": None}))
    assert (a.jwks_requests, b.jwks_requests) == before


def test_any_of_verifies_asynchronously_too() -> None:
    a = TestIssuer()
    both = Verifier.any_of({"only": Verifier(jwks_url=a.jwks_url, issuer=a.url, audience="api")})
    claims = asyncio.run(both.verify_async(a.mint({"aud": "api", "sub": "u"})))
    assert (claims.subject, claims.issuer_config) == ("u", "only")


def test_any_of_refuses_a_configuration_without_an_issuer() -> None:
    a = TestIssuer()
    with pytest.raises(ConfigurationError, match="names no issuer"):
        Verifier.any_of({"a": Verifier(jwks_url=a.jwks_url, audience="api")})
    with pytest.raises(ConfigurationError, match="internal"):
        Verifier(_from="x")  # type: ignore[arg-type]
