"""Test helpers: a local token issuer, and a pytest fixture that starts one.

    def test_profile(tokenward_issuer):
        verifier = Verifier(jwks_url=tokenward_issuer.jwks_url, issuer=tokenward_issuer.url,
                            audience="my-api")
        token = tokenward_issuer.mint({"sub": "user-1", "aud": "my-api"})
        assert verifier.verify(token).subject == "user-1"

The issuer generates real keys, serves ``/.well-known/jwks.json``, the same
RSA and EC keys as an X.509 certificate map (``x509_url``, the form Firebase
publishes) and ``/.well-known/openid-configuration`` on 127.0.0.1 (a free port), mints
tokens with any claims and headers, rotates keys, and can be told to fail
(``set_behavior``) so that your app's handling of provider outages is tested too.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import _native

__all__ = ["TestIssuer"]


class TestIssuer(_native.TestIssuer):
    """A local issuer: real keys, JWKS and discovery on 127.0.0.1, minting.

    ``TestIssuer()`` starts with one ES256 key; ``TestIssuer(["RS256", "EdDSA"])``
    with one key per algorithm (the last one signs). ``TestIssuer(tls=True)``
    serves https with a certificate from a CA of its own: write ``ca_pem`` to a
    file and pass it as ``ca_file``. It stops when collected.
    """

    __test__ = False  # not a test class, despite the name


try:
    import pytest
except ImportError:  # pytest is optional; the fixture exists only with it
    pass
else:
    __all__ += ["tokenward_issuer"]

    @pytest.fixture
    def tokenward_issuer() -> Iterator[TestIssuer]:
        """A fresh TestIssuer with one ES256 key, per test."""
        yield TestIssuer()
