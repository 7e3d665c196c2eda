"""tokenward's events reach the `logging` module on logger "tokenward" (and
its children), with their fields, and never with a token or its signature.

Events are logged by tokenward's own logging thread; `_flush_logs` waits
until every event emitted before it has been logged."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest
from tokenward import JwksFetchFailed, Verifier, _native
from tokenward.testing import TestIssuer


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def flushed(self) -> list[logging.LogRecord]:
        assert _native._flush_logs(), "the logging thread did not catch up"  # type: ignore[attr-defined]
        return self.records

    def about(self, text: str) -> list[logging.LogRecord]:
        return [r for r in self.flushed() if text in r.getMessage()]


@pytest.fixture
def captured() -> Iterator[Captured]:
    _native._flush_logs()  # type: ignore[attr-defined]
    logger = logging.getLogger("tokenward")
    handler = Captured()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_fetch_logs_an_info_record_with_the_url_and_key_count(
    issuer: TestIssuer, captured: Captured
) -> None:
    Verifier(jwks_url=issuer.jwks_url).verify(issuer.mint({"sub": "u"}))
    [record] = [r for r in captured.about(issuer.jwks_url) if "JWKS fetched" in r.getMessage()]
    assert record.name == "tokenward.jwks"
    assert record.levelno == logging.INFO
    assert record.getMessage() == f"JWKS fetched url={issuer.jwks_url} keys=1 skipped=0"
    assert record.tokenward == {"url": issuer.jwks_url, "keys": 1, "skipped": 0}  # type: ignore[attr-defined]
    assert (record.url, record.keys) == (issuer.jwks_url, 1)  # type: ignore[attr-defined]


def test_a_failed_fetch_logs_a_warning_with_the_error_code(issuer: TestIssuer, captured: Captured) -> None:
    issuer.set_behavior(status=503)
    with pytest.raises(JwksFetchFailed):
        Verifier(jwks_url=issuer.jwks_url).verify(issuer.mint({"sub": "u"}))
    [record] = captured.about(issuer.jwks_url)
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("JWKS fetch failed url=")
    assert " code=jwks_fetch_failed " in record.getMessage()
    assert record.tokenward["code"] == "jwks_fetch_failed"  # type: ignore[attr-defined]


def test_a_skipped_jwks_entry_is_logged_with_its_reason(issuer: TestIssuer, captured: Captured) -> None:
    jwks = issuer.jwks()
    jwks["keys"].append({"kty": "XYZ", "kid": "python-logging-bad-entry"})
    issuer.set_behavior(body=json.dumps(jwks).encode())
    Verifier(jwks_url=issuer.jwks_url).verify(issuer.mint({"sub": "u"}))
    [record] = captured.about("python-logging-bad-entry")
    assert record.name == "tokenward.keys"
    reason = record.tokenward["reason"]  # type: ignore[attr-defined]
    assert reason == 'key "python-logging-bad-entry": unsupported "kty" "XYZ"'


def test_no_record_carries_the_token_or_its_signature(issuer: TestIssuer, captured: Captured) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url)
    token = issuer.mint({"sub": "u"})
    verifier.verify(token)
    assert not verifier.validate(issuer.mint({"sub": "u"}, header={"kid": "no-such-kid"}))
    records = captured.flushed()
    assert any("no-such-kid" in r.getMessage() for r in records)
    signature = token.rsplit(".", 1)[1]
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s %(tokenward)s")
    for record in records:
        text = formatter.format(record)
        assert token not in text and signature not in text, text


def test_verify_async_logs_too(issuer: TestIssuer, captured: Captured) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url)
    asyncio.run(verifier.verify_async(issuer.mint({"sub": "u"})))
    assert [r.levelno for r in captured.about(issuer.jwks_url)] == [logging.INFO]


def test_records_below_the_logger_level_are_not_built(issuer: TestIssuer, captured: Captured) -> None:
    logging.getLogger("tokenward").setLevel(logging.WARNING)
    Verifier(jwks_url=issuer.jwks_url).verify(issuer.mint({"sub": "u"}))
    assert captured.about(issuer.jwks_url) == []
