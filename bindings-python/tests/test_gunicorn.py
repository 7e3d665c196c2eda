"""gunicorn --preload: keys fetched in the parent, then workers forked; each
worker must still fetch (its own runtime) and verify."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from tokenward import Verifier
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


def serve(app: str, env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *extra,
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--chdir",
        str(APPS),
        app,
    ]
    server = subprocess.Popen(
        command, env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base}/whoami", timeout=2)
            return server, base
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "gunicorn did not start"
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            time.sleep(0.1)


def answers_from_both_workers(base: str, token: str) -> list[dict[str, object]]:
    bodies: dict[object, dict[str, object]] = {}
    with ThreadPoolExecutor(8) as pool:
        for _ in range(20):
            for r in pool.map(
                lambda _: requests.get(
                    f"{base}/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=10
                ),
                range(16),
            ):
                assert r.status_code == 200, r.text
                bodies[r.json()["pid"]] = r.json()
            if len(bodies) == 2:
                return list(bodies.values())
    raise AssertionError(f"only workers {list(bodies)} answered")


def test_workers_started_from_a_key_snapshot_verify_without_fetching(tmp_path: Path) -> None:
    issuer = TestIssuer()
    env = {"TOKENWARD_TEST_JWKS_URL": issuer.jwks_url, "TOKENWARD_TEST_SNAPSHOT": str(tmp_path / "keys.json")}
    server, base = serve("snapshot_app:app", env, "-c", str(APPS / "snapshot_conf.py"))
    try:
        token = issuer.mint({"sub": "warm", "aud": AUD})
        for body in answers_from_both_workers(base, token):
            assert body["sub"] == "warm" and body["fresh"] is True
        assert issuer.jwks_requests == 1, "only the master fetched; both workers started warm"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_workers_refetch_once_the_snapshots_keys_expire(tmp_path: Path) -> None:
    issuer = TestIssuer()
    warm = Verifier(jwks_url=issuer.jwks_url)
    warm.warm_up()
    snapshot = json.loads(warm.export_keys())
    snapshot["fetched_at"] -= 700
    snapshot["fresh_until"] = snapshot["fetched_at"] + 600
    (tmp_path / "keys.json").write_text(json.dumps(snapshot))
    env = {"TOKENWARD_TEST_JWKS_URL": issuer.jwks_url, "TOKENWARD_TEST_SNAPSHOT": str(tmp_path / "keys.json")}
    server, base = serve("snapshot_app:app", env, "-c", str(APPS / "snapshot_conf.py"))
    try:
        answers_from_both_workers(base, issuer.mint({"sub": "cold", "aud": AUD}))
        assert issuer.jwks_requests == 3, "the test's fetch, then one per worker: the snapshot had expired"
    finally:
        server.terminate()
        server.wait(timeout=10)
