"""tokenward.fastapi over real HTTP (uvicorn): what the shared table does not cover."""

import json
import threading
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

import requests
from fastapi import Depends, FastAPI, Request
from tokenward import Claims, ConfigurationError, Verifier
from tokenward.fastapi import RequireToken, install
from tokenward.testing import TestIssuer

from .conftest import AUD
from .test_http_table import serve_fastapi


def make_app(verifier: Verifier, *, installed: bool = True) -> FastAPI:
    app = FastAPI()
    if installed:
        install(app)
    profile = RequireToken(verifier, scopes=["profile"])
    cotter = RequireToken(verifier, header=False, json_path="oauth_token.access_token")

    @app.get("/me")
    async def me(claims: Annotated[Claims, Depends(profile)]) -> Any:
        return {"sub": claims.subject}

    @app.post("/login")
    async def login(claims: Annotated[Claims, Depends(cotter)], request: Request) -> Any:
        body = json.loads(await request.body())
        return {"sub": claims.subject, "id_token": body["oauth_token"]["id_token"]}

    @app.get("/open")
    async def open_route() -> Any:
        return {"ok": True}

    return app


@pytest.fixture
def verifier(issuer: TestIssuer) -> Verifier:
    return Verifier(jwks_url=issuer.jwks_url, issuer=issuer.url, audience=AUD, timeout=5, cooldown=0)


@pytest.fixture
def base(verifier: Verifier) -> Iterator[str]:
    for host, port in serve_fastapi(make_app(verifier)):
        yield f"http://{host}:{port}"


def test_the_refusal_body_is_the_cores_json_exactly(base: str) -> None:
    r = requests.get(f"{base}/me")
    assert r.status_code == 401
    assert r.json() == {
        "error": "missing_token",
        "code": "missing_token",
        "message": "this request needs a bearer token",
    }
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_without_install_the_status_and_challenge_still_hold(verifier: Verifier) -> None:
    for host, port in serve_fastapi(make_app(verifier, installed=False)):
        r = requests.get(f"http://{host}:{port}/me")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json()["detail"]["code"] == "missing_token"


def test_the_route_can_still_read_a_body_the_token_was_read_from(base: str, issuer: TestIssuer) -> None:
    token = issuer.mint({"sub": "user-1", "aud": AUD})
    r = requests.post(f"{base}/login", json={"oauth_token": {"access_token": token, "id_token": "idt"}})
    assert r.status_code == 200 and r.json() == {"sub": "user-1", "id_token": "idt"}


def test_a_key_fetch_does_not_block_the_event_loop(base: str, issuer: TestIssuer) -> None:
    issuer.set_behavior(delay=3.0)
    token = issuer.mint({"sub": "user-1", "aud": AUD, "scope": "profile"})
    order: list[str] = []

    def slow() -> None:
        r = requests.get(f"{base}/me", headers={"Authorization": f"Bearer {token}"})
        order.append(f"me {r.status_code}")

    thread = threading.Thread(target=slow)
    thread.start()
    while issuer.requests("/.well-known/jwks.json") == 0:
        threading.Event().wait(0.01)
    assert requests.get(f"{base}/open").json() == {"ok": True}
    order.append("open")
    thread.join()
    assert order == ["open", "me 200"]


def test_openapi_documents_the_bearer_scheme_and_the_refusals(verifier: Verifier) -> None:
    for host, port in serve_fastapi(make_app(verifier)):
        schema = requests.get(f"http://{host}:{port}/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token: `Authorization: Bearer <token>`.",
    }
    me = schema["paths"]["/me"]["get"]
    assert me["security"] == [{"HTTPBearer": []}]
    assert {"401", "403", "503"} <= set(me["responses"])
    assert "401" not in schema["paths"]["/open"]["get"]["responses"]


def test_bad_settings_raise_configuration_error_when_the_dependency_is_built(verifier: Verifier) -> None:
    with pytest.raises(ConfigurationError, match="json_path"):
        RequireToken(verifier, json_path="a..b")
    with pytest.raises(ConfigurationError):
        RequireToken(verifier, header=False)
