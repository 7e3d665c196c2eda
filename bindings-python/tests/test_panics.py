"""A panic inside tokenward reaches Python as InternalError, from every entry
point, and never as pyo3's PanicException or a coroutine left pending.

The development build enables the `panic-injection` feature (see
`_native._panic_injection`); these tests fail without it, unless
TOKENWARD_RELEASE_BUILD=1 says a release wheel (no injection) is under test.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from tokenward import InternalError, InvalidToken, TokenwardError, Verifier, _native
from tokenward.testing import TestIssuer

from .conftest import AUD

# The core's tokenward::PANIC_TOKEN and tokenward::PANIC_PATH.
PANIC_TOKEN = "panic.panic.panic"
PANIC_PATH = "/panic"

pytestmark = pytest.mark.skipif(
    os.environ.get("TOKENWARD_RELEASE_BUILD") == "1", reason="release builds carry no panic injection"
)


def secret_verifier() -> Verifier:
    return Verifier(secret=b"k" * 32, algorithms=["HS256"])


def panicking_fetch_verifier(issuer: TestIssuer) -> Verifier:
    return Verifier(jwks_url=issuer.url + PANIC_PATH, audience=AUD, timeout=5, cooldown=0)


def test_the_development_build_injects_panics() -> None:
    assert _native._panic_injection, (
        "build with MATURIN_PEP517_ARGS='--features panic-injection' (or set TOKENWARD_RELEASE_BUILD=1)"
    )


def test_a_panic_in_verify_is_an_internal_error() -> None:
    with pytest.raises(InternalError) as caught:
        secret_verifier().verify(PANIC_TOKEN)
    assert caught.value.code == "internal" and not isinstance(caught.value, InvalidToken)
    assert "not accepted" in caught.value.message


def test_validate_raises_internal_error_because_a_panic_is_not_a_token_problem() -> None:
    with pytest.raises(InternalError):
        secret_verifier().validate(PANIC_TOKEN)


def test_a_panic_in_verify_async_is_an_internal_error() -> None:
    with pytest.raises(InternalError):
        asyncio.run(secret_verifier().verify_async(PANIC_TOKEN))


def test_a_panic_in_a_key_fetch_settles_verify_async_with_an_internal_error(issuer: TestIssuer) -> None:
    verifier = panicking_fetch_verifier(issuer)

    async def main() -> None:
        # 30 s only guards against a hang: the answer comes as soon as the fetch panics.
        await asyncio.wait_for(verifier.verify_async(issuer.mint({"aud": AUD})), 30)

    with pytest.raises(InternalError):
        asyncio.run(main())


def test_a_panic_in_a_key_fetch_is_an_internal_error_for_verify_validate_and_refresh(
    issuer: TestIssuer,
) -> None:
    verifier = panicking_fetch_verifier(issuer)
    token = issuer.mint({"aud": AUD})
    with pytest.raises(InternalError):
        verifier.verify(token)
    with pytest.raises(InternalError):
        verifier.validate(token)
    with pytest.raises(InternalError):
        verifier.refresh()


def test_a_verifier_keeps_working_after_a_panic(issuer: TestIssuer) -> None:
    verifier = Verifier(jwks_url=issuer.jwks_url, audience=AUD)
    with pytest.raises(TokenwardError):
        verifier.verify(PANIC_TOKEN)
    assert verifier.verify(issuer.mint({"aud": AUD, "sub": "after"})).subject == "after"
    fetching = panicking_fetch_verifier(issuer)
    for _ in range(2):
        with pytest.raises(InternalError):
            fetching.refresh()
