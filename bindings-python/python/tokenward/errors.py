"""The exceptions tokenward raises: one class per stable error code.

    TokenwardError
    ├── InvalidToken            the token is refused (a subclass per reason)
    ├── JwksError               the keys could not be had (fetch or key-set problem)
    ├── ConfigurationError      the Verifier's arguments are wrong (raised by the constructor)
    └── InternalError           tokenward itself failed (a bug); the token was not accepted

Every instance has ``.code`` (the stable code, e.g. ``"token_expired"``) and
``.claim`` (the claim that failed, e.g. ``"aud"``, or None).
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "AlgorithmNotAllowed",
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
    "TokenExpired",
    "TokenTooLarge",
    "TokenTooOld",
    "TokenwardError",
    "UnsupportedAlgorithm",
    "UnsupportedCriticalHeader",
]


class TokenwardError(Exception):
    """Base of every tokenward error."""

    code: str = "tokenward_error"

    def __init__(self, message: str, *, claim: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.claim = claim

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}, claim={self.claim!r})"


class InvalidToken(TokenwardError):
    """The token is refused; the subclass and ``.code`` say why."""

    code = "invalid_token"


class JwksError(TokenwardError):
    """The key set could not be fetched or used; the token was not judged."""

    code = "jwks_error"


class ConfigurationError(TokenwardError):
    """A Verifier argument is missing, of the wrong type, or out of range."""

    code = "configuration"


class InternalError(TokenwardError):
    """tokenward itself failed (a bug, stopped at the boundary); the token was
    not accepted. Not a token problem: ``validate`` raises it too."""

    code = "internal"


class MalformedToken(InvalidToken):
    code = "malformed"


class TokenTooLarge(InvalidToken):
    code = "token_too_large"


class AlgorithmNotAllowed(InvalidToken):
    code = "algorithm_not_allowed"


class UnsupportedAlgorithm(InvalidToken):
    code = "unsupported_algorithm"


class KeyNotFound(InvalidToken):
    code = "key_not_found"


class InvalidSignature(InvalidToken):
    code = "invalid_signature"


class TokenExpired(InvalidToken):
    code = "token_expired"


class NotYetValid(InvalidToken):
    code = "not_yet_valid"


class IssuedInFuture(InvalidToken):
    code = "issued_in_future"


class TokenTooOld(InvalidToken):
    code = "token_too_old"


class InvalidIssuer(InvalidToken):
    code = "invalid_issuer"


class InvalidAudience(InvalidToken):
    code = "invalid_audience"


class InvalidType(InvalidToken):
    code = "invalid_type"


class MissingClaim(InvalidToken):
    code = "missing_claim"


class InvalidClaim(InvalidToken):
    code = "invalid_claim"


class UnsupportedCriticalHeader(InvalidToken):
    code = "unsupported_critical_header"


class JwksNotLoaded(JwksError):
    code = "jwks_not_loaded"


class JwksFetchFailed(JwksError):
    code = "jwks_fetch_failed"


class JwksInvalid(JwksError):
    code = "jwks_invalid"


_BY_CODE: dict[str, type[TokenwardError]] = {
    cls.code: cls
    for cls in (
        MalformedToken,
        TokenTooLarge,
        AlgorithmNotAllowed,
        UnsupportedAlgorithm,
        KeyNotFound,
        InvalidSignature,
        TokenExpired,
        NotYetValid,
        IssuedInFuture,
        TokenTooOld,
        InvalidIssuer,
        InvalidAudience,
        InvalidType,
        MissingClaim,
        InvalidClaim,
        UnsupportedCriticalHeader,
        JwksNotLoaded,
        JwksFetchFailed,
        JwksInvalid,
        ConfigurationError,
        InternalError,
    )
}
