"""The two apps `load.py` puts under load: the same `GET /me`, one protected
by tokenward's Flask decorator, one by PyJWT's `PyJWKClient` and
`jwt.decode`. Both read the issuer from the environment that `load.py` sets:
LOAD_JWKS_URL, LOAD_ISSUER, LOAD_AUDIENCE."""

from __future__ import annotations

import os
from typing import Any

import jwt
from flask import Flask, g, request

ALGORITHMS = ["ES256", "RS256"]


def tokenward_app() -> Flask:
    from tokenward import Verifier
    from tokenward.flask import Tokenward, require_token

    app = Flask("tokenward-load")
    verifier = Verifier(
        jwks_url=os.environ["LOAD_JWKS_URL"],
        issuer=os.environ["LOAD_ISSUER"],
        audience=os.environ["LOAD_AUDIENCE"],
        algorithms=ALGORITHMS,
    )
    Tokenward(app, verifier)

    @app.get("/me")
    @require_token()
    def me() -> dict[str, Any]:
        return {"sub": g.claims.subject}

    return app


def pyjwt_app() -> Flask:
    """PyJWT as its documentation shows it, with its key cache on: the key
    set fetched once and each key parsed once (cache_keys)."""
    app = Flask("pyjwt-load")
    jwks = jwt.PyJWKClient(os.environ["LOAD_JWKS_URL"], cache_keys=True)
    issuer, audience = os.environ["LOAD_ISSUER"], os.environ["LOAD_AUDIENCE"]

    @app.get("/me")
    def me() -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return {"error": "missing token"}, 401, {"WWW-Authenticate": "Bearer"}
        try:
            key = jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=audience, issuer=issuer)
        except jwt.PyJWTError as e:
            return {"error": "invalid_token", "message": str(e)}, 401, {"WWW-Authenticate": "Bearer"}
        return {"sub": claims["sub"]}

    return app
