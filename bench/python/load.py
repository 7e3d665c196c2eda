"""End to end under load: the same Flask `GET /me` protected by tokenward and
by PyJWT (`PyJWKClient` + `jwt.decode`), each under gunicorn, driven with
the same tokens from a tokenward TestIssuer. Run by hand (not a test):

    .venv/bin/python bench/python/load.py [--seconds 10] [--rounds 1] [--connections 16] [--tokens 4096]

The load generator is wrk when it is on PATH, else oha (which sends one
fixed header, so it drives the repeated-token mix only), else the small
multi-process Python one below (http.client, keep-alive connections). The
output says which drove each row. Both apps run under `gunicorn -w 2`
(sync workers), and tokenward also under `-w 1 --threads 4`; both sides
share this machine's cores with the load generator.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokenward.testing import TestIssuer

HERE = Path(__file__).resolve().parent
AUDIENCE = "my-api"
SERVERS = {
    "tokenward -w 2": ("load_apps:tokenward_app()", ["-w", "2"]),
    "PyJWT -w 2": ("load_apps:pyjwt_app()", ["-w", "2"]),
    "tokenward -w 1 --threads 4": ("load_apps:tokenward_app()", ["-w", "1", "--threads", "4"]),
}


@dataclass
class Outcome:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    driver: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn serving one app on 127.0.0.1, stopped on exit."""

    def __init__(self, app: str, options: list[str], issuer: TestIssuer) -> None:
        self.port = free_port()
        env = dict(
            os.environ,
            LOAD_JWKS_URL=issuer.jwks_url,
            LOAD_ISSUER=issuer.url,
            LOAD_AUDIENCE=AUDIENCE,
        )
        command = [sys.executable, "-m", "gunicorn", *options, "--chdir", str(HERE)]
        command += ["-b", f"127.0.0.1:{self.port}", "--log-level", "warning", app]
        self.process = subprocess.Popen(command, env=env)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/me")
                if conn.getresponse().status == 401:
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer within 30 s")

    def __exit__(self, *_: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def connection_loop(port: int, tokens: list[str], start: int, stop_at: float, out: list[object]) -> None:
    """One keep-alive connection (reopened when the server closes it, as
    gunicorn's sync workers do after each response), cycling through tokens."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = start
    while (now := time.perf_counter()) < stop_at:
        token = tokens[i % len(tokens)]
        i += 1
        try:
            conn.request("GET", "/me", headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            continue
        latencies.append(time.perf_counter() - now)
        statuses[response.status] += 1
    conn.close()
    out.append((latencies, statuses, errors))


def generator_process(port: int, tokens: list[str], offsets: list[int], stop_at: float, results: Any) -> None:
    out: list[object] = []
    threads = [
        threading.Thread(target=connection_loop, args=(port, tokens, offset, stop_at, out))
        for offset in offsets
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(out)


def drive_python(port: int, tokens: list[str], connections: int, seconds: float) -> Outcome:
    processes = max(1, min(connections, os.cpu_count() or 1))
    stride = max(1, len(tokens) // connections)
    offsets = [c * stride for c in range(connections)]
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    stop_at = time.perf_counter() + seconds
    workers = [
        context.Process(
            target=generator_process, args=(port, tokens, offsets[p::processes], stop_at, results)
        )
        for p in range(processes)
    ]
    for w in workers:
        w.start()
    gathered = [item for _ in workers for item in results.get()]
    for w in workers:
        w.join()
    latencies = sorted(x for lat, _, _ in gathered for x in lat)
    statuses: Counter[int] = Counter()
    for _, s, _ in gathered:
        statuses.update(s)
    return Outcome(
        requests=len(latencies),
        seconds=seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        non_2xx=sum(n for status, n in statuses.items() if not 200 <= status < 300),
        errors=sum(e for _, _, e in gathered),
        driver=f"python ({processes} processes, http.client)",
    )


WRK_SCRIPT = """
local tokens = {}
for line in io.lines(os.getenv("LOAD_TOKENS")) do tokens[#tokens + 1] = line end
local i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", "/me", {["Authorization"] = "Bearer " .. tokens[i]})
end
"""


def milliseconds(figure: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s)", figure)
    if found is None:
        return float("nan")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def drive_wrk(port: int, tokens: list[str], connections: int, seconds: float) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "tokens").write_text("\n".join(tokens))
        (Path(tmp) / "cycle.lua").write_text(WRK_SCRIPT)
        threads = str(min(connections, os.cpu_count() or 1))
        command = ["wrk", "-t", threads, "-c", str(connections), "-d", f"{seconds:g}s", "--latency"]
        command += ["-s", str(Path(tmp) / "cycle.lua"), f"http://127.0.0.1:{port}/me"]
        env = dict(os.environ, LOAD_TOKENS=str(Path(tmp) / "tokens"))
        report = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", report, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report)
    requests = re.search(r"(\d+) requests in", report)
    return Outcome(
        requests=int(requests.group(1)) if requests else 0,
        seconds=seconds,
        p50_ms=milliseconds(latency["50"]),
        p99_ms=milliseconds(latency["99"]),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(n) for n in errors.groups()) if errors else 0,
        driver="wrk",
    )


def drive_oha(port: int, token: str, connections: int, seconds: float) -> Outcome:
    command = ["oha", "-z", f"{seconds:g}s", "-c", str(connections), "--no-tui", "--output-format", "json"]
    command += ["-H", f"Authorization: Bearer {token}", f"http://127.0.0.1:{port}/me"]
    report = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    statuses = {int(k): v for k, v in report.get("statusCodeDistribution", {}).items()}
    percentiles = report.get("latencyPercentiles", {})
    return Outcome(
        requests=sum(statuses.values()),
        seconds=seconds,
        p50_ms=float(percentiles.get("p50", float("nan"))) * 1000,
        p99_ms=float(percentiles.get("p99", float("nan"))) * 1000,
        non_2xx=sum(n for status, n in statuses.items() if not 200 <= status < 300),
        errors=sum(report.get("errorDistribution", {}).values()),
        driver="oha",
    )


def drive(port: int, tokens: list[str], connections: int, seconds: float) -> Outcome:
    if shutil.which("wrk"):
        return drive_wrk(port, tokens, connections, seconds)
    if shutil.which("oha") and len(set(tokens)) == 1:
        return drive_oha(port, tokens[0], connections, seconds)
    return drive_python(port, tokens, connections, seconds)


def pooled(outcomes: list[Outcome]) -> Outcome:
    """Rounds of one row as one: requests over the total time; the latency
    percentiles are the median round's."""
    middle = sorted(outcomes, key=lambda o: o.rate)[len(outcomes) // 2]
    return Outcome(
        requests=sum(o.requests for o in outcomes),
        seconds=sum(o.seconds for o in outcomes),
        p50_ms=middle.p50_ms,
        p99_ms=middle.p99_ms,
        non_2xx=sum(o.non_2xx for o in outcomes),
        errors=sum(o.errors for o in outcomes),
        driver=middle.driver,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=1, help="measurements per row (servers take turns)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before a row's rounds")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=4096, help="distinct tokens in the cycled mix")
    parser.add_argument("--algorithms", default="ES256,RS256")
    args = parser.parse_args()

    algorithms = args.algorithms.split(",")
    issuer = TestIssuer(algorithms)
    kids = dict(zip(algorithms, issuer.kids))
    print(f"{os.cpu_count()} CPUs; {args.connections} connections; {args.rounds} x {args.seconds:g} s a row")
    print("(servers take turns); gunicorn sync workers for -w 2, gthread for --threads", flush=True)
    rows: list[tuple[str, str, str, Outcome]] = []
    for alg in algorithms:
        minted = [
            issuer.mint({"aud": AUDIENCE, "sub": f"user-{i}"}, kid=kids[alg]) for i in range(args.tokens)
        ]
        mixes = {f"{args.tokens} distinct": minted, "1 repeated": minted[:1]}
        with contextlib.ExitStack() as stack:
            servers = {
                name: stack.enter_context(Server(app, options, issuer))
                for name, (app, options) in SERVERS.items()
            }
            for mix, tokens in mixes.items():
                for server in servers.values():
                    drive(server.port, tokens, args.connections, args.warmup)
                measured: dict[str, list[Outcome]] = {name: [] for name in servers}
                for _ in range(args.rounds):
                    for name, server in servers.items():
                        measured[name].append(drive(server.port, tokens, args.connections, args.seconds))
                for name, outcomes in measured.items():
                    rows.append((alg, mix, name, pooled(outcomes)))
                    print(f"  {alg} {mix} {name}: {rows[-1][3].rate:,.0f} req/s", file=sys.stderr, flush=True)

    pyjwt = {(alg, mix): o.rate for alg, mix, name, o in rows if name.startswith("PyJWT")}
    print(f"\n{'alg':<6} {'tokens':<14} {'server':<27} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}", end="")
    print(f" {'non-2xx':>7} {'errors':>6} {'xPyJWT':>7}  driver")
    for alg, mix, name, o in rows:
        ratio = o.rate / pyjwt[(alg, mix)]
        print(
            f"{alg:<6} {mix:<14} {name:<27} {o.rate:>8,.0f} {o.p50_ms:>7.2f} {o.p99_ms:>7.2f}"
            f" {o.non_2xx:>7} {o.errors:>6} {ratio:>7.2f}  {o.driver}"
        )


if __name__ == "__main__":
    main()
