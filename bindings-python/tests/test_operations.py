"""Readiness, key snapshots, fetch metrics and the Prometheus collector."""

from __future__ import annotations

import json

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from tokenward import ConfigurationError, JwksFetchFailed, JwksNotLoaded, Verifier
from tokenward.prometheus import TokenwardCollector
from tokenward.testing import TestIssuer


def test_warm_up_fetches_once_and_status_reports_fresh_keys() -> None:
    issuer = TestIssuer()
    verifier = Verifier(jwks_url=issuer.jwks_url)
    cold = verifier.status()
    assert cold["remote"] and not cold["keys_held"] and cold["age_seconds"] is None
    status = verifier.warm_up()
    assert status["keys_held"] and status["fresh"] and status["key_count"] == 1
    assert status["fresh_for_seconds"] is not None and status["fresh_for_seconds"] > 500
    verifier.warm_up()
    assert issuer.jwks_requests == 1


def test_a_failed_warm_up_raises_and_status_keeps_the_error() -> None:
    issuer = TestIssuer()
    issuer.set_behavior(status=503)
    verifier = Verifier(jwks_url=issuer.jwks_url)
    with pytest.raises(JwksFetchFailed):
        verifier.warm_up()
    status = verifier.status()
    assert not status["keys_held"] and status["last_error"] is not None and "503" in status["last_error"]


def test_a_verifier_from_a_snapshot_verifies_without_fetching() -> None:
    issuer = TestIssuer()
    parent = Verifier(jwks_url=issuer.jwks_url, audience="api")
    with pytest.raises(JwksNotLoaded):
        parent.export_keys()
    parent.warm_up()
    snapshot = parent.export_keys()
    child = Verifier(jwks_url=issuer.jwks_url, audience="api", keys_snapshot=json.loads(snapshot))
    assert child.verify(issuer.mint({"sub": "u", "aud": "api"})).subject == "u"
    assert issuer.jwks_requests == 1
    with pytest.raises(ConfigurationError, match="not of"):
        Verifier(jwks_url=TestIssuer().jwks_url, keys_snapshot=snapshot)
    with pytest.raises(ConfigurationError, match="static keys"):
        Verifier(jwks=issuer.jwks()).export_keys()


def test_stats_count_keys_and_measure_fetches() -> None:
    issuer = TestIssuer(["ES256", "RS256"])
    verifier = Verifier(jwks_url=issuer.jwks_url)
    verifier.refresh()
    stats = verifier.stats()
    assert stats["keys"] == 2
    latency = stats["fetch_latency"]
    assert latency["count"] == 1 and latency["last"] is not None and 0 < latency["last"] < 5
    assert sum(count for _, count in latency["buckets"]) == 1
    assert latency["buckets"][-1][0] == float("inf")


def test_the_prometheus_collector_exports_counters_gauges_and_the_fetch_histogram() -> None:
    issuer = TestIssuer()
    verifier = Verifier(jwks_url=issuer.jwks_url)
    token = issuer.mint({"sub": "u"})
    verifier.verify(token)
    verifier.verify(token)
    verifier.verify(token)
    registry = CollectorRegistry()
    registry.register(TokenwardCollector(verifier, name="api"))
    text = generate_latest(registry).decode()
    assert 'tokenward_jwks_fetches_total{verifier="api"} 1.0' in text
    assert 'tokenward_keys_held{verifier="api"} 1.0' in text
    assert 'tokenward_keys_fresh{verifier="api"} 1.0' in text
    assert 'tokenward_token_cache_hits_total{verifier="api"} 1.0' in text
    assert 'tokenward_jwks_fetch_duration_seconds_count{verifier="api"} 1.0' in text
    assert 'tokenward_jwks_fetch_duration_seconds_bucket{le="+Inf",verifier="api"} 1.0' in text
