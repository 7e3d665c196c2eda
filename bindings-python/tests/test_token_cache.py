"""The verified-token cache seen from Python: hits are counted, and a verdict
is the same with or without it (threads, a forked child, key rotation)."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from tokenward import KeyNotFound, TokenwardError, Verifier
from tokenward.testing import TestIssuer

from .conftest import AUD
from .test_fork import wait_for_child

Verdict = tuple[str, Any]


def verifier_for(issuer: TestIssuer, **options: Any) -> Verifier:
    return Verifier(jwks_url=issuer.jwks_url, issuer=issuer.url, audience=AUD, **options)


def verdict(verifier: Verifier, token: str) -> Verdict:
    """What a verification said: the claims and header, or the error code."""
    try:
        claims = verifier.verify(token)
    except TokenwardError as e:
        return ("refused", e.code)
    return ("accepted", (list(claims.items()), claims.header, claims.subject, claims.scopes))


def tampered(token: str) -> str:
    """The token with one character of its signature changed."""
    head, _, signature = token.rpartition(".")
    swapped = "B" if signature[10] == "A" else "A"
    return f"{head}.{signature[:10]}{swapped}{signature[11:]}"


def bad_tokens(issuer: TestIssuer, good: str) -> list[str]:
    return [
        tampered(good),
        issuer.mint({"aud": "elsewhere", "sub": "other-audience"}),
        issuer.mint({"aud": AUD, "sub": "expired", "exp": 1_000, "iat": 900}),
        issuer.mint({"aud": AUD, "sub": "other-issuer", "iss": "https://elsewhere.example"}),
        "not.a.token",
    ]


def token_stats(verifier: Verifier) -> dict[str, int]:
    return dict(verifier.stats()["token_cache"])


def test_a_token_verified_three_times_is_a_hit_the_third_time_with_the_claims_of_the_first(
    issuer: TestIssuer,
) -> None:
    verifier = verifier_for(issuer)
    token = issuer.mint({"aud": AUD, "sub": "user-1", "roles": ["reader"], "profile": {"lang": "nb"}})
    first = verifier.verify(token)
    verifier.verify(token)
    assert token_stats(verifier) == {"hits": 0, "misses": 2, "evictions": 0, "invalidations": 0, "entries": 1}
    third = verifier.verify(token)
    assert token_stats(verifier) == {"hits": 1, "misses": 2, "evictions": 0, "invalidations": 0, "entries": 1}
    assert third == first and list(third) == list(first)
    assert third.header == first.header
    assert (third.subject, third.issuer, third.audience) == ("user-1", issuer.url, [AUD])


def test_a_verifier_with_token_cache_size_zero_never_hits(issuer: TestIssuer) -> None:
    verifier = verifier_for(issuer, token_cache_size=0)
    token = issuer.mint({"aud": AUD, "sub": "user-1"})
    results = [verifier.verify(token) for _ in range(5)]
    assert all(claims == results[0] for claims in results)
    assert token_stats(verifier) == {"hits": 0, "misses": 0, "evictions": 0, "invalidations": 0, "entries": 0}


def test_after_the_issuer_rotates_and_refresh_runs_a_cached_token_raises_key_not_found(
    issuer: TestIssuer,
) -> None:
    verifier = verifier_for(issuer)
    token = issuer.mint({"aud": AUD, "sub": "user-1"})
    for _ in range(3):
        verifier.verify(token)
    assert token_stats(verifier)["hits"] == 1
    issuer.rotate("ES256")
    verifier.refresh()
    with pytest.raises(KeyNotFound):
        verifier.verify(token)
    stats = token_stats(verifier)
    assert stats["invalidations"] == 1 and stats["entries"] == 0 and stats["hits"] == 1
    assert verifier.verify(issuer.mint({"aud": AUD, "sub": "user-1"})).subject == "user-1"


def test_claims_from_a_cache_hit_belong_to_their_caller_alone(issuer: TestIssuer) -> None:
    verifier = verifier_for(issuer)
    token = issuer.mint({"aud": AUD, "sub": "user-1", "roles": ["reader"], "profile": {"langs": ["nb"]}})
    results = [verifier.verify(token) for _ in range(5)]
    assert token_stats(verifier)["hits"] == 3
    mine = results[-1]
    mine["roles"].append("admin")
    mine["profile"]["langs"].append("en")
    mine["sub"] = "admin"
    del mine["aud"]
    again = verifier.verify(token)
    assert again["roles"] == ["reader"] and again["profile"] == {"langs": ["nb"]}
    assert again["sub"] == "user-1" and again["aud"] == AUD
    assert again == results[0] and again.subject == "user-1"
    assert again["roles"] is not results[0]["roles"] and again["profile"] is not results[0]["profile"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() in a process with threads
def test_a_child_forked_with_a_warm_cache_gives_the_parents_verdicts(issuer: TestIssuer) -> None:
    verifier = verifier_for(issuer)
    cached = issuer.mint({"aud": AUD, "sub": "cached", "roles": ["reader"]})
    for _ in range(3):
        verifier.verify(cached)
    new = issuer.mint({"aud": AUD, "sub": "new"})
    tokens = [cached, new, *bad_tokens(issuer, cached)]
    parent = [verdict(verifier, token) for token in tokens]
    hits_at_fork = token_stats(verifier)["hits"]
    assert hits_at_fork == 2
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_end)
            child = [verdict(verifier, token) for token in tokens]
            hits = token_stats(verifier)["hits"] - hits_at_fork
            os.write(write_end, repr((child == parent, hits)).encode())
            # 0: same verdicts, the cached token a hit; 2: a verdict differs; 3: no hit.
            status = 0 if child == parent and hits == 1 else 2 if child != parent else 3
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        status = wait_for_child(pid)
        said = pipe.read().decode()
    assert os.WIFEXITED(status), status
    assert os.WEXITSTATUS(status) == 0, f"child exited {os.WEXITSTATUS(status)} (same verdicts, hits): {said}"
    assert [v[0] for v in parent] == ["accepted", "accepted"] + ["refused"] * 5


def test_eight_threads_mixing_cached_new_and_bad_tokens_agree_with_an_uncached_verifier() -> None:
    issuer = TestIssuer(["RS256", "ES256"])
    rs, es = issuer.kids
    cached = verifier_for(issuer)
    uncached = verifier_for(issuer, token_cache_size=0)
    warm = [issuer.mint({"aud": AUD, "sub": f"warm-{i}"}, kid=rs if i % 2 else es) for i in range(8)]
    for token in warm:
        cached.verify(token)
        cached.verify(token)
    fresh = {
        i: [issuer.mint({"aud": AUD, "sub": f"new-{i}-{j}", "n": [i, j]}, kid=es) for j in range(6)]
        for i in range(8)
    }
    bad = bad_tokens(issuer, warm[0]) + bad_tokens(issuer, warm[1])
    disagreements: list[str] = []
    start = threading.Barrier(8)

    def work(i: int) -> None:
        mix = warm[i:] + warm[:i] + fresh[i] + bad
        start.wait()
        for round in range(25):
            for token in mix[round % len(mix) :] + mix[: round % len(mix)]:
                expected = verdict(uncached, token)
                got = verdict(cached, token)
                if got != expected:
                    disagreements.append(f"thread {i}: {got!r} where uncached said {expected!r}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert disagreements == []
    stats = token_stats(cached)
    # A shard busy at that moment is a miss, not a wait, so the exact counts depend on timing.
    assert stats["hits"] > 0 and 0 < stats["entries"] <= len(warm) + sum(len(f) for f in fresh.values())
    assert token_stats(uncached)["hits"] == 0
