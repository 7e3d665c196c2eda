"""Verified claims, and the result of an unverified decode."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, NamedTuple, Optional


class Claims(dict[str, Any]):
    """A token's verified claims: a plain ``dict`` (``jsonify(claims)`` works)
    with read-only helpers, and the verified protected header in ``.header``."""

    __slots__ = ("header",)
    header: dict[str, Any]

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
        """Scopes from ``scope`` (space-separated) or ``scp`` (string or list)."""
        value = self.get("scope", self.get("scp"))
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [item for item in value if isinstance(item, str)]
        return []


def _instant(value: Any) -> Optional[datetime]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return datetime.fromtimestamp(value, tz=timezone.utc)


class UnverifiedToken(NamedTuple):
    """Header and claims decoded with nothing checked: never trust them."""

    header: dict[str, Any]
    claims: dict[str, Any]
