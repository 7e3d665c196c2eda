"""The Python surface: arguments, results, exceptions."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
import tokenward
from tokenward import (
    Claims,
    ConfigurationError,
    InternalError,
    InvalidAudience,
    InvalidSignature,
    InvalidToken,
    JwksError,
    JwksFetchFailed,
    JwksNotLoaded,
    MalformedToken,
    TokenExpired,
    TokenwardError,
    Verifier,
    _native,
    decode_unverified,
)
from tokenward.testing import TestIssuer

from .conftest import AUD

SECRET = b"k" * 32


def hs_verifier(**options: object) -> Verifier:
    return Verifier(secret=SECRET, algorithms=["HS256"], **options)  # type: ignore[arg-type]


def test_public_names_are_listed_in_all() -> None:
    for name in tokenward.__all__:
        assert hasattr(tokenward, name), name
    assert "Verifier" in tokenward.__all__ and "TokenExpired" in tokenward.__all__


def test_exception_hierarchy_follows_the_codes() -> None:
    assert issubclass(TokenExpired, InvalidToken) and issubclass(InvalidToken, TokenwardError)
    assert issubclass(JwksFetchFailed, JwksError) and issubclass(JwksError, TokenwardError)
    assert issubclass(ConfigurationError, TokenwardError)
    assert not issubclass(JwksError, InvalidToken)
    assert issubclass(InternalError, TokenwardError) and not issubclass(InternalError, InvalidToken)


def test_verify_returns_claims_dict_with_helpers(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, issuer=issuer.url, audience=AUD)
    token = issuer.mint(
        {"sub": "user-1", "aud": [AUD, "other"], "scp": ["read", "write"], "exp": 4_000_000_000}
    )
    claims = verifier.verify(token)
    assert isinstance(claims, Claims) and isinstance(claims, dict)
    assert claims["sub"] == "user-1" and claims.subject == "user-1"
    assert claims.issuer == issuer.url
    assert claims.audience == [AUD, "other"]
    assert claims.scopes == ["read", "write"]
    assert claims.expires_at == datetime(2096, 10, 2, 7, 6, 40, tzinfo=timezone.utc)
    assert claims.issued_at is not None and claims.issued_at.tzinfo is timezone.utc
    assert claims.header["alg"] == "ES256" and claims.header["kid"] == issuer.kids[-1]


def test_scope_claim_is_split_on_spaces() -> None:
    assert Claims({"scope": "a  b c"}).scopes == ["a", "b", "c"]
    assert Claims({"scope": None, "scp": ["a"]}).scopes == [], "a present scope claim wins over scp"
    assert Claims({"scp": "x y"}).scopes == ["x", "y"]
    assert Claims({}).scopes == [] and Claims({}).subject is None and Claims({"aud": 5}).audience == []


def test_refusal_carries_code_claim_and_message(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    with pytest.raises(InvalidAudience) as caught:
        verifier.verify(issuer.mint({"aud": "someone-else"}))
    assert caught.value.code == "invalid_audience"
    assert caught.value.claim == "aud"
    assert "someone-else" in str(caught.value) and AUD in str(caught.value)


def test_expired_token_raises_token_expired(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    with pytest.raises(TokenExpired) as caught:
        verifier.verify(issuer.mint({"aud": AUD, "exp": 1_000_000}))
    assert caught.value.claim == "exp"


def test_tampered_signature_raises_invalid_signature(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    head, _, sig = issuer.mint({"aud": AUD}).split(".")
    forged = issuer.mint({"aud": AUD, "sub": "admin"}).split(".")[1]
    with pytest.raises(InvalidSignature):
        verifier.verify(f"{head}.{forged}.{sig}")


def test_a_token_that_is_neither_text_nor_bytes_is_a_type_error() -> None:
    verifier = hs_verifier()
    for bad in (None, 42, 1.5, ["a.b.c"], ("a.b.c",), object()):
        with pytest.raises(TypeError, match="str or bytes"):
            verifier.verify(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="str or bytes"):
            verifier.validate(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="str or bytes"):
            asyncio.run(verifier.verify_async(bad))  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="str or bytes"):
            decode_unverified(bad)  # type: ignore[arg-type]


def test_a_token_given_as_bytes_is_read_as_ascii_text(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    token = issuer.mint({"aud": AUD, "sub": "bytes"})
    for given in (token.encode(), bytearray(token.encode()), memoryview(token.encode())):
        assert verifier.verify(given) == verifier.verify(token)
        assert verifier.verify(given).subject == "bytes"
        assert verifier.validate(given) is True
        assert asyncio.run(verifier.verify_async(given)).subject == "bytes"
        assert decode_unverified(given) == decode_unverified(token)


def test_bytes_that_are_not_utf8_are_a_malformed_token() -> None:
    verifier = hs_verifier()
    for bad in (b"\xff.\xfe.\xfd", bytearray(b"e30.\x80.e30"), memoryview(b"\xc3")):
        with pytest.raises(MalformedToken):
            verifier.verify(bad)
        assert verifier.validate(bad) is False
        with pytest.raises(MalformedToken):
            asyncio.run(verifier.verify_async(bad))
        with pytest.raises(MalformedToken):
            decode_unverified(bad)


def test_text_with_lone_surrogates_is_a_malformed_token(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    verifier.refresh()
    good = issuer.mint({"aud": AUD})
    for bad in ("\ud800", "\udfff.\ud800.x", good + "\udc80", "\ud83d" + good[1:]):
        with pytest.raises(MalformedToken):
            verifier.verify(bad)
        assert verifier.validate(bad) is False
        with pytest.raises(MalformedToken):
            asyncio.run(verifier.verify_async(bad))
        with pytest.raises(MalformedToken):
            decode_unverified(bad)


@pytest.mark.parametrize(
    "options, mentions",
    [
        ({}, "key source"),
        ({"jwks_url": "https://a.example/jwks", "key": "x"}, "exactly one"),
        ({"jwks_url": "http://example.com/jwks"}, "https"),
        ({"jwks_url": 42}, "jwks_url"),
        ({"jwks_url": "https://a.example/jwks", "leeway": -1}, "leeway"),
        ({"jwks_url": "https://a.example/jwks", "leeway": "30"}, "leeway"),
        ({"jwks_url": "https://a.example/jwks", "leeway": True}, "leeway"),
        ({"jwks_url": "https://a.example/jwks", "algorithms": ["RS257"]}, "RS257"),
        ({"jwks_url": "https://a.example/jwks", "algorithms": []}, "algorithms"),
        ({"jwks_url": "https://a.example/jwks", "audience": [1, 2]}, "audience"),
        ({"jwks_url": "https://a.example/jwks", "max_token_bytes": 0}, "max_token_bytes"),
        ({"jwks_url": "https://a.example/jwks", "millisecond_timestamps": "yes"}, "millisecond_timestamps"),
        ({"secret": SECRET}, "HS"),
        ({"secret": b"short", "algorithms": "HS256"}, "secret"),
        ({"jwks": {"keys": "nope"}}, "keys"),
        ({"key": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"}, "PEM"),
    ],
)
def test_bad_arguments_raise_configuration_error_at_construction(
    options: dict[str, object], mentions: str
) -> None:
    with pytest.raises(TokenwardError) as caught:
        Verifier(**options)  # type: ignore[arg-type]
    assert caught.value.code in ("configuration", "jwks_invalid")
    assert mentions.lower() in str(caught.value).lower()


def test_unknown_option_is_a_configuration_error_naming_the_closest_option() -> None:
    with pytest.raises(ConfigurationError, match="did you mean `audience`\\?"):
        Verifier(jwks_url="https://a.example/jwks", audiance="x")  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="did you mean `max_age`\\?"):
        Verifier(jwks_url="https://a.example/jwks", maxAge=60)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="audiance"):
        Verifier(jwks_url="https://a.example/jwks", audiance=None)  # type: ignore[call-arg]


def test_unknown_option_unlike_any_name_lists_the_options() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Verifier(jwks_url="https://a.example/jwks", frobnicate=1)  # type: ignore[call-arg]
    assert "frobnicate" in str(caught.value)
    assert all(spec["name"] in str(caught.value) for spec in _native.option_specs())


def test_positional_arguments_are_a_type_error() -> None:
    with pytest.raises(TypeError):
        Verifier("https://a.example/jwks")  # type: ignore[misc]


def test_none_means_not_given_for_every_option() -> None:
    for spec in _native.option_specs():
        if spec["name"] not in ("secret", "algorithms"):  # what hs_verifier sets
            assert hs_verifier(**{spec["name"]: None}).validate("x.y.z") is False, spec["name"]


# One option per kind: (values taken as that kind, values refused as the wrong type).
KINDS: dict[str, tuple[str, list[object], list[object]]] = {
    "string": ("typ", ["at+jwt"], [b"at+jwt", 1, ["at+jwt"]]),
    "strings": ("audience", ["one", ["one", "two"], ("one",), iter(["one"])], [1, [1], ["one", 2], b"x"]),
    "json": ("jwks", ['{"keys": []}', {"keys": []}], [[], 1, b"{}", {"keys": object()}]),
    "bytes": ("secret", [b"k" * 32, bytearray(b"k" * 32), "k" * 32], [1, ["k"], 1.5]),
    "number": ("leeway", [1, 1.5], [True, "1", object(), float("nan"), float("inf"), 10**400]),
    "flag": ("millisecond_timestamps", [True, False], [1, 0, "true", object()]),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_option_values_are_converted_by_their_kind(kind: str) -> None:
    name, taken, refused = KINDS[kind]
    assert {spec["name"]: spec["kind"] for spec in _native.option_specs()}[name] == kind

    def build(value: object) -> None:
        options: dict[str, object] = {"secret": SECRET, "algorithms": "HS256", name: value}
        if name == "jwks":
            del options["secret"]
        Verifier(**options)  # type: ignore[arg-type]

    for value in taken:
        try:
            build(value)
        except TokenwardError as e:
            assert not e.message.startswith(f"{name} must be"), (value, e)
    for value in refused:
        with pytest.raises(ConfigurationError) as caught:
            build(value)
        assert caught.value.message.startswith(f"{name} must be"), (value, caught.value)


def test_options_accept_one_value_or_a_list(issuer: TestIssuer) -> None:
    token = issuer.mint({"aud": "b"})
    assert Verifier(jwks_url=issuer.jwks_url, audience=("a", "b"), issuer=[issuer.url]).validate(token)
    assert not Verifier(jwks_url=issuer.jwks_url, audience="a").validate(token)


def test_jwks_is_accepted_as_dict_or_json_text(issuer: TestIssuer) -> None:
    import json

    token = issuer.mint({"aud": AUD})
    assert Verifier(jwks=issuer.jwks(), audience=AUD).verify(token)["aud"] == AUD
    assert Verifier(jwks=json.dumps(issuer.jwks()), audience=AUD).verify(token)["aud"] == AUD


def test_pem_key_verifies(issuer: TestIssuer) -> None:
    pem = issuer.public_key_pem(issuer.kids[0])
    assert pem is not None
    assert Verifier(key=pem, audience=AUD).verify(issuer.mint({"aud": AUD}))["aud"] == AUD


def test_secret_as_text_or_bytes_is_the_same_key() -> None:
    import jwt

    token = jwt.encode({"exp": 4_000_000_000}, SECRET, algorithm="HS256")
    assert Verifier(secret=SECRET, algorithms="HS256").validate(token)
    assert Verifier(secret=SECRET.decode(), algorithms="HS256").validate(token)


def test_validate_is_false_for_token_problems_but_raises_for_key_problems(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD, timeout=2, cooldown=0)
    assert verifier.validate(issuer.mint({"aud": AUD})) is True
    assert verifier.validate("garbage") is False
    down = Verifier(jwks_url=issuer.jwks_url, audience=AUD, timeout=2)
    issuer.set_behavior(status=500)
    with pytest.raises(JwksFetchFailed) as caught:
        down.validate(issuer.mint({"aud": AUD}))
    assert "500" in str(caught.value)


def test_fixed_clock_judges_expiry() -> None:
    import jwt

    token = jwt.encode({"exp": 1_000}, SECRET, algorithm="HS256")
    assert hs_verifier(now=900).validate(token)
    assert not hs_verifier(now=2_000).validate(token)


def test_refresh_loads_keys_and_stats_count_fetches(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    assert verifier.stats()["keys_loaded"] is False
    verifier.refresh()
    stats = verifier.stats()
    assert stats["keys_loaded"] is True and stats["fetches"] == 1
    verifier.verify(issuer.mint({"aud": AUD}))
    assert verifier.stats()["cache_hits"] == 1
    assert issuer.jwks_requests == 1


def test_unreachable_jwks_raises_jwks_fetch_failed() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    verifier = Verifier(jwks_url=f"http://127.0.0.1:{port}/jwks.json", timeout=2)
    with pytest.raises(JwksFetchFailed):
        verifier.verify("a.b.c")


def test_static_keys_never_report_jwks_not_loaded() -> None:
    verifier = hs_verifier()
    with pytest.raises(MalformedToken):
        verifier.verify("not-a-token")
    assert issubclass(JwksNotLoaded, JwksError)


def test_decode_unverified_reads_without_checking(issuer: TestIssuer) -> None:
    token = issuer.mint({"sub": "x", "exp": 1})
    decoded = decode_unverified(token)
    assert decoded.header["kid"] == issuer.kids[0]
    assert decoded.claims["sub"] == "x" and decoded.claims["exp"] == 1
    with pytest.raises(MalformedToken):
        decode_unverified("a.b")


def test_hostile_inputs_raise_and_never_crash() -> None:
    verifier = hs_verifier(max_token_bytes=64)
    for bad in ["", ".", "..", "a" * 100, "\x00.\x00.\x00", "é.é.é", "e30.e30.", "\ud800"]:
        with pytest.raises(InvalidToken):
            verifier.verify(bad)


def test_pytest_plugin_fixture_gives_a_running_issuer(tokenward_issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=tokenward_issuer.jwks_url, audience=AUD)
    assert verifier.verify(tokenward_issuer.mint({"aud": AUD, "sub": "p"})).subject == "p"


def test_repr_shows_the_rules() -> None:
    text = repr(Verifier(jwks_url="https://a.example/jwks", issuer="https://a.example", audience="api"))
    assert "https://a.example" in text and "api" in text


def test_minting_with_a_missing_key_raises_instead_of_crashing(issuer: TestIssuer) -> None:
    with pytest.raises(ConfigurationError, match="nope"):
        issuer.mint({}, kid="nope")
    issuer.remove_key(issuer.kids[0])
    with pytest.raises(ConfigurationError, match="no key"):
        issuer.mint({})


def test_the_core_timing_hook_is_a_private_module_function_not_a_verifier_method() -> None:
    import jwt

    verifier = hs_verifier()
    assert not hasattr(verifier, "_time_core") and not hasattr(Verifier, "_time_core")
    token = jwt.encode({"exp": 4_000_000_000}, SECRET, algorithm="HS256")
    assert _native._time_core(verifier, [token], 10) >= 0.0
    assert _native._time_core(verifier, [token, token.encode()], 10) >= 0.0
    with pytest.raises(MalformedToken):
        _native._time_core(verifier, [token, "x"], 10)
