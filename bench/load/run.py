"""`make load`: the five example backends under their production servers,
each beside the same `GET /me` on the stack an app would otherwise pick,
driven by wrk with the same tokens from one local TestIssuer.

    .venv/bin/python bench/load/run.py [--stacks flask,express] [--faults]

Stacks (tokenward example / peer):
  flask    gunicorn -w 2 --preload: examples/flask-login / Flask + PyJWT PyJWKClient
  fastapi  uvicorn --workers 2: examples/fastapi-login / FastAPI + PyJWT PyJWKClient
  express  node: examples/express-login / Express + jose createRemoteJWKSet
  fastify  node: examples/fastify-login / Fastify + jose createRemoteJWKSet
  axum     target/release/tokenward-example-axum / (no peer)

Every `/me` does a SQLite lookup of the token's subject after verifying it,
the examples' and the peers' alike (python_apps.py, node_peers.js), against
a copy of one database holding every user the tokens name.

Mixes: `session` (one token, all requests), `users` (LOAD_USERS distinct
tokens cycled), `invalid50` (two wrk side by side with half the connections
each: one sends the users' valid tokens, the other invalid ones: unknown
kids, garbage, 16 KiB tokens, expired). Answers are counted by status for
valid and invalid tokens apart; a valid token must always get 200.

`--faults` runs instead, against one stack (`--stack`, default express) and
its peer on fresh servers, while valid tokens flow: the issuer adds a key and
tokens signed by it start arriving, alone, with the JWKS answering 503, with
the JWKS answering after 5 s, and under a 50% invalid flood; then the valid
requests' p99 beside a 50% invalid flood against the same load alone.

Settings from the environment: LOAD_SECONDS (20, per measurement),
LOAD_CONNECTIONS (32), LOAD_USERS (20000), LOAD_WARMUP_SECONDS (2);
for --faults LOAD_FAULT_SECONDS (10, how long a fault lasts),
LOAD_FAULT_MARGIN (5, seconds of load before and after it) and
LOAD_FAULT_SETTLE (31, seconds between the servers' first key fetch and the
fault). Writes the table to bench/load/results.md (or results-faults.md).
Needs wrk on PATH. Every child (servers, their workers, wrk) is stopped on
exit, and a backend that does not start fails the run with its log.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from tokenward.testing import TestIssuer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
AUDIENCE = "my-api"
CLIENT_ID = "my-client"
AXUM = ROOT / "target/release/tokenward-example-axum"
# Tokens outlive the longest run (the TestIssuer's default is 10 minutes).
TOKEN_LIFETIME = 4 * 3600
# Each verifier's JWKS fetch timeout, in seconds: the defaults, which the apps keep.
FETCH_TIMEOUT = {"tokenward": 5.0, "PyJWT": 30.0, "jose": 5.0}

PY = sys.executable
GUNICORN = [PY, "-m", "gunicorn", "-w", "2", "--preload", "--chdir", str(HERE), "--log-level", "warning"]
UVICORN = [PY, "-m", "uvicorn", "--factory", "--app-dir", str(HERE), "--workers", "2"]
UVICORN += ["--no-access-log", "--log-level", "warning", "--host", "127.0.0.1"]


@dataclass(frozen=True)
class App:
    name: str
    verifier: str  # tokenward, PyJWT or jose
    command: Callable[[int], list[str]]  # given the port


@dataclass(frozen=True)
class Stack:
    name: str
    tokenward: App
    peer: Optional[App]


def gunicorn(app: str) -> Callable[[int], list[str]]:
    return lambda port: [*GUNICORN, "-b", f"127.0.0.1:{port}", f"python_apps:{app}()"]


def uvicorn(app: str) -> Callable[[int], list[str]]:
    return lambda port: [*UVICORN, "--port", str(port), f"python_apps:{app}"]


def node(*args: str) -> Callable[[int], list[str]]:
    return lambda port: ["node", *args]


STACKS = {
    "flask": Stack(
        "flask",
        App("flask-login (gunicorn -w 2 --preload)", "tokenward", gunicorn("flask_example")),
        App("Flask + PyJWT (gunicorn -w 2 --preload)", "PyJWT", gunicorn("flask_pyjwt")),
    ),
    "fastapi": Stack(
        "fastapi",
        App("fastapi-login (uvicorn --workers 2)", "tokenward", uvicorn("fastapi_example")),
        App("FastAPI + PyJWT (uvicorn --workers 2)", "PyJWT", uvicorn("fastapi_pyjwt")),
    ),
    "express": Stack(
        "express",
        App("express-login (node)", "tokenward", node(str(ROOT / "examples/express-login/app.js"))),
        App("Express + jose (node)", "jose", node(str(HERE / "node_peers.js"), "express")),
    ),
    "fastify": Stack(
        "fastify",
        App("fastify-login (node)", "tokenward", node(str(ROOT / "examples/fastify-login/app.js"))),
        App("Fastify + jose (node)", "jose", node(str(HERE / "node_peers.js"), "fastify")),
    ),
    "axum": Stack("axum", App("rust-axum (release)", "tokenward", lambda port: [str(AXUM)]), None),
}


def env_number(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One app on a free port, in its own process group (so that gunicorn's
    and uvicorn's workers go with it), stopped on exit."""

    def __init__(self, app: App, issuer: TestIssuer, database: Path, workdir: Path) -> None:
        self.app = app
        self.port = free_port()
        self.log = workdir / f"{app.verifier}-{self.port}.log"
        env = dict(
            os.environ,
            PORT=str(self.port),
            DATABASE=str(database),
            TOKENWARD_ISSUER=issuer.url,
            TOKENWARD_AUDIENCE=AUDIENCE,
            TOKENWARD_CLIENT_ID=CLIENT_ID,
            JWKS_URL=issuer.jwks_url,
            NODE_ENV="production",
        )
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                app.command(self.port), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self, seconds: float = 60) -> None:
        """Until GET /me without a token answers (401), or fail with the app's log."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/me", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer: it serves
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.app.name} did not start; its log:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


@contextmanager
def serving(app: App, issuer: TestIssuer, template: Path, workdir: Path) -> Iterator[Server]:
    database = workdir / f"{app.verifier}-{secrets.token_hex(4)}.db"
    shutil.copy(template, database)
    server = Server(app, issuer, database, workdir)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@dataclass
class Outcome:
    """What one wrk process saw."""

    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    socket_errors: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def answers(self) -> Counter[int]:
        """Answers by status, socket errors and timeouts as 0."""
        return self.statuses + Counter({0: self.socket_errors})

    @property
    def failed(self) -> Counter[int]:
        """Answers other than 200, by status (0: socket errors and timeouts)."""
        return Counter({s: n for s, n in self.answers.items() if s != 200})


class Load:
    """One wrk process: `connections` connections cycling the tokens of a file."""

    def __init__(self, port: int, tokens: Path, connections: int, seconds: int) -> None:
        threads = 1 if connections <= 16 else 2
        command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s"]
        command += ["-s", str(HERE / "tokens.lua"), f"http://127.0.0.1:{port}/me"]
        env = dict(os.environ, LOAD_TOKENS=str(tokens))
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def result(self) -> Outcome:
        out, err = self.process.communicate()
        line = next((x for x in out.splitlines() if x.startswith("LOAD_RESULT ")), None)
        if self.process.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({self.process.returncode}): {err or out}")
        r = json.loads(line.removeprefix("LOAD_RESULT "))
        return Outcome(
            requests=r["requests"],
            seconds=r["duration_us"] / 1e6,
            p50_ms=r["p50_us"] / 1000,
            p99_ms=r["p99_us"] / 1000,
            max_ms=r["max_us"] / 1000,
            statuses=Counter({int(s): n for s, n in r["statuses"].items()}),
            socket_errors=sum(r["errors"].values()),
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextmanager
def loads() -> Iterator[list[Load]]:
    """wrk processes started inside the block, all killed if it fails."""
    started: list[Load] = []
    try:
        yield started
    finally:
        for load in started:
            load.stop()


class Tokens:
    """The token files, in `workdir`: valid tokens for user-0..user-N-1, and invalid ones."""

    def __init__(self, issuer: TestIssuer, users: int, workdir: Path) -> None:
        self.issuer, self.users, self.workdir = issuer, users, workdir
        self.session = self.write("session", [self.mint(0)])
        self.valid = self.write("users", [self.mint(i) for i in range(users)])
        self.invalid = self.write("invalid", self.invalid_tokens(min(users, 4000)))

    def mint(
        self, user: int, kid: Optional[str] = None, header: Optional[dict[str, str]] = None, **claims: object
    ) -> str:
        exp = int(time.time()) + TOKEN_LIFETIME
        body = {"sub": f"user-{user}", "aud": AUDIENCE, "exp": exp, **claims}
        return self.issuer.mint(body, kid=kid, header=header)

    def signed_by(self, kid: str, count: int) -> Path:
        return self.write(f"kid-{kid}", [self.mint(i, kid=kid) for i in range(count)])

    def invalid_tokens(self, count: int) -> list[str]:
        """Four kinds in turn: an unknown kid (a refetch trigger), garbage in
        the shape of a JWS, a 16 KiB token with a wrong signature, an expired token."""
        padding = "x" * (12 * 1024)  # base64url of the claims makes the token about 16 KiB
        kinds: list[Callable[[int], str]] = [
            lambda i: self.mint(i, header={"kid": f"unknown-{i}"}),
            lambda i: ".".join(secrets.token_urlsafe(n) for n in (27, 60, 64)),
            lambda i: self.mint(i, pad=padding).rsplit(".", 1)[0] + "." + secrets.token_urlsafe(64)[:86],
            lambda i: self.mint(i, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
        ]
        return [kinds[i % len(kinds)](i) for i in range(count)]

    def write(self, name: str, tokens: list[str]) -> Path:
        path = self.workdir / f"{name}.tokens"
        path.write_text("\n".join(tokens) + "\n")
        return path


def user_database(path: Path, users: int) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript((ROOT / "examples/schema.sql").read_text())
        conn.executemany(
            "INSERT INTO users (subject, email) VALUES (?, ?)",
            ((f"user-{i}", f"user-{i}@example.com") for i in range(users)),
        )
    return path


def statuses(counts: Counter[int]) -> str:
    """'0' or '401:12 503:3' ('err': socket errors and timeouts)."""
    return " ".join(f"{s or 'err'}:{n}" for s, n in sorted(counts.items())) or "0"


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n"


def aligned(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows])


@dataclass
class Settings:
    seconds: int
    connections: int
    users: int
    warmup: int
    fault_seconds: int
    margin: int
    settle: int

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            seconds=int(env_number("LOAD_SECONDS", 20)),
            connections=int(env_number("LOAD_CONNECTIONS", 32)),
            users=int(env_number("LOAD_USERS", 20000)),
            warmup=int(env_number("LOAD_WARMUP_SECONDS", 2)),
            fault_seconds=int(env_number("LOAD_FAULT_SECONDS", 10)),
            margin=int(env_number("LOAD_FAULT_MARGIN", 5)),
            settle=int(env_number("LOAD_FAULT_SETTLE", 31)),
        )


def measure(port: int, streams: list[tuple[Path, int]], seconds: int) -> list[Outcome]:
    """wrk processes side by side, one per (tokens, connections)."""
    with loads() as started:
        started.extend(Load(port, tokens, connections, seconds) for tokens, connections in streams)
        return [load.result() for load in started]


def run_mixes(
    stacks: list[Stack], issuer: TestIssuer, settings: Settings, workdir: Path
) -> tuple[str, str, list[str]]:
    tokens = Tokens(issuer, settings.users, workdir)
    template = user_database(workdir / "template.db", settings.users)
    c, half = settings.connections, settings.connections // 2
    mixes = {
        "session": [(tokens.session, c)],
        "users": [(tokens.valid, c)],
        "invalid50": [(tokens.valid, half), (tokens.invalid, half)],
    }
    header = ["stack", "mix", "server", "req/s", "valid req/s", "p50 ms", "p99 ms", "valid non-200"]
    header += ["invalid answers", "JWKS fetches", "x peer"]
    rows: list[list[str]] = []
    for stack in stacks:
        apps = [app for app in (stack.tokenward, stack.peer) if app is not None]
        with ExitStack() as running:
            try:
                servers = [running.enter_context(serving(app, issuer, template, workdir)) for app in apps]
            except RuntimeError as e:  # the other stacks still run; main exits non-zero
                print(f"FAILED: {e}", file=sys.stderr, flush=True)
                rows.append([stack.name, "", "FAILED: did not start", *[""] * (len(header) - 3)])
                continue
            for server in servers:  # keys fetched, code warm
                measure(server.port, [(tokens.session, c)], settings.warmup)
            for mix, streams in mixes.items():
                rates: dict[str, float] = {}
                for server in servers:
                    before = issuer.jwks_requests
                    outcomes = measure(server.port, streams, settings.seconds)
                    fetches = issuer.jwks_requests - before
                    valid, invalid = outcomes[0], (outcomes[1] if len(outcomes) > 1 else None)
                    rates[server.app.verifier] = valid.rate
                    ratio = ""
                    if server.app.verifier != "tokenward" and "tokenward" in rates:
                        ratio = f"{rates['tokenward'] / valid.rate:.2f}x" if valid.rate else "inf"
                    rows.append([
                        stack.name, mix, server.app.name,
                        f"{sum(o.rate for o in outcomes):,.0f}", f"{valid.rate:,.0f}",
                        f"{valid.p50_ms:.2f}", f"{valid.p99_ms:.2f}", statuses(valid.failed),
                        statuses(invalid.answers) if invalid else "",
                        str(fetches), ratio,
                    ])  # fmt: skip
                    print(
                        f"  {stack.name} {mix} {server.app.name}: {valid.rate:,.0f} valid req/s",
                        file=sys.stderr,
                    )
    table = aligned(header, rows)
    python = f"{platform.python_implementation()} {platform.python_version()}"
    notes = [
        f"{os.cpu_count()} CPUs, {python}, {settings.connections} connections, {settings.seconds} s a"
        " measurement, wrk on the same machine.",
        "req/s: all answers; valid req/s, p50, p99: valid tokens only (invalid50: the valid half's wrk);",
        "valid non-200 must be 0; invalid answers by status (err = socket error); x peer = tokenward's valid",
        "req/s over the peer's, same run. JWKS fetches: requests for the key set the issuer saw.",
    ]
    return table, markdown(header, rows), notes


@dataclass
class Fault:
    """At its start the issuer adds a key, tokens signed by it start arriving,
    and the issuer's key endpoint behaves as `behavior` says until its end."""

    name: str
    behavior: dict[str, object] = field(default_factory=dict)
    flood: bool = False  # invalid tokens on as many connections, throughout


FAULTS = [
    Fault("new key"),
    Fault("new key + JWKS 503", behavior={"status": 503}),
    Fault("new key + JWKS slow (5 s)", behavior={"delay": 5.0}),
    Fault("new key under a 50% invalid flood", flood=True),
]


def under_fault(
    server: Server, fault: Fault, issuer: TestIssuer, tokens: Tokens, settings: Settings
) -> list[str]:
    """One fault against one server: `known` tokens (signed by a key published
    from the start) flow throughout on half the connections; after `margin` s
    the fault starts and lasts `fault_seconds`, the new key's tokens flowing
    on the other half; load continues `margin` s after it."""
    half = settings.connections // 2
    lead, window = settings.margin, settings.fault_seconds
    before = issuer.jwks_requests
    with loads() as started:
        known = Load(server.port, tokens.valid, half, lead + window + lead)
        flood = Load(server.port, tokens.invalid, half, lead + window + lead) if fault.flood else None
        started += [load for load in (known, flood) if load]
        time.sleep(lead)
        issuer.set_behavior(**fault.behavior)  # type: ignore[arg-type]
        new = Load(server.port, tokens.signed_by(issuer.add_key("ES256"), 2000), half, window + lead)
        started.append(new)
        time.sleep(window)
        issuer.set_behavior()
        known_seen, new_seen = known.result(), new.result()
        flood_seen = flood.result() if flood else None
    longest = f"{max(known_seen.max_ms, new_seen.max_ms):,.0f}"
    return [
        fault.name, server.app.name, statuses(known_seen.failed), statuses(new_seen.failed),
        str(new_seen.statuses[200]), statuses(flood_seen.answers) if flood_seen else "", longest,
        f"{FETCH_TIMEOUT[server.app.verifier]:g}", str(issuer.jwks_requests - before),
        f"{known_seen.p99_ms:.2f}",
    ]  # fmt: skip


def run_faults(
    stack: Stack, issuer: TestIssuer, settings: Settings, workdir: Path
) -> tuple[str, str, list[str]]:
    """Each fault against fresh servers, tokenward's app then the peer. Both
    start, fetch their keys, then idle `settle` s before their turn: jose's
    and PyJWT's unknown-kid cooldown (30 s) runs from their last fetch, and a
    fault inside it would measure only the cooldown."""
    tokens = Tokens(issuer, settings.users, workdir)
    template = user_database(workdir / "template.db", settings.users)
    half = settings.connections // 2
    apps = [app for app in (stack.tokenward, stack.peer) if app is not None]
    header = ["fault", "server", "known non-200", "new-key non-200", "new-key 200", "invalid answers"]
    header += ["longest ms", "fetch timeout s", "JWKS fetches", "known p99 ms"]
    rows: list[list[str]] = []
    for fault in FAULTS:
        with ExitStack() as running:
            servers = [running.enter_context(serving(app, issuer, template, workdir)) for app in apps]
            for server in servers:
                measure(server.port, [(tokens.session, half)], settings.warmup)
            time.sleep(settings.settle)
            for server in servers:
                rows.append(under_fault(server, fault, issuer, tokens, settings))
                print(f"  {fault.name}, {server.app.name}: done", file=sys.stderr, flush=True)

    flood_header = ["server", "clean valid p99 ms", "flooded valid p99 ms", "flooded / clean"]
    flood_header += ["valid non-200", "invalid answers", "JWKS fetches"]
    flood_rows: list[list[str]] = []
    for app in apps:
        with serving(app, issuer, template, workdir) as server:
            measure(server.port, [(tokens.session, half)], settings.warmup)
            before = issuer.jwks_requests
            seconds = settings.fault_seconds
            [clean] = measure(server.port, [(tokens.valid, half)], seconds)
            flooded, invalid = measure(server.port, [(tokens.valid, half), (tokens.invalid, half)], seconds)
            fetches = issuer.jwks_requests - before
        flood_rows.append([
            app.name, f"{clean.p99_ms:.2f}", f"{flooded.p99_ms:.2f}", f"{flooded.p99_ms / clean.p99_ms:.2f}",
            statuses(clean.failed + flooded.failed),
            statuses(invalid.answers), str(fetches),
        ])  # fmt: skip
        print(f"  flood, {app.name}: done", file=sys.stderr, flush=True)

    table = aligned(header, rows) + "\n\n" + aligned(flood_header, flood_rows)
    md = markdown(header, rows) + "\n" + markdown(flood_header, flood_rows)
    s = settings
    notes = [
        f"{stack.name}: {half} connections of known-key tokens throughout; each fault lasts",
        f"{s.fault_seconds} s, after {s.margin} s of load and before {s.margin} s more, on servers",
        f"that fetched their keys {s.settle} s before. At its start the issuer adds a key whose",
        f"tokens flow on {half} more connections. Valid tokens (known and new key) should never",
        "get 401; longest: the slowest valid request. Flood: the valid load alone for",
        f"{s.fault_seconds} s, then beside as many connections of invalid tokens.",
    ]
    return table, md, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    among = ", ".join(STACKS)
    parser.add_argument("--stacks", default=",".join(STACKS), help=f"comma-separated, among {among}")
    parser.add_argument("--faults", action="store_true", help="the faults run instead of the mixes")
    parser.add_argument("--stack", default="express", help="the stack the faults run uses")
    args = parser.parse_args()
    # A plain `kill` stops the run as Ctrl-C does: through every finally, so no child outlives it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        sys.exit("wrk is not on PATH: apt-get install wrk (make load installs it)")
    settings = Settings.from_env()
    chosen = [args.stack] if args.faults else args.stacks.split(",")
    unknown = [name for name in chosen if name not in STACKS]
    if unknown:
        sys.exit(f"unknown stack(s): {', '.join(unknown)}; choose among {', '.join(STACKS)}")
    if "axum" in chosen and not AXUM.exists():
        build = ["cargo", "build", "--release", "-p", "tokenward-example-axum", "--locked"]
        subprocess.run(build, check=True, cwd=ROOT)
    issuer = TestIssuer(["ES256"])
    with tempfile.TemporaryDirectory(prefix="tokenward-load-") as tmp:
        if args.faults:
            table, md, notes = run_faults(STACKS[args.stack], issuer, settings, Path(tmp))
            out = HERE / "results-faults.md"
        else:
            table, md, notes = run_mixes([STACKS[name] for name in chosen], issuer, settings, Path(tmp))
            out = HERE / "results.md"
    print("\n" + table + "\n\n" + "\n".join(notes))
    failed = "FAILED" in table
    title = "Faults under load" if args.faults else "Load"
    out.write_text(f"# {title} ({time.strftime('%Y-%m-%d %H:%M')})\n\n{md}\n" + "\n".join(notes) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    if failed:
        print("some backends did not start (their logs are above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
