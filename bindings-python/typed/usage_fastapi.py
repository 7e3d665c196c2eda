"""Typed usage of tokenward.fastapi, checked with `mypy --strict` (make lint)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Optional

from fastapi import Depends, FastAPI
from tokenward import Claims, Verifier
from tokenward.fastapi import RequireToken, TokenRefused, install

verifier = Verifier(jwks_url="https://issuer.example/.well-known/jwks.json", audience="my-api")
app = FastAPI()
install(app)

profile = RequireToken(verifier, scopes=["profile"], realm="api")
admin = RequireToken(verifier, claims=[{"includes": "realm_access.roles", "values": ["admin"]}])
cotter = RequireToken(verifier, header=False, json_path="oauth_token.access_token", max_body_bytes=32_768)
anyone = RequireToken(verifier, optional=True, cookie="access_token", login_url="/signin")


@app.get("/me")
async def me(claims: Annotated[Claims, Depends(profile)]) -> dict[str, Optional[str]]:
    return {"sub": claims.subject}


@app.get("/admin")
async def admin_only(claims: Annotated[Claims, Depends(admin)]) -> dict[str, list[str]]:
    return {"scopes": claims.scopes}


@app.post("/login")
async def login(claims: Annotated[Claims, Depends(cotter)]) -> dict[str, Any]:
    return dict(claims)


@app.get("/maybe")
async def maybe(claims: Annotated[Optional[Claims], Depends(anyone)]) -> dict[str, Optional[str]]:
    return {"sub": claims.subject if claims is not None else None}


def describe(refused: TokenRefused) -> tuple[int, str, str, Optional[Mapping[str, str]]]:
    return refused.status_code, refused.code, refused.body, refused.headers
