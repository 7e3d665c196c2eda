"""Verified claims, and the result of an unverified decode."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, NamedTuple, Optional


class Claims(dict[str, Any]):
    """A token's verified claims: a plain ``dict`` (``jsonify(claims)`` works)
    with read-only helpers, and the verified protected header in ``.header``."""

    # Set by verify (no __init__, so building one costs no Python call).
    __slots__ = ("_header", "_token")
    _header: dict[str, Any]
    _token: str

    @property
    def header(self) -> dict[str, Any]:
        """The token's protected header (verified with it); ``{}`` for claims built by hand."""
        header: Optional[dict[str, Any]] = getattr(self, "_header", None)
        if header is None:
            from ._native import decode_unverified

            token: Optional[str] = getattr(self, "_token", None)
            header = decode_unverified(token)[0] if token else {}
            self._header = header
        return header

    @property
    def subject(self) -> Optional[str]:
        """``sub``: the user the token is about."""
        value = self.get("sub")
        return value if isinstance(value, str) else None

    @property
    def issuer(self) -> Optional[str]:
        """``iss``."""
        value = self.get("iss")
        return value if isinstance(value, str) else None

    @property
    def audience(self) -> list[str]:
        """``aud`` as a list (a single string becomes a one-item list)."""
        value = self.get("aud")
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [item for item in value if isinstance(item, str)]
        return []

    @property
    def expires_at(self) -> Optional[datetime]:
        """``exp`` as an aware UTC datetime."""
        return _instant(self.get("exp"))

    @property
    def issued_at(self) -> Optional[datetime]:
        """``iat`` as an aware UTC datetime."""
        return _instant(self.get("iat"))

    @property
    def scopes(self) -> list[str]:
        """Scopes from ``scope`` (space-separated) when present, else ``scp``
        (string or list): the core's rule, the same in every language."""
        from ._native import scopes

        return scopes(self)


def _instant(value: Any) -> Optional[datetime]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return datetime.fromtimestamp(value, tz=timezone.utc)


class UnverifiedToken(NamedTuple):
    """Header and claims decoded with nothing checked: never trust them."""

    header: dict[str, Any]
    claims: dict[str, Any]
