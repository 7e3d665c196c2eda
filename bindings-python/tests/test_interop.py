"""Interop with PyJWT both ways: tokens it mints verify here, ours verify there."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from tokenward import InvalidSignature, Verifier
from tokenward.testing import TestIssuer

from .conftest import AUD

CLAIMS = {"sub": "user-1", "aud": AUD, "iss": "https://issuer.example", "exp": 4_000_000_000}


def private_key(alg: str) -> object:
    if alg.startswith(("RS", "PS")):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[alg]
    return ec.generate_private_key(curve)


@pytest.mark.parametrize("alg", ["RS256", "RS512", "PS256", "ES256", "ES384", "ES512", "EdDSA"])
def test_tokens_minted_by_pyjwt_verify_with_the_pem_key(alg: str) -> None:
    key = private_key(alg)
    pem = (
        key.public_key()
        .public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )
    token = jwt.encode(CLAIMS, key, algorithm=alg)  # type: ignore[arg-type]
    claims = Verifier(key=pem, issuer="https://issuer.example", audience=AUD).verify(token)
    assert claims == CLAIMS


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_tokens_minted_by_pyjwt_verify_with_the_jwk(alg: str) -> None:
    key = private_key(alg)
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))  # type: ignore[attr-defined]
    jwk["kid"] = "k1"
    token = jwt.encode(CLAIMS, key, algorithm=alg, headers={"kid": "k1"})  # type: ignore[arg-type]
    assert Verifier(jwks={"keys": [jwk]}, audience=AUD).verify(token)["sub"] == "user-1"


def test_hs256_tokens_minted_by_pyjwt_verify_with_the_secret() -> None:
    secret = b"s" * 32
    token = jwt.encode(CLAIMS, secret, algorithm="HS256")
    assert Verifier(secret=secret, algorithms=["HS256"], audience=AUD).verify(token) == CLAIMS
    forged = jwt.encode(CLAIMS, b"t" * 32, algorithm="HS256")
    with pytest.raises(InvalidSignature):
        Verifier(secret=secret, algorithms=["HS256"], audience=AUD).verify(forged)


@pytest.mark.parametrize("alg", ["RS256", "PS384", "ES256", "ES512", "EdDSA"])
def test_test_issuer_tokens_verify_in_pyjwt(alg: str) -> None:
    issuer = TestIssuer([alg])
    token = issuer.mint({"sub": "user-2", "aud": AUD})
    client = jwt.PyJWKClient(issuer.jwks_url)
    signing_key = client.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=[alg], audience=AUD, issuer=issuer.url)
    assert claims["sub"] == "user-2"
    assert Verifier(jwks_url=issuer.jwks_url, audience=AUD).verify(token) == claims
