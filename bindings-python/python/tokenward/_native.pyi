# Type stubs for the native module (written by hand; checked with mypy.stubtest).
from collections.abc import Callable, Iterable
from typing import Any, Optional, Union, final

from typing_extensions import disjoint_base

from .claims import Claims
from .stats import CacheStats, KeyStatus

__all__ = [
    "CoreClaims",
    "Gate",
    "TestIssuer",
    "Verifier",
    "_Built",
    "__version__",
    "_after_fork_in_child",
    "_any_of",
    "_cli",
    "_panic_injection",
    "_preset",
    "_time_core",
    "decode_unverified",
    "error_codes",
    "option_specs",
    "provider_specs",
]

__version__: str
_panic_injection: bool

_Strings = Union[str, Iterable[str]]
_Token = Union[str, bytes, bytearray, memoryview]

@disjoint_base
class Verifier:
    def __new__(
        cls,
        *,
        jwks_url: Optional[str] = None,
        x509_url: Optional[str] = None,
        discover: Optional[str] = None,
        jwks: Union[str, dict[str, Any], None] = None,
        key: Optional[str] = None,
        secret: Union[bytes, bytearray, str, None] = None,
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
        ca_file: Optional[str] = None,
        ca_only: Optional[bool] = None,
        proxy: Optional[str] = None,
        keys_snapshot: Union[str, dict[str, Any], None] = None,
        token_cache_size: Optional[int] = None,
        _from: Optional[_Built] = None,
    ) -> Verifier:
        """Verifies JSON Web Tokens against one key source and one set of rules.

        Every argument is keyword-only, and None means "not given". Times are
        in seconds. An unknown name, a wrong type or a value out of range
        raises ConfigurationError at once (an unknown name says which option
        was meant).

        Args:
            jwks_url (str): URL of the provider's JWKS (https, or http to a loopback address).
                Default: one key source is required.
            x509_url (str): URL of an X.509 certificate map (kid to PEM certificate), as Google
                publishes Firebase's keys.
            discover (str): Issuer URL: the JWKS is found by OpenID Connect discovery, and tokens
                must carry the issuer the discovery document names (unless issuer is set).
            jwks (dict or str): A JWKS document (JSON text, or a dict).
            key (str): A PEM public key (RSA, EC P-256/P-384/P-521/secp256k1, Ed25519); it serves
                tokens with any kid.
            secret (bytes or str): An HMAC secret (a str is taken as UTF-8); needs the HS
                algorithms listed; it serves tokens with any kid.
            issuer (str or list of str): Accepted iss value(s), exact match.
                Default: none (not checked).
            audience (str or list of str): Accepted aud value(s), any-of.
                Default: none (token with aud refused).
            algorithms (str or list of str): Accepted alg value(s); HMAC ones only when listed.
                Default: every asymmetric algorithm.
            leeway (float): Clock skew tolerated on exp, nbf and iat, in seconds. Default: 30.
            max_age (float): Refuse tokens whose iat is older than this, in seconds. Default: none.
            typ (str): Required header typ (case-insensitive, application/ prefix optional),
                e.g. at+jwt. Default: none.
            required_claims (str or list of str): Claims that must be present.
                Default: ["exp"]; an empty list requires none.
            max_token_bytes (int): Longer tokens are refused before any decoding, in bytes.
                Default: 16384.
            millisecond_timestamps (bool): Read exp, nbf and iat above 10^11 as milliseconds
                instead of refusing them. Default: False.
            now (float): Judge time claims at this fixed Unix time in seconds (for tests).
                Default: the system clock.
            timeout (float): Whole-request timeout of a JWKS or discovery fetch, in seconds.
                Default: 5.
            cache_ttl (float): Key freshness when the response has no Cache-Control max-age, in
                seconds. Default: 600 (when no max-age).
            cooldown (float): Least time between unknown-kid refetches, and the longest wait
                between retries after failed fetches (they back off from 1 s), in seconds.
                Default: 30.
            max_stale (float): How long past their freshness held keys keep working while
                refreshes fail, in seconds. Default: 86400.
            max_jwks_bytes (int): Largest JWKS or discovery response accepted, in bytes.
                Default: 524288.
            ca_file (str): Path of a PEM bundle of CA certificates trusted for JWKS, discovery and
                X.509 fetches, in addition to the system roots; read when the verifier is built,
                and an unreadable file or one without a certificate is a configuration error.
                Default: none (the system roots).
            ca_only (bool): Trust only the ca_file certificates for fetches, not the system roots
                (needs ca_file). Default: False.
            proxy (str): Proxy URL (http:// or https://; https targets go through CONNECT) for
                every fetch, used instead of the environment's; hosts listed in NO_PROXY are
                still fetched directly, and loopback hosts get no exception of their own (as in
                curl): list localhost,127.0.0.1,::1 in NO_PROXY to keep them direct.
                Default: none (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY from the environment).
            keys_snapshot (dict or str): Start with the keys of a snapshot export_keys made for
                the same key source, keeping their freshness (prefork workers, serverless cold
                starts). Default: none.
            token_cache_size (int): Verified tokens kept so a token seen again skips its
                signature check (entries end at exp and when their key leaves the key set;
                tokens over 4096 bytes are never kept), a count. Default: 4096; 0 turns it off.
        """
    def verify(self, token: _Token) -> Claims:
        """Verifies ``token`` (a str, or ASCII bytes); raises an InvalidToken subclass
        (MalformedToken for text that is not valid), JwksError when keys cannot be had,
        TypeError for a token of another type."""
    def validate(self, token: _Token) -> bool:
        """True for a valid token, False for any token problem; raises JwksError or
        InternalError when the question cannot be answered."""
    def _start_verify(
        self, token: _Token, callback: Callable[[Optional[Claims], Optional[BaseException]], None]
    ) -> Optional[Claims]: ...
    def refresh(self) -> None:
        """Fetches the key set now (nothing to do for static keys)."""
    def stats(self) -> CacheStats:
        """Key-cache counters (zero for static keys), and the verified-token cache's
        under ``token_cache``: hits, misses, evictions, invalidations, entries."""
    def status(self) -> KeyStatus:
        """Whether usable keys are held, how many and how old, and the last fetch error."""
    def warm_up(self) -> KeyStatus:
        """Fetches the keys unless fresh ones are held (call at startup) and returns the
        status; raises JwksError when they cannot be had."""
    def export_keys(self) -> str:
        """The remote keys held now, with their freshness, as JSON text for
        ``Verifier(..., keys_snapshot=...)`` in another process (JwksNotLoaded before
        the first fetch; ConfigurationError for static keys)."""
    @property
    def issuer_configs(self) -> list[str]:
        """The names of the issuer configurations of a verifier built with ``any_of``,
        in order; empty for any other."""

@final
class _Built: ...

def _preset(name: str, **kwargs: Any) -> _Built: ...
def _any_of(configs: list[tuple[str, Verifier]]) -> _Built: ...
def provider_specs() -> list[dict[str, Any]]: ...

@final
class CoreClaims:
    @staticmethod
    def from_object(claims: dict[str, Any]) -> CoreClaims: ...
    def subject(self) -> Optional[str]: ...
    def issuer(self) -> Optional[str]: ...
    def audience(self) -> list[str]: ...
    def unix_time(self, name: str) -> Optional[float]: ...
    def scopes(self) -> list[str]: ...
    def header(self) -> dict[str, Any]: ...
    def issuer_config(self) -> Optional[str]: ...

def decode_unverified(token: _Token) -> tuple[dict[str, Any], dict[str, Any]]: ...
def option_specs() -> list[dict[str, str]]: ...
def error_codes() -> list[str]: ...
def _cli(args: list[str]) -> int: ...
def _time_core(verifier: Verifier, tokens: list[_Token], iterations: int) -> float: ...
def _after_fork_in_child() -> None: ...

@disjoint_base
class TestIssuer:
    def __new__(cls, algorithms: Optional[list[str]] = None, *, tls: bool = False) -> TestIssuer: ...
    @property
    def url(self) -> str: ...
    @property
    def ca_pem(self) -> Optional[str]: ...
    @property
    def jwks_url(self) -> str: ...
    @property
    def discovery_url(self) -> str: ...
    @property
    def x509_url(self) -> str: ...
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

# (status, [(header, value), ...], code, body as JSON text; empty for a redirect)
_Answer = tuple[int, list[tuple[str, str]], str, str]

@final
class Gate:
    def __new__(cls, settings: dict[str, Any]) -> Gate: ...
    @property
    def max_body_bytes(self) -> int: ...
    def wants_body(self, content_type: Optional[str]) -> bool: ...
    def locate(
        self,
        *,
        authorization: list[str],
        cookie: list[str],
        content_type: Optional[str],
        body: Optional[bytes],
        path: str,
    ) -> Union[str, _Answer, None]: ...
    def too_large(self) -> _Answer: ...
    def refuse(self, code: str, message: str, claim: Optional[str], path: str) -> _Answer: ...
    def check(self, claims: dict[str, Any]) -> Optional[_Answer]: ...
