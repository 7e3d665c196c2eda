"""tokenward: verify JSON Web Tokens against your auth provider's keys.

from tokenward import Verifier
verifier = Verifier(jwks_url="https://issuer.example/.well-known/jwks.json",
                    issuer="https://issuer.example", audience="my-api")
claims = verifier.verify(token)          # Claims, or raises an InvalidToken subclass
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional

from . import _native
from .claims import Claims, UnverifiedToken
from .errors import (
    AlgorithmNotAllowed,
    ConfigurationError,
    InvalidAudience,
    InvalidClaim,
    InvalidIssuer,
    InvalidSignature,
    InvalidToken,
    InvalidType,
    IssuedInFuture,
    JwksError,
    JwksFetchFailed,
    JwksInvalid,
    JwksNotLoaded,
    KeyNotFound,
    MalformedToken,
    MissingClaim,
    NotYetValid,
    TokenExpired,
    TokenTooLarge,
    TokenTooOld,
    TokenwardError,
    UnsupportedAlgorithm,
    UnsupportedCriticalHeader,
)

if TYPE_CHECKING:
    import asyncio

__version__: str = _native.__version__

__all__ = [
    "AlgorithmNotAllowed",
    "Claims",
    "ConfigurationError",
    "InvalidAudience",
    "InvalidClaim",
    "InvalidIssuer",
    "InvalidSignature",
    "InvalidToken",
    "InvalidType",
    "IssuedInFuture",
    "JwksError",
    "JwksFetchFailed",
    "JwksInvalid",
    "JwksNotLoaded",
    "KeyNotFound",
    "MalformedToken",
    "MissingClaim",
    "NotYetValid",
    "TokenExpired",
    "TokenTooLarge",
    "TokenTooOld",
    "TokenwardError",
    "UnsupportedAlgorithm",
    "UnsupportedCriticalHeader",
    "UnverifiedToken",
    "Verifier",
    "__version__",
    "decode_unverified",
]

# A forked child (gunicorn --preload) must not use the parent's fetch runtime.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_native._after_fork_in_child)


class Verifier(_native.Verifier):
    """Verifies tokens against one key source and one set of rules.

    Build it once (at import or app start) and share it: it is thread-safe,
    and its key cache is shared by every thread and task. Every argument is
    keyword-only; times are in seconds.

    Key source (exactly one):
        jwks_url: URL of the provider's JWKS (https, or http to 127.0.0.1/::1).
        discover: issuer URL; the JWKS is found by OpenID Connect discovery,
            and tokens must carry this ``iss`` unless ``issuer`` says otherwise.
        jwks: a JWKS as a dict or JSON text.
        key: a PEM public key (RSA, EC P-256/384/521/secp256k1, Ed25519).
        secret: an HMAC secret (bytes or str); needs ``algorithms=["HS256"]`` or similar.

    Rules:
        issuer: accepted ``iss`` value(s). Default: not checked.
        audience: accepted ``aud`` value(s), any-of. Default: none, and a
            token that carries ``aud`` is refused.
        algorithms: accepted ``alg`` value(s). Default: every asymmetric one.
        leeway: clock skew allowed on exp/nbf/iat, seconds. Default 30.
        max_age: refuse tokens whose ``iat`` is older, seconds. Default none.
        typ: required header ``typ`` (e.g. ``"at+jwt"``). Default none.
        required_claims: claims that must be present. Default ``["exp"]``.
        max_token_bytes: larger tokens are refused unread. Default 16384.
        millisecond_timestamps: read exp/nbf/iat above 10**11 as ms. Default False.
        now: judge time claims at this Unix time (tests). Default: the clock.

    Remote keys:
        timeout: per fetch, seconds. Default 5.
        cache_ttl: key freshness without ``Cache-Control: max-age``, seconds. Default 600.
        cooldown: least time between unknown-kid refetches, seconds. Default 30.
        max_stale: keys keep working this long past expiry while refreshes fail. Default 86400.
        max_jwks_bytes: largest JWKS response, bytes. Default 524288.

    Raises ConfigurationError for a missing, wrong-typed or out-of-range argument.
    """

    async def verify_async(self, token: str) -> Claims:
        """Like ``verify``, without blocking the event loop on a key fetch.

        With keys held it answers at once; a fetch runs on tokenward's own
        runtime, and concurrent callers share one fetch.
        """
        import asyncio  # here, not at import: asyncio alone takes longer to import than tokenward

        loop = asyncio.get_running_loop()
        future: asyncio.Future[Claims] = loop.create_future()

        def done(claims: Optional[Claims], error: Optional[BaseException]) -> None:
            loop.call_soon_threadsafe(_settle, future, claims, error)

        claims = self._start_verify(token, done)
        if claims is not None:
            return claims
        return await future


def _settle(future: asyncio.Future[Claims], claims: Optional[Claims], error: Optional[BaseException]) -> None:
    if future.done():  # cancelled by the caller meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert claims is not None
        future.set_result(claims)


def decode_unverified(token: str) -> UnverifiedToken:
    """Header and claims of ``token``, parsed as strictly as ``verify`` does
    but with NOTHING checked: for logging or choosing an issuer, never for trust."""
    header, claims = _native.decode_unverified(token)
    return UnverifiedToken(header, claims)
