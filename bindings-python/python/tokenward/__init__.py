"""tokenward: verify JSON Web Tokens against your auth provider's keys.

from tokenward import Verifier
verifier = Verifier(jwks_url="https://issuer.example/.well-known/jwks.json",
                    issuer="https://issuer.example", audience="my-api")
claims = verifier.verify(token)          # Claims, or raises an InvalidToken subclass
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, TypeVar, Union

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
from .stats import CacheStats, FetchLatency, KeyStatus, TokenCacheStats

if TYPE_CHECKING:
    import asyncio

__version__: str = _native.__version__

__all__ = [
    "AlgorithmNotAllowed",
    "CacheStats",
    "Claims",
    "ConfigurationError",
    "FetchLatency",
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
    "KeyStatus",
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
_Strings = Union[str, Sequence[str]]
_V = TypeVar("_V", bound="Verifier")


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

    @classmethod
    def any_of(cls: type[_V], configs: Mapping[str, Verifier]) -> _V:
        """One verifier trusting several issuers, each configuration with its
        own keys, cache and rules (an Auth0 custom domain beside the canonical
        one, two Cognito pools, staging and production).

        The token's unverified ``iss`` only picks the configuration that then
        judges it: an ``iss`` no configuration names raises ``InvalidIssuer``
        with no network request, and keys fetched for one issuer never verify
        a token that names another. ``claims.issuer_config`` is the name of
        the configuration that accepted the token. Every configuration must
        name its issuers (``issuer``, ``discover`` or a provider preset).
        """
        return cls(_from=_native._any_of(list(configs.items())))

    # Provider presets: the core's table (README: Providers). Each preset sets
    # the issuer, audience, keys, algorithms and the provider's claim rules;
    # every ordinary option still applies, and the key source may be replaced
    # (jwks_url, x509_url, jwks, key) while the issuer and rules stay.

    @classmethod
    def cotter(cls: type[_V], *, api_key_id: str, **options: Any) -> _V:
        """Cotter: iss https://www.cotter.app, aud = your API key id, ES256."""
        return cls._preset("cotter", api_key_id=api_key_id, **options)

    @classmethod
    def auth0(
        cls: type[_V], *, domain: str, audience: _Strings, custom_domain: Optional[str] = None, **options: Any
    ) -> _V:
        """Auth0: iss https://{domain}/ (and https://{custom_domain}/), aud = audience, RS256."""
        return cls._preset("auth0", domain=domain, audience=audience, custom_domain=custom_domain, **options)

    @classmethod
    def cognito(
        cls: type[_V], *, region: str, user_pool_id: str, client_ids: _Strings, token_use: str, **options: Any
    ) -> _V:
        """Amazon Cognito: ``token_use`` "access" (client_id checked, no aud) or "id" (aud checked)."""
        return cls._preset(
            "cognito",
            region=region,
            user_pool_id=user_pool_id,
            client_ids=client_ids,
            token_use=token_use,
            **options,
        )

    @classmethod
    def firebase(cls: type[_V], *, project_id: str, **options: Any) -> _V:
        """Firebase Authentication ID tokens: keys from Google's X.509 certificate map."""
        return cls._preset("firebase", project_id=project_id, **options)

    @classmethod
    def google(
        cls: type[_V], *, client_ids: _Strings, hosted_domain: Optional[str] = None, **options: Any
    ) -> _V:
        """Google Sign-In ID tokens; ``hosted_domain`` restricts to one Workspace domain."""
        return cls._preset("google", client_ids=client_ids, hosted_domain=hosted_domain, **options)

    @classmethod
    def entra(
        cls: type[_V],
        *,
        tenant: str,
        audience: _Strings,
        version: Optional[int] = None,
        allowed_tenants: Optional[_Strings] = None,
        **options: Any,
    ) -> _V:
        """Microsoft Entra ID; ``tenant`` "organizations"/"common" needs ``allowed_tenants``."""
        return cls._preset(
            "entra",
            tenant=tenant,
            audience=audience,
            version=version,
            allowed_tenants=allowed_tenants,
            **options,
        )

    @classmethod
    def okta(
        cls: type[_V],
        *,
        issuer: str,
        audience: _Strings,
        client_ids: Optional[_Strings] = None,
        **options: Any,
    ) -> _V:
        """Okta: an authorization server's issuer; ``client_ids`` checks ``cid``."""
        return cls._preset("okta", issuer=issuer, audience=audience, client_ids=client_ids, **options)

    @classmethod
    def keycloak(
        cls: type[_V],
        *,
        base_url: str,
        realm: str,
        audience: _Strings,
        authorized_parties: Optional[_Strings] = None,
        **options: Any,
    ) -> _V:
        """Keycloak: iss {base_url}/realms/{realm}; ``authorized_parties`` checks ``azp``."""
        return cls._preset(
            "keycloak",
            base_url=base_url,
            realm=realm,
            audience=audience,
            authorized_parties=authorized_parties,
            **options,
        )

    @classmethod
    def clerk(
        cls: type[_V],
        *,
        frontend_api: str,
        authorized_parties: Optional[_Strings] = None,
        audience: Optional[_Strings] = None,
        **options: Any,
    ) -> _V:
        """Clerk session tokens; ``authorized_parties`` (origins) checks ``azp``."""
        return cls._preset(
            "clerk",
            frontend_api=frontend_api,
            authorized_parties=authorized_parties,
            audience=audience,
            **options,
        )

    @classmethod
    def supabase(
        cls: type[_V], *, project_ref: str, audience: Optional[_Strings] = None, **options: Any
    ) -> _V:
        """Supabase Auth with asymmetric keys; ``audience`` defaults to "authenticated"."""
        return cls._preset("supabase", project_ref=project_ref, audience=audience, **options)

    @classmethod
    def _preset(cls: type[_V], name: str, **kwargs: Any) -> _V:
        return cls(_from=_native._preset(name, **kwargs))


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
