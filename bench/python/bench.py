"""tokenward beside PyJWT, joserfc and authlib, in one process on the same tokens.

Each library gets its fastest honest path: keys parsed once, outside the
loop, and the same checks asked of all (signature, exp, iss, aud). Two
tables, µs per verify and ratios:

- unique tokens: a pool of distinct tokens per algorithm, cycled; the pool
  is larger than tokenward's default token cache, so tokenward never hits
  it (the run checks), and the others have no cache;
- repeated tokens: one token again and again (a session's access token).

Beside each, the core's own cost on the same tokens (the loop in Rust, no
Python per call) and the binding's overhead (tokenward - core). Then
threads (distinct ES256 tokens, plain threads and asyncio loops), import
time, and RSS growth over 1,000,000 distinct HS256 tokens.
Run with `make bench-python`; BENCH_SECONDS and BENCH_POOL scale it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import hashlib
import hmac
import io
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import jwt as pyjwt
import tokenward
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jwk as jose_jwk
from joserfc import jwt as jose_jwt
from tokenward import _native

# authlib.jose announces its own deprecation on import, past any warning filter.
with contextlib.redirect_stderr(io.StringIO()):
    from authlib.jose import JsonWebKey as AuthlibKey
    from authlib.jose import JsonWebToken as AuthlibJWT

ISS = "https://issuer.example"
AUD = "my-api"
NOW = int(time.time())
HS_SECRET = b"0123456789abcdef0123456789abcdef"
TARGET_SECONDS = float(os.environ.get("BENCH_SECONDS", "0.4"))
# Twice the default token cache: cycled, no token is still cached when it comes round again.
POOL = int(os.environ.get("BENCH_POOL", "8192"))
PEERS = ("PyJWT", "joserfc", "authlib")


def claims(i: int) -> dict[str, Any]:
    """An access token's claims: each token its own user and issue time."""
    issued = NOW - i % 600
    return {
        "sub": f"user-{i}",
        "iss": ISS,
        "aud": AUD,
        "iat": issued,
        "exp": issued + 3600,
        "email": f"user-{i}@example.com",
        "scope": "openid profile email",
    }


def keys() -> dict[str, tuple[Any, bytes]]:
    """alg -> (private key, public PEM) or the secret twice."""
    out: dict[str, tuple[Any, bytes]] = {}
    pem = serialization.Encoding.PEM
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    rs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    out["RS256"] = (rs, rs.public_key().public_bytes(pem, spki))
    es = ec.generate_private_key(ec.SECP256R1())
    out["ES256"] = (es, es.public_key().public_bytes(pem, spki))
    ed = ed25519.Ed25519PrivateKey.generate()
    out["EdDSA"] = (ed, ed.public_key().public_bytes(pem, spki))
    out["HS256"] = (HS_SECRET, HS_SECRET)
    return out


def sign(alg: str, private: Any, i: int) -> str:
    return pyjwt.encode(claims(i), private, algorithm=alg, headers={"kid": "k1"})


def tokenward_verifier(alg: str, public: bytes) -> tokenward.Verifier:
    if alg == "HS256":
        return tokenward.Verifier(secret=public, algorithms=["HS256"], issuer=ISS, audience=AUD)
    return tokenward.Verifier(key=public.decode(), algorithms=[alg], issuer=ISS, audience=AUD)


def peers(alg: str, public: bytes) -> dict[str, Callable[[str], Any]]:
    """Each peer's verify(token), keys parsed once."""
    if alg == "HS256":
        pyjwt_key: Any = public
        jose_key = jose_jwk.OctKey.import_key(public)
        authlib_key = AuthlibKey.import_key(public, {"kty": "oct"})
    else:
        pyjwt_key = serialization.load_pem_public_key(public)
        kty = {"EdDSA": "OKP", "RS256": "RSA"}.get(alg, "EC")
        jose_key = jose_jwk.import_key(public, kty)
        authlib_key = AuthlibKey.import_key(public)
    registry = jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISS}, aud={"essential": True, "value": AUD}
    )
    jose_algs = ["Ed25519" if alg == "EdDSA" else alg, alg]
    authlib_jwt = AuthlibJWT([alg])
    authlib_options = {"iss": {"essential": True, "value": ISS}, "aud": {"essential": True, "value": AUD}}

    def with_pyjwt(token: str) -> Any:
        return pyjwt.decode(token, pyjwt_key, algorithms=[alg], audience=AUD, issuer=ISS)

    def with_joserfc(token: str) -> Any:
        decoded = jose_jwt.decode(token, jose_key, algorithms=jose_algs)
        registry.validate(decoded.claims)
        return decoded.claims

    def with_authlib(token: str) -> Any:
        decoded = authlib_jwt.decode(token, authlib_key, claims_options=authlib_options)
        decoded.validate()
        return decoded

    return {"PyJWT": with_pyjwt, "joserfc": with_joserfc, "authlib": with_authlib}


Runner = Callable[[int], float]


def cycling(verify: Callable[[str], Any], tokens: list[str]) -> Runner:
    """Seconds for n calls of verify over tokens, cycled (C iterators: no Python
    per step). Each run goes on where the last one stopped: the stream is one
    cycle, so no token comes round again sooner than the pool's length."""
    stream = itertools.cycle(tokens)

    def run(n: int) -> float:
        calls = itertools.islice(stream, n)
        start = time.perf_counter()
        for token in calls:
            verify(token)
        return time.perf_counter() - start

    return run


def in_core(verifier: tokenward.Verifier, tokens: list[str]) -> Runner:
    """The same stream as `cycling`, verified in a loop inside Rust."""
    at = 0

    def run(n: int) -> float:
        nonlocal at
        rotated = tokens[at:] + tokens[:at]
        at = (at + n) % len(tokens)
        return _native._time_core(verifier, rotated, n)

    return run


def measure(runners: dict[str, Runner]) -> dict[str, float]:
    """µs per call for each contender: five rounds, each running every
    contender in turn, keeping each one's best round. Interleaving spreads
    the machine's noise over all columns instead of landing on one."""
    sizes = {}
    for name, run in runners.items():
        n = 1
        while (elapsed := run(n)) <= TARGET_SECONDS / 20:
            n *= 4
        sizes[name] = max(1, int(n * (TARGET_SECONDS / 5) / elapsed))
    best = dict.fromkeys(runners, float("inf"))
    for _ in range(5):
        for name, run in runners.items():
            best[name] = min(best[name], run(sizes[name]) / sizes[name] * 1e6)
    return best


def binding_overhead(ours: Runner, core: Runner, runs: int = 31) -> float:
    """µs tokenward spends per call beyond the core: the best of many short
    runs of each, taking turns, one minus the other. (Two best long rounds
    differ by the machine's noise when a signature check takes 50 µs and
    the overhead 1; short runs are often untouched by it, and the best of
    many finds them.)"""
    n = 1
    while core(n) <= TARGET_SECONDS / 100:
        n *= 2
    best_ours = best_core = float("inf")
    for _ in range(runs):
        best_ours = min(best_ours, ours(n) / n * 1e6)
        best_core = min(best_core, core(n) / n * 1e6)
    return best_ours - best_core


def same_verdicts(verifier: tokenward.Verifier, others: dict[str, Callable[[str], Any]], token: str) -> None:
    expected = dict(verifier.verify(token))
    for name, verify in others.items():
        assert dict(verify(token)) == expected, name


def table(title: str, rows: dict[str, dict[str, float]], note: str) -> None:
    print(f"\n{title}: µs per verify (best of 5 interleaved rounds); ratio = other / tokenward")
    print(f"{note}; binding = tokenward - core (each the best of 31 short runs, taking turns)")
    header = f"{'alg':<6} {'tokenward':>9} {'core':>7} {'binding':>7} " + " ".join(f"{p:>8}" for p in PEERS)
    header += " " + " ".join(f"{'x' + p:>8}" for p in PEERS)
    print(header)
    for alg, t in rows.items():
        ours = t["tokenward"]
        line = f"{alg:<6} {ours:>9.2f} {t['core']:>7.2f} {t['binding']:>7.2f} "
        line += " ".join(f"{t[p]:>8.2f}" for p in PEERS) + " "
        line += " ".join(f"{t[p] / ours:>8.1f}" for p in PEERS)
        print(line)


def per_call_floor() -> float:
    """µs per step of the timing loop calling a no-op C function: Python's own
    cost per call, which every figure above includes and the core's does not."""
    return measure({"floor": cycling(len, ["x"])})["floor"]


def unique_and_repeated() -> None:
    unique: dict[str, dict[str, float]] = {}
    repeated: dict[str, dict[str, float]] = {}
    hits_while_unique = 0
    for alg, (private, public) in keys().items():
        pool = [sign(alg, private, i) for i in range(POOL)]
        others = peers(alg, public)
        same_verdicts(tokenward_verifier(alg, public), others, pool[0])
        ours = tokenward_verifier(alg, public)
        core = tokenward_verifier(alg, public)  # its own cache, so the two never warm each other

        def hits(ours: tokenward.Verifier = ours, core: tokenward.Verifier = core) -> int:
            return ours.stats()["token_cache"]["hits"] + core.stats()["token_cache"]["hits"]

        before = hits()
        runners = {"tokenward": cycling(ours.verify, pool), "core": in_core(core, pool)}
        runners.update({name: cycling(verify, pool) for name, verify in others.items()})
        unique[alg] = measure(runners)
        unique[alg]["binding"] = binding_overhead(runners["tokenward"], runners["core"])
        hits_while_unique += hits() - before

        one = [pool[0]]
        runners = {"tokenward": cycling(ours.verify, one), "core": in_core(core, one)}
        runners.update({name: cycling(verify, one) for name, verify in others.items()})
        repeated[alg] = measure(runners)
        repeated[alg]["binding"] = binding_overhead(runners["tokenward"], runners["core"])
        print(f"  {alg} done", file=sys.stderr)

    floor = per_call_floor()
    table(
        "unique tokens",
        unique,
        f"{POOL} distinct tokens per algorithm, cycled; tokenward's token cache hits during these rows:"
        f" {hits_while_unique}",
    )
    table("repeated tokens", repeated, "one token again and again: tokenward answers from its token cache")
    print(f"(each figure but core includes Python's own cost per call in this loop: {floor:.3f} µs)")


def ops_per_second(workers: int, seconds: float, work: Callable[[int, threading.Event], int]) -> float:
    stop = threading.Event()
    counts = [0] * workers

    def run(i: int) -> None:
        counts[i] = work(i, stop)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def thread_scaling(seconds: float = 1.5) -> None:
    """Distinct ES256 tokens: verify leaves the interpreter, so threads share
    the cores. Each thread, or each asyncio loop, has its own slice of the
    pool; the token cache is off, so that the threads running at different
    speeds never bring a token round soon enough to find it cached."""
    private, public = keys()["ES256"]
    verifier = tokenward.Verifier(
        key=public.decode(), algorithms=["ES256"], issuer=ISS, audience=AUD, token_cache_size=0
    )
    pool = [sign("ES256", private, i) for i in range(POOL)]

    def slice_of(i: int, workers: int) -> list[str]:
        return pool[i::workers]

    def threads_work(workers: int) -> Callable[[int, threading.Event], int]:
        def work(i: int, stop: threading.Event) -> int:
            n = 0
            for batch in itertools.cycle(chunks(slice_of(i, workers), 64)):
                for token in batch:
                    verifier.verify(token)
                n += len(batch)
                if stop.is_set():
                    return n
            return n

        return work

    def loops_work(workers: int, connections: int = 16) -> Callable[[int, threading.Event], int]:
        """Each thread runs an event loop serving `connections` concurrent
        requests, each awaiting verify_async, then yielding as a server's I/O would."""

        def work(i: int, stop: threading.Event) -> int:
            tokens = itertools.cycle(slice_of(i, workers))
            served = 0

            async def connection() -> None:
                nonlocal served
                while not stop.is_set():
                    await verifier.verify_async(next(tokens))
                    served += 1
                    await asyncio.sleep(0)

            async def serve() -> None:
                await asyncio.gather(*(connection() for _ in range(connections)))

            asyncio.run(serve())
            return served

        return work

    print(f"\nthreads: verifications per second, distinct ES256 tokens, {os.cpu_count()} CPUs")
    data = b"x" * (1 << 20)

    def hashing(i: int, stop: threading.Event) -> int:
        n = 0
        while not stop.is_set():
            hashlib.sha256(data).digest()
            n += 1
        return n

    reference = {workers: ops_per_second(workers, seconds, hashing) for workers in (1, 2)}
    print(
        f"  {'(reference: sha256 of 1 MiB)':<28} 1: {reference[1]:,.0f}/s, 2: {reference[2]:,.0f}/s"
        f" ({reference[2] / reference[1]:.2f}x: what this machine gives a second thread now)"
    )
    faces = (("threads calling verify", threads_work), ("asyncio loops, verify_async", loops_work))
    for label, make in faces:
        rates = {workers: ops_per_second(workers, seconds, make(workers)) for workers in (1, 2, 4)}
        figures = ", ".join(
            f"{workers}: {rate:,.0f}/s ({rate / rates[1]:.2f}x)" for workers, rate in rates.items()
        )
        print(f"  {label:<28} {figures}")


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def import_ms() -> float:
    code = "import time; s = time.perf_counter(); import tokenward; print((time.perf_counter() - s) * 1000)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code]).decode()) for _ in range(7)]
    return min(runs)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def hs256_tokens(start: int, count: int) -> Iterator[str]:
    """Distinct valid HS256 tokens, made as they are needed (1,000,000 held
    at once would be the memory measured)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(b'{"alg":"HS256","typ":"JWT"}')
    for i in range(start, start + count):
        signing_input = f"{header}.{b64(json.dumps(claims(i), separators=(',', ':')).encode())}"
        signature = hmac.new(HS_SECRET, signing_input.encode(), hashlib.sha256).digest()
        yield f"{signing_input}.{b64(signature)}"


def memory_growth(n: int = 1_000_000) -> None:
    verifier = tokenward_verifier("HS256", HS_SECRET)
    for token in hs256_tokens(0, 50_000):  # warm-up: allocator arenas, interned strings
        verifier.verify(token)
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    for token in hs256_tokens(50_000, n):
        verifier.verify(token)
    elapsed = time.perf_counter() - start
    gc.collect()
    grown = rss_bytes() - before
    entries = verifier.stats()["token_cache"]["entries"]
    print(
        f"RSS growth over {n:,} distinct valid HS256 tokens (default token cache; {entries} entries"
        f" after): {grown / 1024 / 1024:.2f} MiB ({elapsed:.1f} s, token making included)"
    )


def main() -> None:
    warnings.simplefilter("ignore")  # joserfc's notice on each EdDSA decode
    print(f"tokenward {tokenward.__version__} · PyJWT {pyjwt.__version__} · Python {sys.version.split()[0]}")
    unique_and_repeated()
    thread_scaling()
    print(f"\nimport tokenward: {import_ms():.1f} ms (best of 7 fresh interpreters)")
    memory_growth()


if __name__ == "__main__":
    main()
