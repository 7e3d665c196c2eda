"""What ``Verifier.stats()`` returns: counters of the key cache and of the
verified-token cache (types only; the dicts are built by the native module)."""

from __future__ import annotations

from typing import Optional, TypedDict

__all__ = ["CacheStats", "FetchLatency", "KeyStatus", "TokenCacheStats"]


class TokenCacheStats(TypedDict):
    """Counters of the verified-token cache (all zero with ``token_cache_size=0``)."""

    hits: int
    """Verifications answered from the cache."""
    misses: int
    """Verifications that found no usable entry and checked the signature."""
    evictions: int
    """Entries dropped to make room."""
    invalidations: int
    """Entries dropped because the key that verified them left the key set."""
    entries: int
    """Entries held now."""


class FetchLatency(TypedDict):
    """How long key fetches took (discovery included), successful or not, in seconds."""

    last: Optional[float]
    """The most recent fetch; None before the first."""
    count: int
    """Fetches measured."""
    sum: float
    """Their total duration."""
    buckets: list[tuple[float, int]]
    """``(upper bound, fetches)`` pairs, not cumulative; the last bound is ``inf``."""


class KeyStatus(TypedDict):
    """What ``Verifier.status()`` and ``warm_up()`` return: for health checks."""

    remote: bool
    """False for static keys."""
    keys_held: bool
    """True when keys a verification may use are held now."""
    key_count: int
    """Usable keys held."""
    fresh: bool
    """True when the held keys are within their freshness (no fetch needed)."""
    age_seconds: Optional[float]
    """Seconds since the keys were fetched or last confirmed unchanged."""
    fresh_for_seconds: Optional[float]
    """Freshness left; negative once expired (then held for at most ``max_stale``)."""
    last_error: Optional[str]
    """The most recent fetch failure, cleared by the next success."""


class CacheStats(TypedDict):
    """Key-cache counters (zero for static keys), and the verified-token cache's."""

    fetches: int
    """HTTP requests made for the key set (including ones answered 304)."""
    not_modified: int
    """Requests answered ``304 Not Modified``."""
    cache_hits: int
    """Verifications served from fresh keys without a fetch."""
    stale_serves: int
    """Verifications served from expired keys because a refresh failed."""
    cooldown_refusals: int
    """Unknown-``kid`` refetches refused because of the cooldown."""
    fetch_failures: int
    """Fetches that failed."""
    last_error: Optional[str]
    """The most recent fetch failure, cleared by the next success."""
    keys_loaded: bool
    """True when keys are held (always for static keys)."""
    keys: int
    """Usable keys held."""
    fetch_latency: FetchLatency
    """How long key fetches took."""
    token_cache: TokenCacheStats
    """The verified-token cache."""
