"""tokenward: verify JSON Web Tokens against your auth provider's keys.

from tokenward import Verifier
verifier = Verifier(jwks_url="https://issuer.example/.well-known/jwks.json",
                    issuer="https://issuer.example", audience="my-api")
claims = verifier.verify(token)          # Claims, or raises an InvalidToken subclass
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional, Union

from . import _native
from .claims import Claims, UnverifiedToken
from .errors import (
    AlgorithmNotAllowed,
    ConfigurationError,
    InternalError,
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
from .stats import CacheStats, TokenCacheStats

if TYPE_CHECKING:
    import asyncio

__version__: str = _native.__version__

__all__ = [
    "AlgorithmNotAllowed",
    "CacheStats",
    "Claims",
    "ConfigurationError",
    "InternalError",
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
    "TokenCacheStats",
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


_Token = Union[str, bytes, bytearray, memoryview]


class Verifier(_native.Verifier):
    """Verifies tokens against one key source and one set of rules.

    Build it once (at import or app start) and share it: it is thread-safe,
    and its key cache is shared by every thread and task. Every argument is
    keyword-only; times are in seconds. Exactly one key source is required
    (``jwks_url``, ``discover``, ``jwks``, ``key`` or ``secret``).

    A token is a ``str``, or ``bytes``/``bytearray``/``memoryview`` holding
    its ASCII text; text that is not valid (lone surrogates, bytes that are
    not UTF-8) is a ``MalformedToken``, and any other type a ``TypeError``.

    Raises ConfigurationError for an unknown, missing, wrong-typed or
    out-of-range argument (an unknown name says which option was meant).
    """

    async def verify_async(self, token: _Token) -> Claims:
        """Like ``verify``, without blocking the event loop on a key fetch.

        With keys held it answers at once; a fetch runs on tokenward's own
        runtime, and concurrent callers share one fetch.
        """
        import asyncio  # here, not at import: asyncio alone takes longer to import than tokenward
        import contextlib

        loop = asyncio.get_running_loop()
        future: asyncio.Future[Claims] = loop.create_future()

        def done(claims: Optional[Claims], error: Optional[BaseException]) -> None:
            # A loop closed before the fetch ended has nobody waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, claims, error)

        claims = self._start_verify(token, done)
        if claims is not None:
            return claims
        return await future


def _options_doc() -> str:
    lines = ["", "", "Options (every one keyword-only; times in seconds):", ""]
    for spec in _native.option_specs():
        default = f" Default: {spec['default']}." if spec["default"] else ""
        lines.append(f"    {spec['name']} ({spec['kind']}): {spec['doc']}{default}")
    return "\n".join(lines)


Verifier.__doc__ = (Verifier.__doc__ or "").rstrip() + _options_doc()


def _settle(future: asyncio.Future[Claims], claims: Optional[Claims], error: Optional[BaseException]) -> None:
    if future.done():  # cancelled by the caller meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert claims is not None
        future.set_result(claims)


def decode_unverified(token: _Token) -> UnverifiedToken:
    """Header and claims of ``token``, parsed as strictly as ``verify`` does
    but with NOTHING checked: for logging or choosing an issuer, never for trust.

    ``token`` is a ``str`` or ASCII ``bytes``/``bytearray``/``memoryview``, as for ``verify``."""
    header, claims = _native.decode_unverified(token)
    return UnverifiedToken(header, claims)
