"""Flask integration: protect views with a verified token.

    from tokenward import Verifier
    from tokenward.flask import Tokenward, require_token

    auth = Tokenward(app, Verifier(jwks_url=..., issuer=..., audience=...))

    @app.get("/me")
    @require_token(scopes=["profile"])
    def me():
        return {"user": g.claims.subject}

Where the token is read (first found wins): the ``Authorization: Bearer``
header (``header=True``), a cookie (``cookie="name"``), or a field of the
JSON body (``json_path="oauth_token.access_token"`` or ``"accessToken"``).
A request with no token gets 401 and ``WWW-Authenticate: Bearer``; a bad
token gets 401 with ``error="invalid_token"``; a token without a required
scope gets 403 with ``error="insufficient_scope"``; keys that cannot be
fetched give 503 (with a generic message: the reason, which names URLs,
goes to the app's log). With ``login_url`` set, 401s redirect there instead
(with ``?next=`` the original path).

A view that runs has ``g.claims`` (the verified claims), ``g.token_header``
(the verified protected header) and ``g.token`` (the raw token).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional, TypeVar, cast
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, jsonify, redirect, request

from .claims import Claims
from .errors import InvalidToken, JwksError
from .errors import TokenwardError as _TokenwardError

__all__ = ["TokenSettings", "Tokenward", "require_token", "token_from_request"]

F = TypeVar("F", bound=Callable[..., Any])

_EXTENSION = "tokenward"

_KEYS_UNAVAILABLE = "the signing keys are unavailable; try again later"


@dataclass(frozen=True)
class TokenSettings:
    """Where to read the token and what to do when it is missing or bad."""

    header: bool = True
    """Read ``Authorization: Bearer <token>``. Default True."""
    cookie: Optional[str] = None
    """Read this cookie. Default: no cookie."""
    json_path: Optional[str] = None
    """Read this dotted path of a JSON body, e.g. ``oauth_token.access_token``. Default: none."""
    login_url: Optional[str] = None
    """Redirect here (302, ``?next=`` the path) instead of answering 401. Default: answer 401."""
    realm: Optional[str] = None
    """``realm`` of the ``WWW-Authenticate`` challenge. Default: none."""


class Tokenward:
    """App-wide configuration: the verifier and the default token settings.

    ``Tokenward(app, verifier)``, or ``Tokenward(verifier=...)`` then
    ``init_app(app)`` in an app factory. Without a verifier, ``init_app``
    builds one from ``app.config["TOKENWARD_VERIFIER"]`` (a dict of
    ``Verifier`` keyword arguments).
    """

    def __init__(self, app: Optional[Flask] = None, verifier: Optional[Any] = None, **settings: Any) -> None:
        self.verifier = verifier
        self.settings = TokenSettings(**settings)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        if self.verifier is None:
            from . import Verifier

            options = app.config.get("TOKENWARD_VERIFIER")
            if not isinstance(options, dict):
                raise _configuration("give Tokenward a verifier, or set app.config['TOKENWARD_VERIFIER']")
            self.verifier = Verifier(**options)
        app.extensions[_EXTENSION] = self


def _configuration(message: str) -> _TokenwardError:
    from .errors import ConfigurationError

    return ConfigurationError(message)


def _json_field(body: Any, path: str) -> Optional[str]:
    for part in path.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body if isinstance(body, str) else None


def token_from_request(settings: TokenSettings) -> Optional[str]:
    """The token of the current request per ``settings``, or None."""
    if settings.header:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    if settings.cookie:
        cookie = request.cookies.get(settings.cookie)
        if cookie:
            return cookie
    if settings.json_path and request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested too deeply to parse: no token there, as for any bad body
            return None
        return _json_field(body, settings.json_path)
    return None


def _quoted(text: str) -> str:
    # RFC 6750 error_description: printable ASCII without '"' and '\'.
    cleaned = "".join(c for c in text if 0x20 <= ord(c) <= 0x7E and c not in '"\\')
    return f'"{cleaned}"'


def _challenge(settings: TokenSettings, error: Optional[str], description: str, scope: str = "") -> str:
    params = []
    if settings.realm:
        params.append(f"realm={_quoted(settings.realm)}")
    if error:
        params.append(f'error="{error}"')
        params.append(f"error_description={_quoted(description)}")
    if scope:
        params.append(f"scope={_quoted(scope)}")
    return "Bearer" + (" " + ", ".join(params) if params else "")


def _refuse(
    settings: TokenSettings, status: int, error: str, code: str, message: str, scope: str = ""
) -> Response:
    if status == 401 and settings.login_url:
        target = settings.login_url
        separator = "&" if "?" in target else "?"
        return cast(
            Response, redirect(f"{target}{separator}{urlencode({'next': request.full_path.rstrip('?')})}")
        )
    response = jsonify(error=error, code=code, message=message)
    response.status_code = status
    if status in (401, 403):
        rfc_error = None if error == "missing_token" else error
        response.headers["WWW-Authenticate"] = _challenge(settings, rfc_error, message, scope)
    return response


def _authenticate(
    verifier: Any, settings: TokenSettings, optional: bool, scopes: tuple[str, ...]
) -> Optional[Response]:
    """Puts the claims on ``g`` or returns the refusal."""
    g.claims = None
    g.token_header = None
    g.token = None
    token = token_from_request(settings)
    if token is None:
        if optional:
            return None
        return _refuse(settings, 401, "missing_token", "missing_token", "this request needs a bearer token")
    try:
        claims: Claims = verifier.verify(token)
    except InvalidToken as e:
        return _refuse(settings, 401, "invalid_token", e.code, e.message)
    except JwksError as e:
        # The core's message names the key-set URL: for the log, not for the client.
        current_app.logger.warning("tokenward: %s", e)
        return _refuse(settings, 503, "temporarily_unavailable", e.code, _KEYS_UNAVAILABLE)
    missing = [s for s in scopes if s not in claims.scopes]
    if missing:
        message = f"the token lacks the scope(s) {' '.join(missing)}"
        return _refuse(settings, 403, "insufficient_scope", "insufficient_scope", message, " ".join(scopes))
    g.claims = claims
    g.token_header = claims.header
    g.token = token
    return None


def require_token(
    verifier: Optional[Any] = None,
    *,
    optional: bool = False,
    scopes: Iterable[str] = (),
    **settings: Any,
) -> Callable[[F], F]:
    """Decorates a view so it runs only with a verified token.

    The claims are on ``g.claims``, the verified header on ``g.token_header``
    and the raw token on ``g.token``.
    ``optional=True`` lets requests without any token through (``g.claims``
    is None), but still refuses a bad one. ``scopes`` must all be in the
    token's ``scope``/``scp``. Other keywords override ``TokenSettings``.
    ``verifier`` defaults to the app's ``Tokenward`` extension.
    """
    required = tuple(scopes)

    def resolve() -> tuple[Any, TokenSettings]:
        extension: Optional[Tokenward] = current_app.extensions.get(_EXTENSION)
        base = extension.settings if extension else TokenSettings()
        chosen = verifier if verifier is not None else (extension.verifier if extension else None)
        if chosen is None:
            raise _configuration(
                "require_token needs a verifier: pass one, or set up Tokenward(app, verifier)"
            )
        return chosen, replace(base, **settings) if settings else base

    def decorate(view: F) -> F:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                refusal = _authenticate(*resolve(), optional, required)
                if refusal is not None:
                    return refusal
                return await view(*args, **kwargs)

            return cast(F, async_wrapper)

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refusal = _authenticate(*resolve(), optional, required)
            if refusal is not None:
                return refusal
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
