"""Smoke test of an installed tokenward wheel: run by `make test-dist` in a
fresh virtualenv that has no Rust toolchain on PATH.

    python smoke.py EXPECTED_VERSION
"""

from __future__ import annotations

import sys
from pathlib import Path

import flask
import tokenward
from tokenward import InvalidSignature, Verifier
from tokenward.flask import Tokenward, require_token
from tokenward.testing import TestIssuer


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"smoke.py: FAILED: {what}")
    print(f"  ok  {what}")


def main() -> None:
    expected_version = sys.argv[1]
    package = Path(tokenward.__file__).parent
    check(sys.prefix in str(package), f"tokenward is imported from the virtualenv ({package})")
    check(tokenward.__version__ == expected_version, f"tokenward.__version__ == {expected_version}")
    check((package / "py.typed").is_file(), "the wheel ships py.typed")
    check((package / "_native.pyi").is_file(), "the wheel ships the _native.pyi stubs")
    check(not tokenward._native._panic_injection, "a release build: no panic-injection")

    issuer = TestIssuer(["ES256", "RS256"])
    verifier = Verifier(jwks_url=issuer.jwks_url, issuer=issuer.url, audience="my-api")
    token = issuer.mint({"sub": "user-1", "aud": "my-api"})
    claims = verifier.verify(token)
    check(claims.subject == "user-1", "a TestIssuer token verifies against its JWKS over HTTP")
    signed, signature = token.rsplit(".", 1)
    forged = f"{signed}.{signature[:5]}{'B' if signature[5] == 'A' else 'A'}{signature[6:]}"
    try:
        verifier.verify(forged)
    except InvalidSignature as error:
        check(error.code == "invalid_signature", "a tampered token is refused with invalid_signature")
    else:
        check(False, "a tampered token is refused")

    app = flask.Flask(__name__)
    Tokenward(app, verifier)

    @app.get("/me")
    @require_token()
    def me() -> dict[str, str]:
        return {"user": flask.g.claims.subject}

    client = app.test_client()
    refused = client.get("/me")
    check(
        refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer"),
        "Flask: no token -> 401 with WWW-Authenticate: Bearer",
    )
    answered = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    check(
        answered.status_code == 200 and answered.get_json() == {"user": "user-1"},
        "Flask: a valid token -> 200 with the claims' subject",
    )


if __name__ == "__main__":
    main()
