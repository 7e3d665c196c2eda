"""gunicorn --preload: keys fetched in the parent, then workers forked; each
worker must still fetch (its own runtime) and verify."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from tokenward.testing import TestIssuer

from .conftest import AUD

APPS = Path(__file__).parent / "apps"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_preloaded_app_verifies_in_both_forked_workers() -> None:
    issuer = TestIssuer()
    port = free_port()
    env = dict(os.environ, TOKENWARD_TEST_JWKS_URL=issuer.jwks_url)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--preload",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--chdir",
            str(APPS),
            "preload_app:app",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/whoami", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                time.sleep(0.1)
        assert issuer.jwks_requests == 1, "the parent fetched once before forking"
        # A new key: each worker learns it through its own fetch, after the fork.
        kid = issuer.rotate("EdDSA")
        token = issuer.mint({"sub": "forked", "aud": AUD}, kid=kid)

        def call(_: int) -> tuple[int, dict[str, object]]:
            r = requests.get(f"{base}/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=10)
            return r.status_code, r.json()

        pids: set[object] = set()
        with ThreadPoolExecutor(8) as pool:
            for _ in range(10):
                for status, body in pool.map(call, range(16)):
                    assert status == 200, body
                    assert body["sub"] == "forked"
                    pids.add(body["pid"])
                if len(pids) == 2:
                    break
        assert len(pids) == 2, f"only workers {pids} answered"
        assert issuer.jwks_requests >= 3
        refused = requests.get(f"{base}/whoami", headers={"Authorization": "Bearer x.y.z"}, timeout=10)
        assert refused.status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
