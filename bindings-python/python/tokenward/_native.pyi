# Type stubs for the native module (written by hand; checked with mypy.stubtest).
from collections.abc import Callable, Iterable
from typing import Any, Optional, Union

from typing_extensions import disjoint_base

from .claims import Claims

__all__ = ["TestIssuer", "Verifier", "__version__", "_after_fork_in_child", "decode_unverified", "scopes"]

__version__: str

_Strings = Union[str, Iterable[str]]

@disjoint_base
class Verifier:
    def __new__(
        cls,
        *,
        jwks_url: Optional[str] = None,
        discover: Optional[str] = None,
        jwks: Union[str, dict[str, Any], None] = None,
        key: Optional[str] = None,
        secret: Union[bytes, str, None] = None,
        issuer: Optional[_Strings] = None,
        audience: Optional[_Strings] = None,
        algorithms: Optional[_Strings] = None,
        leeway: Optional[float] = None,
        max_age: Optional[float] = None,
        typ: Optional[str] = None,
        required_claims: Optional[_Strings] = None,
        max_token_bytes: Optional[int] = None,
        millisecond_timestamps: Optional[bool] = None,
        now: Optional[float] = None,
        timeout: Optional[float] = None,
        cache_ttl: Optional[float] = None,
        cooldown: Optional[float] = None,
        max_stale: Optional[float] = None,
        max_jwks_bytes: Optional[int] = None,
    ) -> Verifier: ...
    def verify(self, token: str) -> Claims: ...
    def validate(self, token: str) -> bool: ...
    def _start_verify(
        self, token: str, callback: Callable[[Optional[Claims], Optional[BaseException]], None]
    ) -> Optional[Claims]: ...
    def refresh(self) -> None: ...
    def stats(self) -> dict[str, Any]: ...
    def _time_core(self, token: str, iterations: int) -> float: ...

def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]: ...
def scopes(claims: dict[str, Any]) -> list[str]: ...
def _after_fork_in_child() -> None: ...

@disjoint_base
class TestIssuer:
    def __new__(cls, algorithms: Optional[list[str]] = None) -> TestIssuer: ...
    @property
    def url(self) -> str: ...
    @property
    def jwks_url(self) -> str: ...
    @property
    def discovery_url(self) -> str: ...
    @property
    def kids(self) -> list[str]: ...
    @property
    def jwks_requests(self) -> int: ...
    def jwks(self) -> dict[str, Any]: ...
    def public_key_pem(self, kid: str) -> Optional[str]: ...
    def add_key(self, alg: str) -> str: ...
    def remove_key(self, kid: str) -> None: ...
    def rotate(self, alg: str) -> str: ...
    def mint(
        self,
        claims: Optional[dict[str, Any]] = None,
        *,
        header: Optional[dict[str, Any]] = None,
        kid: Optional[str] = None,
        alg: Optional[str] = None,
    ) -> str: ...
    def set_behavior(
        self,
        *,
        delay: float = 0.0,
        status: Optional[int] = None,
        body: Optional[bytes] = None,
        drop_connection: bool = False,
        cache_control: Optional[str] = None,
        etag: bool = False,
        redirect_to: Optional[str] = None,
        discovery_issuer: Optional[str] = None,
        discovery_jwks_uri: Optional[str] = None,
    ) -> None: ...
    def requests(self, path: str) -> int: ...
