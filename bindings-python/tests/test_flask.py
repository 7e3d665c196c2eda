"""tokenward.flask over real HTTP: every token location and failure mode."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask, g, jsonify, request
from tokenward import Verifier
from tokenward.flask import Tokenward, require_token
from tokenward.testing import TestIssuer
from werkzeug.serving import make_server

from .conftest import AUD


def serve(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def make_app(issuer: TestIssuer) -> Flask:
    app = Flask("tokenward-test")
    Tokenward(app, Verifier(jwks_url=issuer.jwks_url, issuer=issuer.url, audience=AUD, timeout=2, cooldown=0))

    def me() -> Any:
        return jsonify(sub=g.claims.subject, token_len=len(g.token))

    app.add_url_rule("/me", "me", require_token()(me))
    app.add_url_rule("/cookie", "cookie", require_token(header=False, cookie="session")(me))
    app.add_url_rule(
        "/cotter", "cotter", require_token(json_path="oauth_token.access_token")(me), methods=["POST"]
    )
    app.add_url_rule("/secuuth", "secuuth", require_token(json_path="accessToken")(me), methods=["POST"])
    app.add_url_rule("/admin", "admin", require_token(scopes=["admin"])(me))
    app.add_url_rule("/login-page", "login", require_token(login_url="/login?from=app")(me))

    @app.get("/maybe")
    @require_token(optional=True)
    def maybe() -> Any:
        return jsonify(sub=g.claims.subject if g.claims else None)

    @app.get("/async")
    @require_token()
    async def async_view() -> Any:
        return jsonify(sub=g.claims.subject)

    return app


@pytest.fixture
def issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture
def base(issuer: TestIssuer) -> Iterator[str]:
    yield from serve(make_app(issuer))


def good(issuer: TestIssuer, **claims: Any) -> str:
    return issuer.mint({"sub": "user-1", "aud": AUD, **claims})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_bearer_header_puts_claims_on_g(base: str, issuer: TestIssuer) -> None:
    r = requests.get(f"{base}/me", headers=bearer(good(issuer)))
    assert r.status_code == 200 and r.json()["sub"] == "user-1"


def test_bearer_scheme_is_case_insensitive(base: str, issuer: TestIssuer) -> None:
    r = requests.get(f"{base}/me", headers={"Authorization": f"bearer {good(issuer)}"})
    assert r.status_code == 200


def test_cookie_location(base: str, issuer: TestIssuer) -> None:
    r = requests.get(f"{base}/cookie", cookies={"session": good(issuer)})
    assert r.status_code == 200 and r.json()["sub"] == "user-1"
    assert requests.get(f"{base}/cookie", headers=bearer(good(issuer))).status_code == 401


def test_cotter_json_body_location(base: str, issuer: TestIssuer) -> None:
    payload = {
        "email": "a@example.com",
        "oauth_token": {"access_token": good(issuer), "token_type": "Bearer"},
    }
    r = requests.post(f"{base}/cotter", json=payload)
    assert r.status_code == 200 and r.json()["sub"] == "user-1"


def test_secuuth_json_body_location(base: str, issuer: TestIssuer) -> None:
    r = requests.post(
        f"{base}/secuuth", json={"accessToken": good(issuer), "idToken": "x", "refreshToken": "y"}
    )
    assert r.status_code == 200 and r.json()["sub"] == "user-1"


def test_json_path_that_is_not_a_string_counts_as_missing(base: str) -> None:
    r = requests.post(f"{base}/cotter", json={"oauth_token": {"access_token": 5}})
    assert r.status_code == 401 and r.json()["error"] == "missing_token"


def test_missing_token_is_401_with_a_bare_bearer_challenge(base: str) -> None:
    r = requests.get(f"{base}/me")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json()["error"] == "missing_token"


@pytest.mark.parametrize(
    "make_token, code",
    [
        (lambda i: good(i, exp=1_000_000), "token_expired"),
        (lambda i: good(i, aud="another-api"), "invalid_audience"),
        (lambda i: good(i, iss="https://evil.example"), "invalid_issuer"),
        (lambda i: good(i)[:-4] + "AAAA", "invalid_signature"),
        (lambda i: "not-a-jwt", "malformed"),
    ],
)
def test_bad_token_is_401_invalid_token_with_the_code(
    base: str, issuer: TestIssuer, make_token: Any, code: str
) -> None:
    r = requests.get(f"{base}/me", headers=bearer(make_token(issuer)))
    assert r.status_code == 401
    body = r.json()
    assert body["error"] == "invalid_token" and body["code"] == code and body["message"]
    challenge = r.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer error="invalid_token", error_description="')
    assert challenge.count('"') == 4, "the description must not break the quoting"


def test_missing_scope_is_403_insufficient_scope(base: str, issuer: TestIssuer) -> None:
    r = requests.get(f"{base}/admin", headers=bearer(good(issuer, scope="read write")))
    assert r.status_code == 403
    assert r.json()["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]
    assert 'scope="admin"' in r.headers["WWW-Authenticate"]
    assert requests.get(f"{base}/admin", headers=bearer(good(issuer, scope="read admin"))).status_code == 200


def test_optional_auth_lets_anonymous_in_but_not_bad_tokens(base: str, issuer: TestIssuer) -> None:
    assert requests.get(f"{base}/maybe").json() == {"sub": None}
    assert requests.get(f"{base}/maybe", headers=bearer(good(issuer))).json() == {"sub": "user-1"}
    assert requests.get(f"{base}/maybe", headers=bearer(good(issuer, exp=5))).status_code == 401


def test_login_url_redirects_instead_of_401(base: str, issuer: TestIssuer) -> None:
    r = requests.get(f"{base}/login-page?tab=1", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?from=app&next=/login-page%3Ftab%3D1"
    assert (
        requests.get(f"{base}/login-page", headers=bearer(good(issuer)), allow_redirects=False).status_code
        == 200
    )


def test_unreachable_keys_give_503_with_retry_after(base: str, issuer: TestIssuer) -> None:
    issuer.set_behavior(status=500)
    r = requests.get(f"{base}/me", headers=bearer(good(issuer)))
    assert r.status_code == 503 and r.json()["code"] == "keys_unavailable"
    assert r.headers["Retry-After"] == "30"


def test_the_503_answer_says_the_keys_are_unavailable_and_names_no_url(base: str, issuer: TestIssuer) -> None:
    issuer.set_behavior(status=500)
    r = requests.get(f"{base}/me", headers=bearer(good(issuer)))
    assert r.status_code == 503
    assert r.json()["message"] == "the signing keys are unavailable; try again later"
    assert "127.0.0.1" not in r.text and "well-known" not in r.text


def test_a_json_body_nested_too_deeply_to_parse_is_401_missing_token(base: str) -> None:
    body = "[" * 30_000 + "]" * 30_000  # under the 64 KiB body limit
    r = requests.post(f"{base}/cotter", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and r.json()["error"] == "missing_token"


def test_a_double_quoted_cookie_value_is_unquoted(base: str, issuer: TestIssuer) -> None:
    r = requests.get(f"{base}/cookie", headers={"Cookie": f'session="{good(issuer)}"'})
    assert r.status_code == 200 and r.json()["sub"] == "user-1"


@pytest.mark.parametrize("value", ["%E0%A4%A", "%", "%ZZ.%00.%ff", "a%2Eb%2Ec"])
def test_a_badly_encoded_cookie_value_is_401_not_500(base: str, value: str) -> None:
    r = requests.get(f"{base}/cookie", headers={"Cookie": f"session={value}"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"


def test_g_token_header_is_the_verified_header(issuer: TestIssuer) -> None:
    app = Flask("large-tokens")
    Tokenward(app, Verifier(jwks_url=issuer.jwks_url, audience=AUD, max_token_bytes=65536))

    @app.get("/header")
    @require_token()
    def header() -> Any:
        assert g.token_header is g.claims.header
        return jsonify(g.token_header)

    token = issuer.mint({"aud": AUD, "padding": "x" * 30_000}, header={"typ": "at+jwt"})
    for url in serve(app):
        r = requests.get(f"{url}/header", headers=bearer(token))
        assert r.status_code == 200
        assert r.json() == {"alg": "ES256", "typ": "at+jwt", "kid": issuer.kids[0]}


def test_async_view_is_protected(base: str, issuer: TestIssuer) -> None:
    assert requests.get(f"{base}/async").status_code == 401
    assert requests.get(f"{base}/async", headers=bearer(good(issuer))).json() == {"sub": "user-1"}


def test_init_app_builds_the_verifier_from_config(issuer: TestIssuer) -> None:
    app = Flask("configured")
    app.config["TOKENWARD_VERIFIER"] = {"jwks_url": issuer.jwks_url, "audience": AUD}
    extension = Tokenward(realm="example")
    extension.init_app(app)

    @app.get("/me")
    @require_token()
    def me() -> Any:
        return jsonify(sub=g.claims.subject)

    for url in serve(app):
        assert requests.get(f"{url}/me", headers=bearer(good(issuer))).json() == {"sub": "user-1"}
        challenge = requests.get(f"{url}/me", headers=bearer("x.y.z")).headers["WWW-Authenticate"]
        assert challenge.startswith('Bearer realm="example", error="invalid_token"')


def test_the_view_can_still_read_the_body_the_token_was_read_from(issuer: TestIssuer) -> None:
    app = Flask("body")
    Tokenward(app, Verifier(jwks_url=issuer.jwks_url, audience=AUD))

    @app.post("/login")
    @require_token(header=False, json_path="oauth_token.access_token")
    def login() -> Any:
        return jsonify(sub=g.claims.subject, id_token=request.get_json()["oauth_token"]["id_token"])

    body = {"oauth_token": {"access_token": good(issuer), "id_token": "idt"}}
    for url in serve(app):
        assert requests.post(f"{url}/login", json=body).json() == {"sub": "user-1", "id_token": "idt"}


def test_max_body_bytes_bounds_the_body_read_for_the_token(issuer: TestIssuer) -> None:
    app = Flask("small-body")
    Tokenward(app, Verifier(jwks_url=issuer.jwks_url, audience=AUD), max_body_bytes=1024)

    @app.post("/login")
    @require_token(json_path="accessToken")
    def login() -> Any:
        return jsonify(sub=g.claims.subject)

    for url in serve(app):
        r = requests.post(f"{url}/login", json={"accessToken": good(issuer), "pad": "x" * 2000})
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
        chunked = iter([json.dumps({"accessToken": good(issuer), "pad": "x" * 2000}).encode()])
        r = requests.post(f"{url}/login", data=chunked, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_claim_checks_refuse_with_403_insufficient_claims(issuer: TestIssuer) -> None:
    app = Flask("claims")
    Tokenward(app, Verifier(jwks_url=issuer.jwks_url, audience=AUD))

    @app.get("/admin")
    @require_token(claims=[{"includes": "realm_access.roles", "values": ["admin"]}])
    def admin() -> Any:
        return jsonify(sub=g.claims.subject)

    for url in serve(app):
        admin_token = good(issuer, realm_access={"roles": ["admin"]})
        assert requests.get(f"{url}/admin", headers=bearer(admin_token)).status_code == 200
        r = requests.get(f"{url}/admin", headers=bearer(good(issuer, realm_access={"roles": ["user"]})))
        assert r.status_code == 403 and r.json()["code"] == "claim_check_failed"
        assert 'error="insufficient_claims"' in r.headers["WWW-Authenticate"]


def test_an_unknown_setting_fails_when_the_view_is_decorated() -> None:
    with pytest.raises(TypeError):
        require_token(cookies="session")
