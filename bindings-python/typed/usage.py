"""Typed usage of the public API, checked with `mypy --strict` (make lint)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Optional

from flask import Flask, g
from tokenward import (
    CacheStats,
    Claims,
    ConfigurationError,
    InternalError,
    InvalidToken,
    TokenCacheStats,
    TokenExpired,
    UnverifiedToken,
    Verifier,
    decode_unverified,
)
from tokenward.flask import TokenSettings, Tokenward, require_token
from tokenward.testing import TestIssuer


def build(issuer: TestIssuer) -> Verifier:
    return Verifier(
        jwks_url=issuer.jwks_url,
        issuer=issuer.url,
        audience=["my-api", "other"],
        algorithms=["ES256"],
        leeway=30,
        max_age=3600.0,
        typ=None,
        required_claims=("exp", "sub"),
        max_token_bytes=8192,
        timeout=5,
        cache_ttl=600,
        cooldown=30,
        max_stale=86400,
        max_jwks_bytes=524288,
        token_cache_size=4096,
    )


def read(verifier: Verifier, token: str) -> Optional[str]:
    try:
        claims: Claims = verifier.verify(token)
    except TokenExpired as e:
        code: str = e.code
        claim: Optional[str] = e.claim
        print(code, claim)
        return None
    except InvalidToken:
        return None
    expires: Optional[datetime] = claims.expires_at
    scopes: list[str] = claims.scopes
    header: dict[str, Any] = claims.header
    print(expires, scopes, header, claims.audience)
    ok: bool = verifier.validate(token)
    also_ok: bool = verifier.validate(token.encode("ascii"))
    stats: CacheStats = verifier.stats()
    tokens: TokenCacheStats = stats["token_cache"]
    hits: int = tokens["hits"]
    print(ok, also_ok, stats["fetches"], stats["last_error"], hits, tokens["entries"])
    return claims.subject


async def read_async(verifier: Verifier, token: str) -> str:
    try:
        claims = await verifier.verify_async(token)
    except InternalError as e:
        raise RuntimeError(e.message) from e
    return claims["sub"]  # type: ignore[no-any-return]


def unverified(token: bytes) -> Any:
    decoded: UnverifiedToken = decode_unverified(token)
    return decoded.header.get("kid"), decoded.claims


def app(verifier: Verifier) -> Flask:
    flask_app = Flask(__name__)
    Tokenward(flask_app, verifier, cookie="session", login_url="/login")
    settings: TokenSettings = TokenSettings(json_path="oauth_token.access_token")
    print(settings)

    @flask_app.get("/me")
    @require_token(scopes=["profile"], optional=False)
    def me() -> dict[str, Any]:
        return {"sub": g.claims.subject}

    return flask_app


def providers(issuer: TestIssuer) -> Optional[str]:
    """A preset beside a plain verifier, in one verifier of two issuers."""
    auth0: Verifier = Verifier.auth0(
        domain="t.auth0.test", audience=["api"], jwks_url=issuer.jwks_url, leeway=5
    )
    both = Verifier.any_of({"auth0": auth0, "local": Verifier(jwks_url=issuer.jwks_url, issuer=issuer.url)})
    names: list[str] = both.issuer_configs
    assert names == ["auth0", "local"]
    return both.verify(issuer.mint({"sub": "u"})).issuer_config


def main() -> None:
    issuer = TestIssuer(["ES256"])
    assert providers(TestIssuer(["RS256"])) == "local"
    verifier = build(issuer)
    token = issuer.mint({"sub": "u", "aud": "my-api"}, header={"typ": "at+jwt"})
    assert read(verifier, token) == "u" and asyncio.run(read_async(verifier, token)) == "u"
    print(unverified(token.encode("ascii")))
    try:
        Verifier(secret=b"short", algorithms="HS256")
    except ConfigurationError as e:
        print(e.message)
    app(verifier)


if __name__ == "__main__":
    main()
