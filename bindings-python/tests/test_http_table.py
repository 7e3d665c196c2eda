"""The shared table of HTTP cases (tests/http/cases.json), run over real HTTP
against tokenward.flask (werkzeug's threaded server) and tokenward.fastapi
(uvicorn), with the expectations of the axum runner (core/tests/http_table.rs)."""

import base64
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import pytest
from tokenward import Claims, Verifier
from tokenward.testing import TestIssuer

TABLE = json.loads((Path(__file__).resolve().parents[2] / "tests" / "http" / "cases.json").read_text())
CASES = TABLE["cases"]

# Cases an adapter cannot answer as axum does, with the reason. None so far:
# werkzeug joins repeated headers into one WSGI value ("Bearer a,Bearer b"), so
# Flask sees one Authorization header, but that value is no single b64token,
# and the core answers it 400 invalid_request, as the table expects.
SKIPS: dict[tuple[str, str], str] = {}


def mint_all(issuer: TestIssuer) -> dict[str, str]:
    """Every token the table names, by its spec."""
    now = int(time.time())
    tokens = {}
    for name, spec in TABLE["tokens"].items():
        claims = {"aud": TABLE["audience"], "exp": now + spec.get("exp_in", 600), **spec["claims"]}
        header = {"kid": spec["kid"]} if "kid" in spec else None
        token = issuer.mint(claims, header=header)
        if spec.get("tamper"):
            signing_input, _, sig = token.rpartition(".")
            raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
            raw[0] ^= 1
            token = f"{signing_input}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"
        tokens[name] = token
    return tokens


def fill(text: str, tokens: dict[str, str]) -> str:
    """``{{name}}`` -> that token, ``{{pad:N}}`` -> N x's, a whole ``{{nest:N}}`` -> N nested arrays."""
    if text.startswith("{{nest:") and text.endswith("}}"):
        return "[" * int(text[len("{{nest:") : -2])
    out = []
    rest = text
    while "{{" in rest:
        start = rest.index("{{")
        end = rest.index("}}", start)
        name = rest[start + 2 : end]
        out.append(rest[:start])
        out.append("x" * int(name[4:]) if name.startswith("pad:") else tokens[name])
        rest = rest[end + 2 :]
    out.append(rest)
    return "".join(out)


def verifiers(issuer: TestIssuer) -> tuple[Verifier, Verifier]:
    audience = TABLE["audience"]
    verifier = Verifier(jwks_url=issuer.jwks_url, issuer=issuer.url, audience=audience)
    down = Verifier(jwks_url="http://127.0.0.1:9/.well-known/jwks.json", timeout=2, audience=audience)
    return verifier, down


def routes(issuer: TestIssuer) -> Iterator[tuple[str, Verifier, dict[str, Any]]]:
    """Each route's path, verifier and gate settings."""
    verifier, down = verifiers(issuer)
    for path, settings in TABLE["routes"].items():
        settings = dict(settings)
        chosen = down if settings.pop("keys", None) == "unreachable" else verifier
        yield path, chosen, settings


def flask_app(issuer: TestIssuer) -> Any:
    from flask import Flask, g, jsonify
    from tokenward.flask import require_token

    app = Flask("http-table")
    for path, verifier, settings in routes(issuer):

        def view() -> Any:
            return jsonify(sub=g.claims.subject if g.claims is not None else None)

        app.add_url_rule(path, path, require_token(verifier, **settings)(view), methods=["GET", "POST"])
    return app


def fastapi_app(issuer: TestIssuer) -> Any:
    from fastapi import Depends, FastAPI
    from tokenward.fastapi import RequireToken, install

    app = FastAPI()
    install(app)
    for path, verifier, settings in routes(issuer):
        dependency = RequireToken(verifier, **settings)

        async def view(claims: Annotated[Optional[Claims], Depends(dependency)]) -> Any:
            return {"sub": claims.subject if claims is not None else None}

        app.add_api_route(path, view, methods=["GET", "POST"])
    return app


def serve_flask(app: Any) -> Iterator[tuple[str, int]]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_port
    finally:
        server.shutdown()
        thread.join()


def serve_fastapi(app: Any) -> Iterator[tuple[str, int]]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield "127.0.0.1", sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


ADAPTERS: dict[str, tuple[Callable[[TestIssuer], Any], Callable[[Any], Iterator[tuple[str, int]]]]] = {
    "flask": (flask_app, serve_flask),
    "fastapi": (fastapi_app, serve_fastapi),
}


@pytest.fixture(scope="module")
def table_issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture(scope="module")
def tokens(table_issuer: TestIssuer) -> dict[str, str]:
    return mint_all(table_issuer)


@pytest.fixture(scope="module", params=list(ADAPTERS))
def server(request: pytest.FixtureRequest, table_issuer: TestIssuer) -> Iterator[tuple[str, str, int]]:
    name = request.param
    if name == "fastapi":
        pytest.importorskip("fastapi")
        pytest.importorskip("uvicorn")
    build, serve = ADAPTERS[name]
    for host, port in serve(build(table_issuer)):
        yield name, host, port


class Reply:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        raw = response.read()
        try:
            self.body: Any = json.loads(raw)
        except ValueError:
            self.body = None


def send(host: str, port: int, case: dict[str, Any], tokens: dict[str, str]) -> Reply:
    # http.client, not requests: a case may send one header name twice.
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.putrequest(case["method"], case["path"], skip_accept_encoding=True)
        for name, value in case["headers"]:
            connection.putheader(name, fill(value, tokens))
        body = fill(case["body"], tokens).encode() if "body" in case else None
        if body is not None:
            if "content_type" in case:
                connection.putheader("Content-Type", case["content_type"])
            connection.putheader("Content-Length", str(len(body)))
        connection.putheader("Connection", "close")
        connection.endheaders(body)
        return Reply(connection.getresponse())
    finally:
        connection.close()


def problems(expect: dict[str, Any], reply: Reply) -> list[str]:
    """What in ``reply`` differs from ``expect``."""
    found = []
    challenge = reply.headers.get("WWW-Authenticate")
    body = reply.body if isinstance(reply.body, dict) else {}
    if reply.status != expect["status"]:
        found.append(f"status {reply.status}, expected {expect['status']} (body {reply.body!r})")
    if "code" in expect and body.get("code") != expect["code"]:
        found.append(f"code {body.get('code')!r}, expected {expect['code']!r}")
    if "error" in expect and f'error="{expect["error"]}"' not in (challenge or ""):
        found.append(f'challenge {challenge!r} lacks error="{expect["error"]}"')
    if "challenge" in expect and challenge != expect["challenge"]:
        found.append(f"challenge {challenge!r}, expected {expect['challenge']!r}")
    for param in ("scope", "realm"):
        if param in expect and f'{param}="{expect[param]}"' not in (challenge or ""):
            found.append(f'challenge {challenge!r} lacks {param}="{expect[param]}"')
    if "challenge_max" in expect and len(challenge or "") > expect["challenge_max"]:
        found.append(f"challenge is {len(challenge or '')} bytes")
    if "location" in expect and reply.headers.get("Location") != expect["location"]:
        found.append(f"location {reply.headers.get('Location')!r}, expected {expect['location']!r}")
    if "retry_after" in expect and reply.headers.get("Retry-After") != expect["retry_after"]:
        found.append(f"retry-after {reply.headers.get('Retry-After')!r}, expected {expect['retry_after']!r}")
    if "sub" in expect and body.get("sub", "<absent>") != expect["sub"]:
        found.append(f"sub {body.get('sub', '<absent>')!r}, expected {expect['sub']!r}")
    return found


def test_the_table_has_its_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_every_http_case_gets_the_answer_axum_gives(
    server: tuple[str, str, int], tokens: dict[str, str], case: dict[str, Any]
) -> None:
    adapter, host, port = server
    reason = SKIPS.get((adapter, case["name"]))
    if reason:
        pytest.skip(reason)
    found = problems(case["expect"], send(host, port, case, tokens))
    assert not found, f"{adapter}, {case['name']}: " + "; ".join(found)
