"""Threads, asyncio, and the shared key cache."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from typing import Any

import pytest
from tokenward import Claims, InvalidAudience, JwksFetchFailed, Verifier
from tokenward.testing import TestIssuer

from .conftest import AUD


def test_eight_threads_verifying_at_once_all_get_correct_results() -> None:
    issuer = TestIssuer(["RS256", "ES256"])
    rs, es = issuer.kids
    verifier = Verifier(jwks_url=issuer.jwks_url, issuer=issuer.url, audience=AUD)
    good = {
        f"user-{i}": issuer.mint({"sub": f"user-{i}", "aud": AUD}, kid=rs if i % 2 else es) for i in range(8)
    }
    bad = issuer.mint({"sub": "intruder", "aud": "elsewhere"})
    errors: list[str] = []
    start = threading.Barrier(8)

    def work(i: int) -> None:
        start.wait()
        for _ in range(300):
            if verifier.verify(good[f"user-{i}"]).subject != f"user-{i}":
                errors.append(f"thread {i}: wrong subject")
            try:
                verifier.verify(bad)
                errors.append(f"thread {i}: accepted a token for another audience")
            except InvalidAudience:
                pass

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert issuer.jwks_requests == 1


def test_two_hundred_concurrent_verify_async_on_a_cold_cache_make_one_fetch() -> None:
    issuer = TestIssuer()
    issuer.set_behavior(delay=0.2)
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    tokens = [issuer.mint({"sub": f"u{i}", "aud": AUD}) for i in range(200)]

    async def main() -> list[Claims]:
        return await asyncio.gather(*(verifier.verify_async(t) for t in tokens))

    results = asyncio.run(main())
    assert [c.subject for c in results] == [f"u{i}" for i in range(200)]
    assert issuer.jwks_requests == 1


def test_verify_async_raises_the_token_error_after_a_fetch() -> None:
    issuer = TestIssuer()
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    with pytest.raises(InvalidAudience):
        asyncio.run(verifier.verify_async(issuer.mint({"aud": "other"})))


def test_verify_async_with_held_keys_answers_without_another_fetch() -> None:
    issuer = TestIssuer()
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    verifier.refresh()
    claims = asyncio.run(verifier.verify_async(issuer.mint({"aud": AUD, "sub": "warm"})))
    assert claims.subject == "warm" and issuer.jwks_requests == 1


def test_verify_async_reports_a_failed_fetch() -> None:
    issuer = TestIssuer()
    issuer.set_behavior(status=503)
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    with pytest.raises(JwksFetchFailed):
        asyncio.run(verifier.verify_async(issuer.mint({"aud": AUD})))


def test_cancelled_verify_async_does_not_disturb_the_loop() -> None:
    issuer = TestIssuer()
    issuer.set_behavior(delay=0.3)
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    token = issuer.mint({"aud": AUD})
    problems: list[object] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: problems.append(ctx))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(verifier.verify_async(token), 0.05)
        await asyncio.sleep(0.5)  # the fetch completes after the cancellation
        assert (await verifier.verify_async(token))["aud"] == AUD

    asyncio.run(main())
    assert problems == []


def test_verify_async_whose_loop_closed_before_the_fetch_ended_reports_nothing(
    capfd: pytest.CaptureFixture[str],
) -> None:
    issuer = TestIssuer()
    issuer.set_behavior(delay=1)
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    token = issuer.mint({"aud": AUD})
    reported = threading.Event()
    unraisable: list[object] = []

    class Loop(asyncio.SelectorEventLoop):
        def call_soon_threadsafe(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().call_soon_threadsafe(*args, **kwargs)
            finally:
                reported.set()

    async def give_up() -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(verifier.verify_async(token), 0.01)

    hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        loop = Loop()
        loop.run_until_complete(give_up())
        loop.close()
        assert reported.wait(30), "the fetch never reported back"
        time.sleep(0.5)  # lets the fetch thread finish the callback it is in
    finally:
        sys.unraisablehook = hook
    assert unraisable == []
    assert capfd.readouterr().err == ""


def test_event_loop_keeps_running_while_a_fetch_is_slow() -> None:
    issuer = TestIssuer()
    issuer.set_behavior(delay=1.0)
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def main() -> None:
        task = asyncio.create_task(ticker())
        await verifier.verify_async(issuer.mint({"aud": AUD}))
        task.cancel()

    asyncio.run(main())
    # A blocked loop runs the ticker no more than once: a few ticks show it ran
    # meanwhile, without asking how many fit in a second on a busy machine.
    assert ticks >= 3, f"the loop ticked only {ticks} times while a 1 s fetch was pending"


def test_blocking_verify_releases_the_interpreter_during_a_fetch() -> None:
    issuer = TestIssuer()
    issuer.set_behavior(delay=0.3)
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    counted = 0
    done = threading.Event()

    def count() -> None:
        nonlocal counted
        while not done.is_set():
            counted += 1

    counter = threading.Thread(target=count)
    counter.start()
    verifier.verify(issuer.mint({"aud": AUD}))
    done.set()
    counter.join()
    assert counted > 1000, "another thread could not run while verify waited for keys"
