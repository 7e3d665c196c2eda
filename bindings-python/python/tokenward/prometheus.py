"""Prometheus metrics for ``prometheus_client``: a collector that reads a
verifier's ``stats()`` and ``status()`` at each scrape (nothing is counted
twice, and nothing costs anything between scrapes).

    from prometheus_client import REGISTRY
    from tokenward.prometheus import TokenwardCollector
    REGISTRY.register(TokenwardCollector(verifier, name="api"))

Every metric carries a ``verifier`` label (``name``), so several verifiers
can share a registry. ``prometheus_client`` is not a dependency of tokenward:
install it yourself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from . import Verifier

__all__ = ["TokenwardCollector"]

# (metric, stats key, help): counters read from stats().
_COUNTERS = (
    ("jwks_fetches", "fetches", "HTTP requests made for the key set, including ones answered 304."),
    ("jwks_not_modified", "not_modified", "Key-set requests answered 304 Not Modified."),
    ("jwks_fetch_failures", "fetch_failures", "Key-set fetches that failed."),
    ("jwks_stale_serves", "stale_serves", "Verifications served from expired keys because a refresh failed."),
    ("jwks_cooldown_refusals", "cooldown_refusals", "Unknown-kid refetches refused because of the cooldown."),
    ("key_cache_hits", "cache_hits", "Verifications served from fresh keys without a fetch."),
)
_TOKEN_COUNTERS = (
    ("token_cache_hits", "hits", "Verifications answered from the verified-token cache."),
    ("token_cache_misses", "misses", "Verifications that checked a signature."),
    ("token_cache_evictions", "evictions", "Verified-token cache entries dropped to make room."),
    ("token_cache_invalidations", "invalidations", "Verified-token cache entries dropped with their key."),
)


class TokenwardCollector:
    """Collects one verifier's metrics under ``prefix`` (``tokenward_...``)."""

    def __init__(self, verifier: Verifier, *, name: str = "default", prefix: str = "tokenward") -> None:
        self._verifier = verifier
        self._name = name
        self._prefix = prefix

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

        stats = self._verifier.stats()
        status = self._verifier.status()
        label = [self._name]

        def counter(metric: str, value: float, doc: str) -> CounterMetricFamily:
            family = CounterMetricFamily(f"{self._prefix}_{metric}", doc, labels=["verifier"])
            family.add_metric(label, value)
            return family

        def gauge(metric: str, value: float, doc: str) -> GaugeMetricFamily:
            family = GaugeMetricFamily(f"{self._prefix}_{metric}", doc, labels=["verifier"])
            family.add_metric(label, value)
            return family

        for metric, key, doc in _COUNTERS:
            yield counter(metric, stats[key], doc)  # type: ignore[literal-required]
        for metric, key, doc in _TOKEN_COUNTERS:
            yield counter(metric, stats["token_cache"][key], doc)  # type: ignore[literal-required]
        yield gauge("keys_held", stats["keys"], "Usable keys held.")
        yield gauge("keys_fresh", float(status["fresh"]), "1 while the held keys are within their freshness.")
        yield gauge(
            "keys_usable", float(status["keys_held"]), "1 while keys a verification may use are held."
        )
        if status["age_seconds"] is not None:
            yield gauge(
                "keys_age_seconds", status["age_seconds"], "Seconds since the keys were fetched or confirmed."
            )
        yield gauge("token_cache_entries", stats["token_cache"]["entries"], "Verified tokens held.")

        latency = stats["fetch_latency"]
        cumulative, buckets = 0, []
        for bound, count in latency["buckets"]:
            cumulative += count
            buckets.append(("+Inf" if bound == float("inf") else repr(bound), float(cumulative)))
        histogram = HistogramMetricFamily(
            f"{self._prefix}_jwks_fetch_duration_seconds",
            "How long key-set fetches took (discovery included), successful or not.",
            labels=["verifier"],
        )
        histogram.add_metric(label, buckets, latency["sum"])
        yield histogram
