"""The Python apps `run.py` serves (gunicorn and uvicorn load them from here).

- `flask_example()`, `fastapi_example()`: the example backends of
  examples/flask-login and examples/fastapi-login, unchanged, configured
  from the environment as their `__main__` blocks are.
- `flask_pyjwt()`, `fastapi_pyjwt()`: the same `GET /me` on the stack an app
  would otherwise pick: PyJWT's `PyJWKClient` + `jwt.decode` (ES256, issuer,
  audience), then the same SQLite lookup against the same schema and the
  same answer, so that both sides of a row do the same work but the
  verification.

Environment (set by run.py): DATABASE, TOKENWARD_ISSUER, TOKENWARD_AUDIENCE,
TOKENWARD_CLIENT_ID, and for the PyJWT apps JWKS_URL.
"""

# No `from __future__ import annotations`: FastAPI reads the route annotations at
# run time, and they name a dependency that exists only inside fastapi_pyjwt.
import importlib.util
import os
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import jwt

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"


def _example(directory: str) -> ModuleType:
    """examples/<directory>/app.py as a module of its own name (both are called app.py)."""
    spec = importlib.util.spec_from_file_location(
        directory.replace("-", "_"), EXAMPLES / directory / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _settings() -> dict[str, Any]:
    return {
        "issuer": os.environ["TOKENWARD_ISSUER"],
        "audience": os.environ["TOKENWARD_AUDIENCE"],
        "client_id": os.environ["TOKENWARD_CLIENT_ID"],
        "database": os.environ["DATABASE"],
    }


def flask_example() -> Any:
    return _example("flask-login").create_app(**_settings())


def fastapi_example() -> Any:
    return _example("fastapi-login").create_app(**_settings())


class PyJwtCheck:
    """PyJWT as its documentation shows it: the key set fetched by
    `PyJWKClient` (its JWK-set cache on, and cache_keys for parsed keys)."""

    def __init__(self) -> None:
        self.jwks = jwt.PyJWKClient(os.environ["JWKS_URL"], cache_keys=True)
        self.issuer = os.environ["TOKENWARD_ISSUER"]
        self.audience = os.environ["TOKENWARD_AUDIENCE"]

    def claims(self, authorization: str) -> dict[str, Any]:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise jwt.InvalidTokenError("no bearer token")
        key = self.jwks.get_signing_key_from_jwt(token)
        return jwt.decode(token, key.key, algorithms=["ES256"], audience=self.audience, issuer=self.issuer)


def _user_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "subject": row["subject"], "email": row["email"]}


def _scopes(claims: dict[str, Any]) -> list[str]:
    scope = claims.get("scope")
    return scope.split() if isinstance(scope, str) else []


def flask_pyjwt() -> Any:
    from flask import Flask, g, jsonify, request

    app = Flask("flask-pyjwt")
    check = PyJwtCheck()
    database = os.environ["DATABASE"]

    @app.teardown_appcontext
    def close_db(_: object) -> None:
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    @app.get("/me")
    def me() -> Any:
        try:
            claims = check.claims(request.headers.get("Authorization", ""))
        except jwt.PyJWTError as e:
            body = jsonify(error="invalid_token", message=str(e))
            return body, 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        # As the example does: one connection a request (flask's g), closed at teardown.
        g.db = sqlite3.connect(database)
        g.db.row_factory = sqlite3.Row
        row = g.db.execute("SELECT * FROM users WHERE subject = ?", (claims["sub"],)).fetchone()
        if row is None:
            return jsonify(error="unknown_user", code="unknown_user", message="log in first"), 404
        return jsonify(user=_user_json(row), scopes=_scopes(claims))

    return app


def fastapi_pyjwt() -> Any:
    from fastapi import Depends, FastAPI, HTTPException, Request
    from fastapi.responses import JSONResponse

    app = FastAPI()
    check = PyJwtCheck()
    database = os.environ["DATABASE"]

    # A plain `def` dependency, as PyJWT's calls block (a key fetch may be one):
    # FastAPI runs it in its thread pool, as it runs the example's `def` route.
    def signed_in(request: Request) -> dict[str, Any]:
        try:
            return check.claims(request.headers.get("authorization", ""))
        except jwt.PyJWTError as e:
            raise HTTPException(401, {"error": "invalid_token", "message": str(e)}) from e

    @app.get("/me")
    def me(claims: Annotated[dict[str, Any], Depends(signed_in)]) -> JSONResponse:
        conn = sqlite3.connect(database)
        try:
            conn.row_factory = sqlite3.Row
            row = conn.execute("SELECT * FROM users WHERE subject = ?", (claims["sub"],)).fetchone()
        finally:
            conn.close()
        if row is None:
            body = {"error": "unknown_user", "code": "unknown_user", "message": "log in first"}
            return JSONResponse(body, status_code=404)
        return JSONResponse({"user": _user_json(row), "scopes": _scopes(claims)})

    return app
