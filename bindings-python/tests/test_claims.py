"""Claims: a dict whose helpers are the core's readers, and whose header is the one verified."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import pickle
from datetime import datetime, timezone

import pytest
from tokenward import Claims, Verifier
from tokenward.testing import TestIssuer

from .conftest import AUD

EXP = 4_000_000_000
EXPIRES = datetime(2096, 10, 2, 7, 6, 40, tzinfo=timezone.utc)


def test_expires_at_of_a_millisecond_token_is_read_in_milliseconds(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD, millisecond_timestamps=True)
    claims = verifier.verify(issuer.mint({"aud": AUD, "exp": EXP * 1000, "iat": 1_700_000_000_500}))
    assert claims["exp"] == EXP * 1000, "the dict keeps the value as sent"
    assert claims.expires_at == EXPIRES
    assert claims.issued_at == datetime(2023, 11, 14, 22, 13, 20, 500_000, tzinfo=timezone.utc)


def test_a_time_outside_datetime_range_reads_as_none(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    claims = verifier.verify(issuer.mint({"aud": AUD, "iat": -1e15}))
    assert claims["iat"] == -1e15
    assert claims.issued_at is None
    assert claims.expires_at is not None


def test_header_is_the_verified_one_even_past_the_default_size_limit(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD, max_token_bytes=65536)
    token = issuer.mint({"aud": AUD, "padding": "x" * 30_000}, header={"typ": "at+jwt"})
    claims = verifier.verify(token)
    assert claims.header == {"alg": "ES256", "typ": "at+jwt", "kid": issuer.kids[0]}
    assert claims.header is claims.header


def test_helpers_read_the_token_as_verified_not_later_changes_to_the_dict(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    claims = verifier.verify(issuer.mint({"aud": AUD, "sub": "user-1", "scope": "read", "exp": EXP}))
    claims["sub"] = "admin"
    claims["scope"] = "read admin"
    claims["exp"] = EXP * 2
    assert claims.subject == "user-1"
    assert claims.scopes == ["read"]
    assert claims.expires_at == EXPIRES


def test_claims_built_by_hand_are_read_by_the_same_rules() -> None:
    claims = Claims({"sub": "u", "iss": "i", "aud": "a", "exp": EXP * 1000, "scp": "x y"})
    assert (claims.subject, claims.issuer, claims.audience, claims.scopes) == ("u", "i", ["a"], ["x", "y"])
    assert claims.expires_at == EXPIRES
    assert claims.header == {}
    claims["sub"] = "v"
    assert claims.subject == "v", "hand-built claims are read as they are now"


def test_claims_built_by_hand_with_values_json_cannot_hold_never_raise() -> None:
    looped: dict[str, object] = {}
    looped["self"] = looped
    deep: list[object] = []
    for _ in range(10_000):
        deep = [deep]
    claims = Claims(
        {"exp": datetime.now(), "iat": float("nan"), "sub": 5, "aud": deep, "loop": looped, 1: "x"}
    )
    assert claims.expires_at is None and claims.issued_at is None
    assert claims.subject is None and claims.audience == [] and claims.scopes == []
    assert Claims({"exp": True, "iat": 10**30}).expires_at is None
    assert Claims({"iat": 10**30}).issued_at is None


def test_claims_stay_a_dict_that_json_pickle_and_copy_keep_with_its_header(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    claims = verifier.verify(issuer.mint({"aud": AUD, "sub": "user-1", "exp": EXP}))
    assert isinstance(claims, dict)
    assert json.loads(json.dumps(claims)) == claims
    for again in (pickle.loads(pickle.dumps(claims)), copy.copy(claims), copy.deepcopy(claims)):
        assert type(again) is Claims and again == claims
        assert again.header == claims.header and again.header["kid"] == issuer.kids[0]
        assert again.subject == "user-1" and again.expires_at == EXPIRES


SECRET = b"k" * 32
# Payloads as a signer may write them: spacing, escapes, non-ASCII text,
# every kind of number, nesting, empty containers, quotes past the first
# eight bytes of a string.
PAYLOADS = [
    '{ "exp" : 4000000000 ,\n\t"sub":"spaced" \r\n}',
    '{"exp":4000000000,"name":"Zo\\u00eb \\"Z\\" \\\\ \\/ \\b\\f\\n\\r\\t","emoji":"\\ud83d\\ude00",'
    '"raw":"Zoë 😀 中文","k\\u00e9y":"escaped name"}',
    '{"exp":4000000000,"n":[-1,0,7,1.5,-2.5e-3,1E2,4e-1,18446744073709551615,18446744073709551616,'
    "9223372036854775808,-9223372036854775808]}",
    '{"exp":4000000000,"deep":{"a":[{"b":[[],{}]}],"c":{"d":{"e":[true,false,null]}}},"t":true,'
    '"f":false,"z":null,"e":"","es":[],"eo":{}}',
    '{"exp":4000000000,"a":"x","b":"0123456789abcdefghij\\"k","c":"0123456\\\\","d":"01234567"}',
]


def hs256(payload: str, header: str = '{"alg": "HS256", "typ": "JWT"}') -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(header.encode())}.{b64(payload.encode())}"
    signature = hmac.new(SECRET, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_claims_are_the_signed_json_with_its_members_in_signed_order(payload: str) -> None:
    verifier = Verifier(secret=SECRET, algorithms=["HS256"])
    token = hs256(payload, header='{"alg" : "HS256",\n "typ": "JWT", "x5t#S256": "\\u00e9"}')
    expected = json.loads(payload)
    for _ in range(5):  # the first verifications, then cache hits
        claims = verifier.verify(token)
        assert claims == expected and list(claims) == list(expected)
    assert claims.header == {"alg": "HS256", "typ": "JWT", "x5t#S256": "é"}
    assert verifier.stats()["token_cache"]["hits"] == 3


def test_numbers_read_as_the_core_reads_them_integers_beyond_64_bits_as_floats() -> None:
    verifier = Verifier(secret=SECRET, algorithms=["HS256"])
    claims = verifier.verify(hs256(PAYLOADS[2]))
    assert [type(n) for n in claims["n"]] == [int, int, int, float, float, float, float, int, float, int, int]


def test_tokens_laid_out_alike_are_each_read_as_written() -> None:
    # Same names in the same order, values that begin alike or change type,
    # more layouts than the verifier keeps, each token verified once.
    values = [
        "1",
        "12",
        "1.5",
        "1e1",
        "-1",
        '"1"',
        '"12"',
        '"1\\"2"',
        "[1]",
        "[1,2]",
        '{"a":1}',
        "true",
        "null",
    ]
    layouts = [
        '{{"exp":4000000000,"v":{v},"sub":"s{i}"}}',
        '{{"exp":4000000000,"v":{v},"sub":"s{i}","x":[{v}]}}',
        '{{ "exp": 4000000000, "v": {v}, "sub": "s{i}" }}',
        '{{"v":{v},"exp":4000000000,"sub":"s{i}"}}',
        '{{"exp":4000000000,"sub":"s{i}","v":{v}}}',
        '{{"exp":4000000000,"sub":"s{i}"}}',
    ]
    verifier = Verifier(secret=SECRET, algorithms=["HS256"])
    for i, (value, layout) in enumerate((v, layout) for v in values * 2 for layout in layouts):
        payload = layout.format(v=value, i=i)
        claims = verifier.verify(hs256(payload))
        expected = json.loads(payload)
        assert claims == expected and list(claims) == list(expected), payload
        assert [type(v) for v in claims.values()] == [type(v) for v in expected.values()], payload
