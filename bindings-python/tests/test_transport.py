"""How key sets are reached from Python: the CAs trusted over TLS (``ca_file``,
``ca_only``) and proxies (the ``proxy`` option and ``HTTPS_PROXY``), against a
TestIssuer serving https with its own CA and a CONNECT proxy run by the test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tokenward import ConfigurationError, JwksFetchFailed, Verifier
from tokenward.testing import TestIssuer

AUD = "my-api"


class ConnectProxy:
    """Tunnels ``CONNECT host:port`` requests and counts them."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.targets: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def connects(self) -> int:
        return len(self.targets)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            byte = client.recv(1)
            if not byte:
                return client.close()
            head += byte
        method, target, _ = head.decode("latin-1").split(" ", 2)
        if method != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return client.close()
        self.targets.append(target)
        host, port = target.rsplit(":", 1)
        server = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()
        self._pipe(server, client)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def https_issuer() -> TestIssuer:
    return TestIssuer(["ES256"], tls=True)


@pytest.fixture
def ca_file(https_issuer: TestIssuer, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    path.write_text(https_issuer.ca_pem or "")
    return str(path)


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    running = ConnectProxy()
    yield running
    running.close()


def token(issuer: TestIssuer) -> str:
    return issuer.mint({"sub": "user-1", "aud": AUD})


def test_the_test_issuer_serves_https_with_a_ca_of_its_own(https_issuer: TestIssuer) -> None:
    assert https_issuer.url.startswith("https://127.0.0.1:")
    assert (https_issuer.ca_pem or "").startswith("-----BEGIN CERTIFICATE-----")
    assert TestIssuer().ca_pem is None


def test_keys_come_over_tls_from_a_server_whose_ca_is_in_ca_file(
    https_issuer: TestIssuer, ca_file: str
) -> None:
    verifier = Verifier(jwks_url=https_issuer.jwks_url, audience=AUD, ca_file=ca_file)
    assert verifier.verify(token(https_issuer)).subject == "user-1"


def test_an_untrusted_certificate_is_jwks_fetch_failed_naming_the_problem(https_issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=https_issuer.jwks_url, audience=AUD)
    with pytest.raises(JwksFetchFailed, match="invalid peer certificate: UnknownIssuer"):
        verifier.verify(token(https_issuer))


def test_ca_only_with_an_unrelated_ca_refuses_the_server(https_issuer: TestIssuer, tmp_path: Path) -> None:
    unrelated = tmp_path / "unrelated.pem"
    unrelated.write_text(TestIssuer(tls=True).ca_pem or "")
    verifier = Verifier(jwks_url=https_issuer.jwks_url, audience=AUD, ca_file=str(unrelated), ca_only=True)
    with pytest.raises(JwksFetchFailed, match="UnknownIssuer"):
        verifier.verify(token(https_issuer))


def test_a_ca_file_without_a_certificate_is_refused_by_the_constructor(
    https_issuer: TestIssuer, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    with pytest.raises(ConfigurationError, match=r"empty\.pem"):
        Verifier(jwks_url=https_issuer.jwks_url, ca_file=str(empty))


def test_the_proxy_option_tunnels_the_fetch(
    https_issuer: TestIssuer, ca_file: str, proxy: ConnectProxy
) -> None:
    verifier = Verifier(jwks_url=https_issuer.jwks_url, audience=AUD, ca_file=ca_file, proxy=proxy.url)
    assert verifier.verify(token(https_issuer)).subject == "user-1"
    assert proxy.targets == [https_issuer.url.removeprefix("https://")]


# The child reports and leaves without interpreter shutdown (os._exit): what
# is under test is how the fetch travels, not how a process exits.
CHILD = """
import os, sys
from tokenward import Verifier
jwks_url, ca_file, token, proxy = sys.argv[1:5]
options = {"proxy": proxy} if proxy else {}
verifier = Verifier(jwks_url=jwks_url, audience="my-api", ca_file=ca_file, **options)
print(verifier.verify(token).subject, flush=True)
os._exit(0)
"""


def run_child(issuer: TestIssuer, ca_file: str, env: dict[str, str], proxy: str = "") -> str:
    """Verifies a token in a fresh interpreter with ``env`` as its proxy
    environment (proxy variables are process-wide, so never set here)."""
    names = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")
    base = {k: v for k, v in os.environ.items() if k.upper() not in names}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, issuer.jwks_url, ca_file, token(issuer), proxy],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    return child.stdout.strip()


def test_https_proxy_from_the_environment_tunnels_the_fetch(
    https_issuer: TestIssuer, ca_file: str, proxy: ConnectProxy
) -> None:
    assert run_child(https_issuer, ca_file, {"HTTPS_PROXY": proxy.url}) == "user-1"
    assert proxy.connects == 1


def test_lowercase_https_proxy_is_honoured_too(
    https_issuer: TestIssuer, ca_file: str, proxy: ConnectProxy
) -> None:
    assert run_child(https_issuer, ca_file, {"https_proxy": proxy.url}) == "user-1"
    assert proxy.connects == 1


def test_no_proxy_keeps_a_host_direct(https_issuer: TestIssuer, ca_file: str, proxy: ConnectProxy) -> None:
    assert run_child(https_issuer, ca_file, {"HTTPS_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"}) == "user-1"
    assert proxy.connects == 0


def test_the_proxy_option_wins_over_the_environment(
    https_issuer: TestIssuer, ca_file: str, proxy: ConnectProxy
) -> None:
    # The environment names a proxy nobody listens on (port 9, discard).
    env = {"HTTPS_PROXY": "http://127.0.0.1:9"}
    assert run_child(https_issuer, ca_file, env, proxy=proxy.url) == "user-1"
    assert proxy.connects == 1
