"""A process forked while another thread's key fetch is in flight (gunicorn
--preload with a warm-up thread, a worker that forks) can still verify."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from tokenward import TokenwardError, Verifier
from tokenward.testing import TestIssuer

from .conftest import AUD

HANG_GUARD = 30.0


def wait_for_child(pid: int) -> int:
    """The child's exit status; kills it and fails if it runs past the hang guard."""
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"the forked child still had no answer after {HANG_GUARD} s")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() in a threaded process
def test_a_child_forked_during_another_threads_fetch_verifies_without_hanging(issuer: TestIssuer) -> None:
    issuer.set_behavior(delay=3)
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD, timeout=5)
    token = issuer.mint({"aud": AUD, "sub": "child"})
    fetching = threading.Thread(target=verifier.validate, args=(token,))
    fetching.start()
    while issuer.jwks_requests == 0:  # the fork must land while that fetch is in flight
        time.sleep(0.01)
    time.sleep(0.5)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_end)
            try:
                outcome = f"claims:{verifier.verify(token).subject}"
            except TokenwardError as e:
                outcome = f"error:{e.code}"
            os.write(write_end, f"child answered {outcome}".encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        try:
            status = wait_for_child(pid)
            said = pipe.read().decode()
        finally:
            fetching.join()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, said)
    assert said.startswith("child answered "), said
