"""The Flask example over real HTTP, against a TestIssuer acting as the provider."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from app import create_app
from tokenward.testing import TestIssuer
from werkzeug.serving import make_server

AUDIENCE = "my-api"
CLIENT_ID = "my-client"


@pytest.fixture
def issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "users.db")


@pytest.fixture
def base(issuer: TestIssuer, database: str) -> Iterator[str]:
    app = create_app(issuer=issuer.url, audience=AUDIENCE, client_id=CLIENT_ID, database=database)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def tokens(issuer: TestIssuer, sub: str = "user-1", **access: Any) -> tuple[str, str]:
    access_token = issuer.mint({"sub": sub, "aud": AUDIENCE, "scope": "profile", **access})
    id_token = issuer.mint({"sub": sub, "aud": CLIENT_ID, "email": f"{sub}@example.com"})
    return access_token, id_token


def cotter(access_token: str, id_token: str) -> dict[str, Any]:
    return {
        "email": "user-1@example.com",
        "oauth_token": {"access_token": access_token, "id_token": id_token, "token_type": "Bearer"},
        "user": {"ID": "abcdefgh", "identifier": "user-1@example.com"},
    }


def test_first_login_creates_the_user_and_the_second_finds_them(
    base: str, issuer: TestIssuer, database: str
) -> None:
    first = requests.post(f"{base}/login", json=cotter(*tokens(issuer)))
    assert first.status_code == 200
    assert first.json()["created"] is True
    second = requests.post(f"{base}/login", json=cotter(*tokens(issuer)))
    assert second.json()["created"] is False
    assert second.json()["user"] == first.json()["user"]
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT subject, email FROM users").fetchall() == [
            ("user-1", "user-1@example.com")
        ]


def test_secuuth_payload_logs_in_too(base: str, issuer: TestIssuer) -> None:
    access_token, id_token = tokens(issuer, sub="user-2")
    r = requests.post(
        f"{base}/login", json={"accessToken": access_token, "idToken": id_token, "refreshToken": "r"}
    )
    assert r.status_code == 200 and r.json()["user"]["subject"] == "user-2"


def test_both_session_cookies_authorise_later_requests(base: str, issuer: TestIssuer) -> None:
    browser = requests.Session()
    assert browser.post(f"{base}/login", json=cotter(*tokens(issuer))).status_code == 200
    me = browser.get(f"{base}/me")
    assert me.status_code == 200 and me.json()["user"]["subject"] == "user-1"
    assert me.json()["scopes"] == ["profile"]
    session = browser.get(f"{base}/session")
    assert session.status_code == 200 and session.json()["user"]["subject"] == "user-1"


def test_logout_ends_both_sessions(base: str, issuer: TestIssuer) -> None:
    browser = requests.Session()
    browser.post(f"{base}/login", json=cotter(*tokens(issuer)))
    stolen_sid = browser.cookies["sid"]
    assert browser.post(f"{base}/logout").status_code == 200
    assert browser.get(f"{base}/me").status_code == 401
    assert browser.get(f"{base}/session").status_code == 401
    assert requests.get(f"{base}/session", cookies={"sid": stolen_sid}).status_code == 401


def test_me_without_a_session_is_401_with_a_challenge(base: str) -> None:
    r = requests.get(f"{base}/me")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "change, code",
    [
        ({"exp": 1_000_000}, "token_expired"),
        ({"aud": "another-api"}, "invalid_audience"),
        ({"iss": "https://other-issuer.example"}, "invalid_issuer"),
    ],
)
def test_bad_access_tokens_are_refused(
    base: str, issuer: TestIssuer, change: dict[str, Any], code: str
) -> None:
    r = requests.post(f"{base}/login", json=cotter(*tokens(issuer, **change)))
    assert r.status_code == 401 and r.json()["code"] == code


def test_tampered_access_token_is_refused(base: str, issuer: TestIssuer) -> None:
    access_token, id_token = tokens(issuer)
    head, _, sig = access_token.split(".")
    forged = issuer.mint({"sub": "admin", "aud": AUDIENCE}).split(".")[1]
    r = requests.post(f"{base}/login", json=cotter(f"{head}.{forged}.{sig}", id_token))
    assert r.status_code == 401 and r.json()["code"] == "invalid_signature"


def test_id_token_must_be_addressed_to_the_client(base: str, issuer: TestIssuer) -> None:
    access_token, _ = tokens(issuer)
    id_for_api = issuer.mint({"sub": "user-1", "aud": AUDIENCE})
    r = requests.post(f"{base}/login", json=cotter(access_token, id_for_api))
    assert r.status_code == 401 and r.json()["code"] == "invalid_audience"


def test_tokens_about_different_users_are_refused(base: str, issuer: TestIssuer) -> None:
    access_token, _ = tokens(issuer, sub="user-1")
    _, other_id = tokens(issuer, sub="user-9")
    r = requests.post(f"{base}/login", json=cotter(access_token, other_id))
    assert r.status_code == 401 and r.json()["code"] == "subject_mismatch"


def test_payload_without_tokens_is_400(base: str) -> None:
    assert requests.post(f"{base}/login", json={"email": "x@example.com"}).status_code == 400
    assert requests.post(f"{base}/login", data="not json").status_code == 400


@pytest.mark.parametrize(
    "id_email, access_email, stored",
    [
        ("user-3@example.com", None, "user-3@example.com"),
        (None, "user-3@example.com", "user-3@example.com"),
        (None, None, None),
    ],
)
def test_stored_email_comes_from_verified_claims_never_from_the_posted_body(
    base: str,
    issuer: TestIssuer,
    database: str,
    id_email: Any,
    access_email: Any,
    stored: Any,
) -> None:
    access_claims = {"sub": "user-3", "aud": AUDIENCE, **({"email": access_email} if access_email else {})}
    id_claims = {"sub": "user-3", "aud": CLIENT_ID, **({"email": id_email} if id_email else {})}
    payload = cotter(issuer.mint(access_claims), issuer.mint(id_claims))
    payload["email"] = "victim@example.com"
    r = requests.post(f"{base}/login", json=payload)
    assert r.status_code == 200 and r.json()["user"]["email"] == stored
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT email FROM users WHERE subject = 'user-3'").fetchall() == [(stored,)]


MALFORMED_SESSION_COOKIES = ["%E0%A4%A", "%zz", "%", '"%"', '"unterminated', '"quoted"', ""]


@pytest.mark.parametrize("sid", MALFORMED_SESSION_COOKIES)
def test_malformed_session_cookie_is_an_unknown_session(base: str, sid: str) -> None:
    r = requests.get(f"{base}/session", headers={"Cookie": f"sid={sid}"})
    assert r.status_code == 401 and r.json()["code"] == "no_session"
    assert requests.post(f"{base}/logout", headers={"Cookie": f"sid={sid}"}).status_code == 200


def test_the_access_cookie_lives_as_long_as_the_token_or_the_browser_session_without_iat(
    base: str, issuer: TestIssuer
) -> None:
    _, id_token = tokens(issuer)
    now = int(time.time())
    timed = issuer.mint({"sub": "user-1", "aud": AUDIENCE, "iat": now, "exp": now + 600})
    r = requests.post(f"{base}/login", json=cotter(timed, id_token))
    assert "Max-Age=600" in r.headers["Set-Cookie"]
    browser = requests.Session()
    untimed = issuer.mint({"sub": "user-1", "aud": AUDIENCE, "iat": None})
    r = browser.post(f"{base}/login", json=cotter(untimed, id_token))
    access_cookie = next(c for c in r.raw.headers.getlist("Set-Cookie") if c.startswith("access_token="))
    assert "Max-Age" not in access_cookie
    assert browser.get(f"{base}/me").status_code == 200, "the cookie outlives the login response"
