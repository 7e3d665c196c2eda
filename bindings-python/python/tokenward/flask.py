"""Flask integration: protect views with a verified token.

    from tokenward import Verifier
    from tokenward.flask import Tokenward, require_token

    auth = Tokenward(app, Verifier(jwks_url=..., issuer=..., audience=...))

    @app.get("/me")
    @require_token(scopes=["profile"])
    def me():
        return {"user": g.claims.subject}

Where the token is read: the ``Authorization: Bearer`` header
(``header=True``), a cookie (``cookie="name"``), or a field of a JSON body
(``json_path="oauth_token.access_token"`` or ``"accessToken"``); a request
that presents one in two places is refused. The rules, and every answer, are
the core's (``tokenward.http`` in Rust), the same as for FastAPI, Express and
axum: no token is 401 with ``WWW-Authenticate: Bearer``; a bad token 401 with
``error="invalid_token"``; a malformed ``Authorization`` header 400; a token
without a required scope or failing a claim check 403; a body over
``max_body_bytes`` 413; keys that cannot be fetched 503 with ``Retry-After``
(the reason, which names URLs, goes to the app's log). With ``login_url``
set, 401s redirect there instead (with ``?next=`` the original path). Every
body is JSON ``{"error", "code", "message"}``.

A view that runs has ``g.claims`` (the verified claims), ``g.token_header``
(the verified protected header) and ``g.token`` (the raw token).
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional, TypeVar, cast

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import _native
from .errors import JwksError, TokenwardError

__all__ = ["TokenSettings", "Tokenward", "require_token", "token_from_request"]

F = TypeVar("F", bound=Callable[..., Any])

_EXTENSION = "tokenward"

# (status, [(header, value), ...], code, body as JSON text): the core's answer.
_Answer = tuple[int, list[tuple[str, str]], str, str]


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
    max_body_bytes: Optional[int] = None
    """Largest body read for ``json_path``, in bytes; larger is 413. Default: 65 536."""


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


def _configuration(message: str) -> TokenwardError:
    from .errors import ConfigurationError

    return ConfigurationError(message)


def _gate(
    settings: TokenSettings,
    optional: bool = False,
    scopes: tuple[str, ...] = (),
    claims: tuple[Mapping[str, Any], ...] = (),
) -> _native.Gate:
    options: dict[str, Any] = {
        "header": settings.header,
        "cookie": settings.cookie,
        "json_path": settings.json_path,
        "login_url": settings.login_url,
        "realm": settings.realm,
        "optional": optional,
        "scopes": list(scopes),
        "claims": [dict(check) for check in claims],
    }
    if settings.max_body_bytes is not None:
        options["max_body_bytes"] = settings.max_body_bytes
    return _native.Gate(options)


def _path() -> str:
    # The path and query, for the login redirect's `next`.
    return request.full_path.rstrip("?")


def _locate(gate: _native.Gate) -> Optional[str] | _Answer:
    """The current request's token, None, or the answer to send instead."""
    content_type = request.headers.get("Content-Type")
    body: Optional[bytes] = None
    if gate.wants_body(content_type):
        limit = gate.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return gate.too_large()
        previous = request.max_content_length
        # Werkzeug stops reading there, chunked bodies included; one byte
        # more than the limit tells a body over it from one cut at it.
        request.max_content_length = limit + 1 if previous is None else min(previous, limit + 1)
        try:
            body = request.get_data(cache=True)
        except RequestEntityTooLarge:
            return gate.too_large()
        finally:
            request.max_content_length = previous
        if len(body) > limit:
            return gate.too_large()
    return gate.locate(
        authorization=request.headers.getlist("Authorization"),
        cookie=request.headers.getlist("Cookie"),
        content_type=content_type,
        body=body,
        path=_path(),
    )


def token_from_request(settings: TokenSettings) -> Optional[str]:
    """The token of the current request per ``settings``, or None (also
    when the request would be refused, e.g. for a token in two places)."""
    located = _locate(_gate(settings, optional=True))
    return located if isinstance(located, str) else None


def _respond(answer: _Answer) -> Response:
    status, headers, _code, body = answer
    response = Response(body, status=status, mimetype="application/json" if body else None)
    for name, value in headers:
        response.headers[name] = value
    return response


def _authenticate(verifier: Any, gate: _native.Gate) -> Optional[Response]:
    """Puts the claims on ``g`` or returns the answer to send instead."""
    g.claims = None
    g.token_header = None
    g.token = None
    located = _locate(gate)
    if isinstance(located, tuple):
        return _respond(located)
    if located is None:
        return None
    try:
        claims = verifier.verify(located)
    except TokenwardError as e:
        if isinstance(e, JwksError):
            # The core's message names the key-set URL: for the log, not for the client.
            current_app.logger.warning("tokenward: %s", e)
        return _respond(gate.refuse(e.code, e.message, e.claim, _path()))
    refusal = gate.check(claims)
    if refusal is not None:
        return _respond(refusal)
    g.claims = claims
    g.token_header = claims.header
    g.token = located
    return None


def require_token(
    verifier: Optional[Any] = None,
    *,
    optional: bool = False,
    scopes: Iterable[str] = (),
    claims: Iterable[Mapping[str, Any]] = (),
    **settings: Any,
) -> Callable[[F], F]:
    """Decorates a view so it runs only with a verified token.

    The claims are on ``g.claims``, the verified header on ``g.token_header``
    and the raw token on ``g.token``.
    ``optional=True`` lets requests without any token through (``g.claims``
    is None), but still refuses a bad one. ``scopes`` must all be in the
    token's ``scope``/``scp``. ``claims`` are checks the claims must all pass:
    ``{"includes": "realm_access.roles", "values": ["admin"]}`` or
    ``{"equals": "org", "value": "acme"}`` (paths descend with ``.``, walk
    arrays with ``[]``, and match namespaced names such as
    ``https://example.com/roles`` whole). Other keywords override
    ``TokenSettings``. ``verifier`` defaults to the app's ``Tokenward``
    extension.
    """
    required = tuple(scopes)
    checks = tuple(claims)
    replace(TokenSettings(), **settings)  # an unknown keyword fails here, not at the first request
    gates: weakref.WeakKeyDictionary[Flask, tuple[Any, _native.Gate]] = weakref.WeakKeyDictionary()

    def resolve() -> tuple[Any, _native.Gate]:
        app = cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
        found = gates.get(app)
        if found is not None:
            return found
        extension: Optional[Tokenward] = app.extensions.get(_EXTENSION)
        base = extension.settings if extension else TokenSettings()
        chosen = verifier if verifier is not None else (extension.verifier if extension else None)
        if chosen is None:
            raise _configuration(
                "require_token needs a verifier: pass one, or set up Tokenward(app, verifier)"
            )
        gate = _gate(replace(base, **settings) if settings else base, optional, required, checks)
        gates[app] = (chosen, gate)
        return chosen, gate

    def decorate(view: F) -> F:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                refusal = _authenticate(*resolve())
                if refusal is not None:
                    return refusal
                return await view(*args, **kwargs)

            return cast(F, async_wrapper)

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refusal = _authenticate(*resolve())
            if refusal is not None:
                return refusal
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
