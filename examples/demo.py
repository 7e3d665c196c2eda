"""`make demo`: the seed flow end to end, against all five example backends.

A TestIssuer on 127.0.0.1 plays the provider (keys, JWKS, discovery, token
minting). The Flask, FastAPI, Express, Fastify and axum backends start on free ports with
their own SQLite files, and the provider's frontend is played by the
requests below: log in twice (creating, then finding, the user), use the
session, then try tokens that must be refused. Exits non-zero if any step
goes differently.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

import requests
from tokenward.testing import TestIssuer

ROOT = Path(__file__).resolve().parent.parent
AUDIENCE = "my-api"
CLIENT_ID = "my-client"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def backends() -> dict[str, list[str]]:
    return {
        "flask-login": [sys.executable, str(ROOT / "examples/flask-login/app.py")],
        "fastapi-login": [sys.executable, str(ROOT / "examples/fastapi-login/app.py")],
        "express-login": ["node", str(ROOT / "examples/express-login/app.js")],
        "fastify-login": ["node", str(ROOT / "examples/fastify-login/app.js")],
        "rust-axum": [str(ROOT / "target/debug/tokenward-example-axum")],
    }


def start(
    name: str, command: list[str], provider: TestIssuer, workdir: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(
        os.environ,
        PORT=str(port),
        DATABASE=str(workdir / f"{name}.db"),
        TOKENWARD_ISSUER=provider.url,
        TOKENWARD_AUDIENCE=AUDIENCE,
        TOKENWARD_CLIENT_ID=CLIENT_ID,
    )
    log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {(workdir / f'{name}.log').read_text()}")
        try:
            requests.get(f"{base}/session", timeout=1)
            return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not start within 60 s")


def code_of(response: requests.Response) -> str:
    try:
        code = str(response.json().get("code", ""))
    except ValueError:
        return "-"
    # Node spells codes ERR_TOKEN_EXPIRED; Python and Rust token_expired.
    return code.lower().removeprefix("err_")


class Walk:
    def __init__(self, name: str, base: str, provider: TestIssuer, stranger: TestIssuer) -> None:
        self.name, self.base, self.provider, self.stranger = name, base, provider, stranger
        self.browser = requests.Session()
        self.failures = 0

    def step(self, title: str, check: Callable[[], Optional[str]]) -> None:
        try:
            problem = check()
        except Exception as e:  # a crash in a step is a failed step, not a crashed demo
            problem = f"{type(e).__name__}: {e}"
        mark = "ok  " if problem is None else "FAIL"
        print(f"  {mark} {title}" + ("" if problem is None else f"\n         {problem}"))
        self.failures += problem is not None

    def tokens(self, sub: str = "alice", **access: Any) -> tuple[str, str]:
        access_token = self.provider.mint({"sub": sub, "aud": AUDIENCE, "scope": "profile", **access})
        id_token = self.provider.mint({"sub": sub, "aud": CLIENT_ID, "email": f"{sub}@example.com"})
        return access_token, id_token

    def cotter(self, access_token: str, id_token: str) -> dict[str, Any]:
        return {
            "email": "alice@example.com",
            "oauth_token": {"access_token": access_token, "id_token": id_token, "token_type": "Bearer"},
            "user": {"ID": "cotter-user-id", "identifier": "alice@example.com"},
        }

    def expect_refused(self, title: str, payload: dict[str, Any], status: int, code: str) -> None:
        def check() -> Optional[str]:
            r = requests.post(f"{self.base}/login", json=payload, timeout=10)
            if (r.status_code, code_of(r)) != (status, code):
                return f"expected {status} {code}, got {r.status_code} {code_of(r)}: {r.text[:200]}"
            return None

        self.step(f"{title:<44} -> {status} {code}", check)

    def run(self) -> int:
        print(f"\n{self.name}  ({self.base})")
        user_id: dict[str, Any] = {}

        def first_login() -> Optional[str]:
            r = self.browser.post(f"{self.base}/login", json=self.cotter(*self.tokens()), timeout=10)
            body = r.json()
            if r.status_code != 200 or body.get("created") is not True:
                return f"expected 200 and created, got {r.status_code} {body}"
            user_id["id"] = body["user"]["id"]
            return None

        self.step("first login (Cotter payload) creates the user", first_login)

        def second_login() -> Optional[str]:
            access_token, id_token = self.tokens()
            payload = {"accessToken": access_token, "idToken": id_token, "refreshToken": "opaque"}
            r = self.browser.post(f"{self.base}/login", json=payload, timeout=10)
            body = r.json()
            if (
                r.status_code != 200
                or body.get("created") is not False
                or body["user"]["id"] != user_id.get("id")
            ):
                return f"expected 200, not created, user {user_id.get('id')}; got {r.status_code} {body}"
            return None

        self.step("second login (Secuuth payload) finds the same user", second_login)

        def me() -> Optional[str]:
            r = self.browser.get(f"{self.base}/me", timeout=10)
            if r.status_code != 200 or r.json()["user"]["subject"] != "alice":
                return f"expected 200 for alice, got {r.status_code} {r.text[:200]}"
            return None

        self.step("GET /me with the access-token cookie", me)

        def session() -> Optional[str]:
            r = self.browser.get(f"{self.base}/session", timeout=10)
            if r.status_code != 200 or r.json()["user"]["id"] != user_id.get("id"):
                return f"expected 200 for the same user, got {r.status_code} {r.text[:200]}"
            return None

        self.step("GET /session with the app's own session cookie", session)

        access_token, id_token = self.tokens()
        head, _, signature = access_token.split(".")
        forged_claims = self.provider.mint({"sub": "admin", "aud": AUDIENCE}).split(".")[1]
        self.expect_refused(
            "an expired access token", self.cotter(*self.tokens(exp=1_000_000)), 401, "token_expired"
        )
        self.expect_refused(
            "a tampered access token (sub changed to admin)",
            self.cotter(f"{head}.{forged_claims}.{signature}", id_token),
            401,
            "invalid_signature",
        )
        self.expect_refused(
            "an access token for another audience",
            self.cotter(*self.tokens(aud="someone-else")),
            401,
            "invalid_audience",
        )
        # Our issuer's name, another issuer's key: a kid the provider never published.
        foreign = self.stranger.mint({"sub": "alice", "aud": AUDIENCE, "iss": self.provider.url})
        self.expect_refused(
            "a token from another issuer",
            self.cotter(self.tokens(iss="https://other-issuer.example")[0], id_token),
            401,
            "invalid_issuer",
        )
        self.expect_refused(
            "a token signed by a key we never published", self.cotter(foreign, id_token), 401, "key_not_found"
        )

        def body_email_ignored() -> Optional[str]:
            access_token = self.provider.mint({"sub": "mallory", "aud": AUDIENCE})
            id_token = self.provider.mint({"sub": "mallory", "aud": CLIENT_ID})
            payload = self.cotter(access_token, id_token)  # its "email" is alice's
            r = requests.post(f"{self.base}/login", json=payload, timeout=10)
            if r.status_code != 200 or r.json()["user"]["email"] is not None:
                return f"expected 200 and no email, got {r.status_code} {r.text[:200]}"
            return None

        self.step("the posted email is ignored; only verified claims count", body_email_ignored)

        def malformed_sid() -> Optional[str]:
            r = requests.get(f"{self.base}/session", headers={"Cookie": "sid=%E0%A4%A"}, timeout=10)
            if r.status_code != 401:
                return f"expected 401, got {r.status_code} {r.text[:200]}"
            return None

        self.step("a malformed session cookie is no session (401)", malformed_sid)

        def logout() -> Optional[str]:
            r = self.browser.post(f"{self.base}/logout", timeout=10)
            after = self.browser.get(f"{self.base}/session", timeout=10)
            if r.status_code != 200 or after.status_code != 401:
                return f"expected logout 200 then /session 401, got {r.status_code} then {after.status_code}"
            return None

        self.step("POST /logout, after which /session is 401", logout)
        return self.failures


def main() -> int:
    provider = TestIssuer(["ES256"])
    stranger = TestIssuer(["RS256"])
    print(f"provider (TestIssuer): {provider.url}  keys {provider.kids}")
    failures = 0
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="tokenward-demo-") as tmp:
        try:
            for name, command in backends().items():
                try:
                    process, base = start(name, command, provider, Path(tmp))
                except RuntimeError as e:
                    print(f"\n{name}\n  FAIL could not start: {e}")
                    failures += 1
                    continue
                processes.append(process)
                failures += Walk(name, base, provider, stranger).run()
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=10)
    print(f"\n{'all steps passed' if failures == 0 else f'{failures} step(s) failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
