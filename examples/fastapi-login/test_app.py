"""The FastAPI example over real HTTP (uvicorn), against a TestIssuer acting as the provider."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from app import create_app
from tokenward.testing import TestIssuer

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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join()
    sock.close()


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


def users(database: str) -> list[tuple[str, Any]]:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT subject, email FROM users ORDER BY id").fetchall()


def set_cookies(response: requests.Response) -> dict[str, str]:
    """Each Set-Cookie header of the response, by cookie name."""
    return {line.split("=", 1)[0]: line for line in response.raw.headers.getlist("set-cookie")}


def test_first_login_creates_the_user_and_the_second_finds_them(
    base: str, issuer: TestIssuer, database: str
) -> None:
    first = requests.post(f"{base}/login", json=cotter(*tokens(issuer)))
    assert first.status_code == 200
    assert first.json()["created"] is True
    second = requests.post(f"{base}/login", json=cotter(*tokens(issuer)))
    assert second.json()["created"] is False
    assert second.json()["user"] == first.json()["user"]
    assert users(database) == [("user-1", "user-1@example.com")]


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


def test_both_cookies_are_http_only_and_the_access_cookie_lives_as_long_as_the_token(
    base: str, issuer: TestIssuer
) -> None:
    now = int(time.time())
    access_token = issuer.mint({"sub": "user-1", "aud": AUDIENCE, "iat": now, "exp": now + 600})
    _, id_token = tokens(issuer)
    cookies = set_cookies(requests.post(f"{base}/login", json=cotter(access_token, id_token)))
    assert sorted(cookies) == ["access_token", "sid"]
    for line in cookies.values():
        assert "httponly" in line.lower() and "samesite=lax" in line.lower()
    assert "Max-Age=600" in cookies["access_token"]
    assert "Max-Age" not in cookies["sid"]


def test_access_cookie_of_a_token_without_iat_lasts_the_browser_session(
    base: str, issuer: TestIssuer
) -> None:
    browser = requests.Session()
    _, id_token = tokens(issuer)
    access_token = issuer.mint({"sub": "user-1", "aud": AUDIENCE, "iat": None})
    r = browser.post(f"{base}/login", json=cotter(access_token, id_token))
    assert r.status_code == 200 and "Max-Age" not in set_cookies(r)["access_token"]
    assert browser.get(f"{base}/me").status_code == 200


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
    assert r.json()["code"] == "missing_token"


def test_me_for_a_valid_token_of_a_user_never_logged_in_is_404(base: str, issuer: TestIssuer) -> None:
    access_token, _ = tokens(issuer, sub="stranger")
    r = requests.get(f"{base}/me", headers={"Authorization": f"Bearer {access_token}"})
    assert r.status_code == 404 and r.json()["code"] == "unknown_user"


@pytest.mark.parametrize(
    "change, code",
    [
        ({"exp": 1_000_000}, "token_expired"),
        ({"aud": "another-api"}, "invalid_audience"),
        ({"iss": "https://other-issuer.example"}, "invalid_issuer"),
    ],
)
def test_bad_access_tokens_are_refused(
    base: str, issuer: TestIssuer, database: str, change: dict[str, Any], code: str
) -> None:
    r = requests.post(f"{base}/login", json=cotter(*tokens(issuer, **change)))
    assert r.status_code == 401 and r.json() == {
        "error": "login_failed",
        "code": code,
        "message": r.json()["message"],
    }
    assert "set-cookie" not in r.headers
    assert users(database) == []


def test_tampered_access_token_is_refused(base: str, issuer: TestIssuer) -> None:
    access_token, id_token = tokens(issuer)
    head, _, sig = access_token.split(".")
    forged = issuer.mint({"sub": "admin", "aud": AUDIENCE}).split(".")[1]
    r = requests.post(f"{base}/login", json=cotter(f"{head}.{forged}.{sig}", id_token))
    assert r.status_code == 401 and r.json()["code"] == "invalid_signature"


def test_token_signed_by_a_key_the_provider_never_published_is_refused(base: str, issuer: TestIssuer) -> None:
    _, id_token = tokens(issuer)
    foreign = TestIssuer(["RS256"]).mint({"sub": "user-1", "aud": AUDIENCE, "iss": issuer.url})
    r = requests.post(f"{base}/login", json=cotter(foreign, id_token))
    assert r.status_code == 401 and r.json()["code"] == "key_not_found"


def test_id_token_must_be_addressed_to_the_client(base: str, issuer: TestIssuer) -> None:
    access_token, _ = tokens(issuer)
    id_for_api = issuer.mint({"sub": "user-1", "aud": AUDIENCE})
    r = requests.post(f"{base}/login", json=cotter(access_token, id_for_api))
    assert r.status_code == 401 and r.json()["code"] == "invalid_audience"


def test_tokens_about_different_users_are_refused(base: str, issuer: TestIssuer, database: str) -> None:
    access_token, _ = tokens(issuer, sub="user-1")
    _, other_id = tokens(issuer, sub="user-9")
    r = requests.post(f"{base}/login", json=cotter(access_token, other_id))
    assert r.status_code == 401 and r.json()["code"] == "subject_mismatch"
    assert users(database) == []


def test_tokens_without_a_subject_are_refused(base: str, issuer: TestIssuer) -> None:
    access_token = issuer.mint({"aud": AUDIENCE})
    id_token = issuer.mint({"aud": CLIENT_ID})
    r = requests.post(f"{base}/login", json=cotter(access_token, id_token))
    assert r.status_code == 401 and r.json()["code"] == "subject_mismatch"


def test_payload_without_tokens_is_400(base: str) -> None:
    r = requests.post(f"{base}/login", json={"email": "x@example.com"})
    assert r.status_code == 400 and r.json()["code"] == "missing_tokens"
    assert requests.post(f"{base}/login", data="not json").status_code == 400
    assert requests.post(f"{base}/login", json=["a", "b"]).status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_login_reads_only_a_body_declared_json(
    base: str, issuer: TestIssuer, database: str, content_type: str
) -> None:
    body = json.dumps(cotter(*tokens(issuer)))
    r = requests.post(f"{base}/login", data=body, headers={"Content-Type": content_type})
    assert r.status_code == 400 and r.json()["code"] == "missing_tokens"
    assert users(database) == []


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/ld+json"])
def test_login_reads_a_json_body_with_parameters_or_a_json_suffix(
    base: str, issuer: TestIssuer, content_type: str
) -> None:
    body = json.dumps(cotter(*tokens(issuer)))
    r = requests.post(f"{base}/login", data=body, headers={"Content-Type": content_type})
    assert r.status_code == 200 and r.json()["user"]["subject"] == "user-1"


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
    assert users(database) == [("user-3", stored)]


def test_provider_keys_unavailable_is_503(base: str, issuer: TestIssuer) -> None:
    issuer.set_behavior(status=500)
    r = requests.post(f"{base}/login", json=cotter(*tokens(issuer)))
    assert r.status_code == 503 and r.json()["code"] == "jwks_fetch_failed"


class HeldKeys:
    """The provider's JWKS served from its own 127.0.0.1 port, each fetch held until released."""

    def __init__(self, issuer: TestIssuer) -> None:
        self.arrived = threading.Semaphore(0)
        self.released = threading.Semaphore(0)
        held = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                held.arrived.release()
                held.released.acquire()
                body = json.dumps(issuer.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"

    def close(self) -> None:
        self.released.release(10)
        self.server.shutdown()
        self.server.server_close()


def test_requests_are_answered_while_a_login_waits_for_the_providers_keys(
    base: str, issuer: TestIssuer
) -> None:
    keys = HeldKeys(issuer)
    issuer.set_behavior(discovery_jwks_uri=keys.url)
    login: dict[str, requests.Response] = {}
    thread = threading.Thread(
        target=lambda: login.update(r=requests.post(f"{base}/login", json=cotter(*tokens(issuer))))
    )
    try:
        thread.start()
        # One fetch per verifier: the access token's keys, then the id token's.
        for _ in range(2):
            assert keys.arrived.acquire(timeout=30)
            # A verification that blocked the event loop would hold this answer until
            # the fetch timed out, and the login would then fail.
            assert requests.get(f"{base}/session", timeout=30).status_code == 401
            assert thread.is_alive()
            keys.released.release()
        thread.join()
    finally:
        keys.close()
    assert login["r"].status_code == 200
    assert not keys.arrived.acquire(blocking=False)


MALFORMED_SESSION_COOKIES = ["%E0%A4%A", "%zz", "%", '"%"', '"unterminated', '"quoted"', ""]


@pytest.mark.parametrize("sid", MALFORMED_SESSION_COOKIES)
def test_malformed_session_cookie_is_an_unknown_session(base: str, sid: str) -> None:
    r = requests.get(f"{base}/session", headers={"Cookie": f"sid={sid}"})
    assert r.status_code == 401 and r.json()["code"] == "no_session"
    assert requests.post(f"{base}/logout", headers={"Cookie": f"sid={sid}"}).status_code == 200
