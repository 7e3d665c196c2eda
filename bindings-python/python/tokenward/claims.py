"""Verified claims, and the result of an unverified decode."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, Optional

from . import _native

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Claims(dict[str, Any]):
    """A token's verified claims: a plain ``dict`` (``jsonify(claims)`` works)
    with read-only helpers, and the verified protected header in ``.header``.
    Its members are the token's, in the order the token lists them; each
    call returns a new dict, whose lists and dicts belong to that call alone.

    The helpers are the core's readers, the same in every language. On claims
    returned by ``verify`` they read the token as verified (later changes to
    the dict do not move them); on a ``Claims`` built by hand, or a copy, they
    read the dict as it is, and ``.header`` is ``{}`` unless it was copied.
    """

    # `_core` (the core's Claims) is set by verify, which calls no __init__;
    # `_header` is the header dict once read.
    __slots__ = ("_core", "_header")
    _core: _native.CoreClaims
    _header: dict[str, Any]

    def _reader(self) -> _native.CoreClaims:
        try:
            return self._core
        except AttributeError:
            return _native.CoreClaims.from_object(self)

    def __reduce__(self) -> tuple[Any, ...]:
        # The claims and the header; the core's reading is rebuilt from them on use.
        return (type(self), (dict(self),), (None, {"_header": self.header}))

    @property
    def header(self) -> dict[str, Any]:
        """The token's protected header, as verified; ``{}`` for claims built by hand."""
        try:
            return self._header
        except AttributeError:
            header = self._reader().header()
            self._header = header
            return header

    @property
    def subject(self) -> Optional[str]:
        """``sub``: the user the token is about."""
        return self._reader().subject()

    @property
    def issuer(self) -> Optional[str]:
        """``iss``."""
        return self._reader().issuer()

    @property
    def audience(self) -> list[str]:
        """``aud`` as a list (a single string becomes a one-item list)."""
        return self._reader().audience()

    @property
    def expires_at(self) -> Optional[datetime]:
        """``exp`` as an aware UTC datetime (a value in milliseconds converted);
        None when absent, not a number, or outside the years 1 to 9999."""
        return _instant(self._reader().unix_time("exp"))

    @property
    def issued_at(self) -> Optional[datetime]:
        """``iat`` as an aware UTC datetime; None as for ``expires_at``."""
        return _instant(self._reader().unix_time("iat"))

    @property
    def scopes(self) -> list[str]:
        """Scopes from ``scope`` (space-separated) when present, else ``scp``
        (string or list): the core's rule, the same in every language."""
        return self._reader().scopes()

    @property
    def issuer_config(self) -> Optional[str]:
        """The name of the issuer configuration that accepted the token, for a
        verifier built with ``Verifier.any_of``; None otherwise."""
        try:
            return self._core.issuer_config()
        except AttributeError:
            return None


def _instant(seconds: Optional[float]) -> Optional[datetime]:
    if seconds is None:
        return None
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError:  # the core keeps to years 1-9999; rounding at the edges
        return None


class UnverifiedToken(NamedTuple):
    """Header and claims decoded with nothing checked: never trust them."""

    header: dict[str, Any]
    claims: dict[str, Any]
