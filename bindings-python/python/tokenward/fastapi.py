"""FastAPI (and Starlette) integration: a dependency that runs a route only
with a verified token.

    from fastapi import Depends, FastAPI
    from tokenward import Claims, Verifier
    from tokenward.fastapi import RequireToken, install

    verifier = Verifier(jwks_url=..., issuer=..., audience=...)
    app = FastAPI()
    install(app)

    @app.get("/me")
    async def me(claims: Claims = Depends(RequireToken(verifier, scopes=["profile"]))):
        return {"user": claims.subject}

    # or, with the dependency built once: Annotated[Claims, Depends(profile)]

The rules, and every answer, are the core's (``tokenward.http`` in Rust),
the same as for Flask, Express and axum: where the token is (the
``Authorization: Bearer`` header, a ``cookie``, a ``json_path`` of a JSON
body), the scopes and claim checks, and the refusal (400, 401 with its
``WWW-Authenticate`` challenge, 403, 413, 503 with ``Retry-After``, or the
302 to ``login_url``). Verification awaits ``verifier.verify_async``, so the
event loop never blocks on a key fetch.

A refusal is raised as :class:`TokenRefused`, an ``HTTPException`` carrying
the status and headers. ``install(app)`` registers its handler, which sends
the core's JSON body ``{"error", "code", "message"}`` exactly (FastAPI's own
``HTTPException`` handler would wrap it as ``{"detail": ...}``), and lists
the 400/401/403/413/503 answers in the OpenAPI schema of every route that
depends on a ``RequireToken``. The dependency also declares an HTTP bearer
security scheme (and a cookie scheme with ``cookie=``), so ``/docs`` shows the
Authorize button.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from fastapi import FastAPI, Request, Security
from fastapi.exceptions import HTTPException
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from . import _native
from .claims import Claims
from .errors import JwksError, TokenwardError

if TYPE_CHECKING:
    from fastapi.dependencies.models import Dependant

__all__ = ["RequireToken", "TokenRefused", "install"]

_log = logging.getLogger("tokenward")

# (status, [(header, value), ...], code, body as JSON text): the core's answer.
_Answer = tuple[int, list[tuple[str, str]], str, str]

# Documents the header in OpenAPI (the Authorize button); the token itself is
# read by the core from every Authorization header the request carries.
_BEARER = HTTPBearer(auto_error=False, description="An access token: `Authorization: Bearer <token>`.")

_ERROR_BODY = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
    "required": ["error", "code", "message"],
}
_RESPONSES: dict[Union[int, str], dict[str, Any]] = {
    status: {"description": description, "content": {"application/json": {"schema": _ERROR_BODY}}}
    for status, description in [
        (400, "The request presents its token badly (several Authorization headers, several places)."),
        (401, "No token, or a token that does not verify (see WWW-Authenticate)."),
        (403, "The token lacks a required scope or fails a claim check."),
        (413, "The body that should hold the token is over the limit."),
        (503, "The signing keys are unavailable; retry after Retry-After seconds."),
    ]
}


class TokenRefused(HTTPException):
    """The answer to a request that ``RequireToken`` refuses.

    ``status_code`` and ``headers`` are the answer's; ``code`` is its stable
    code (``missing_token``, ``token_expired``, ``insufficient_scope``...);
    ``body`` is its JSON text (empty for the 302 to ``login_url``), and
    ``detail`` the same, parsed.
    """

    def __init__(self, answer: _Answer) -> None:
        status, headers, code, body = answer
        super().__init__(status_code=status, detail=json.loads(body) if body else None, headers=dict(headers))
        self.code = code
        self.body = body


async def _send(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TokenRefused)
    return Response(
        content=exc.body,
        status_code=exc.status_code,
        headers=exc.headers,
        media_type="application/json" if exc.body else None,
    )


def install(app: FastAPI) -> None:
    """Sends refusals with the core's JSON body, and documents them in the
    OpenAPI schema of every route guarded by a ``RequireToken``."""
    app.add_exception_handler(TokenRefused, _send)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for route in app.routes:
                if isinstance(route, APIRoute) and _guarded(route.dependant):
                    for status, doc in _RESPONSES.items():
                        route.responses.setdefault(status, doc)
        return generate()

    setattr(app, "openapi", openapi)  # noqa: B010 (mypy refuses assigning to a method)


def _guarded(dependant: Dependant) -> bool:
    return isinstance(dependant.call, RequireToken) or any(_guarded(d) for d in dependant.dependencies)


class RequireToken:
    """A dependency that gives the route the verified ``Claims``.

    ``scopes`` must all be in the token's ``scope``/``scp``. ``claims`` are
    checks the claims must all pass: ``{"includes": "realm_access.roles",
    "values": ["admin"]}`` or ``{"equals": "org", "value": "acme"}``.
    ``header`` (default True) reads ``Authorization: Bearer``; ``cookie``
    (default none) a cookie; ``json_path`` (default none) a dotted path of a
    JSON body, read up to ``max_body_bytes`` (default 65 536; larger is
    413) and left readable by the route. ``optional=True`` (default False)
    gives None for a request without any token, but still refuses a bad
    one. ``login_url`` (default none) redirects a 401 there (302, ``?next=``
    the path). ``realm`` (default none) is the challenge's realm.
    ``retry_after`` (default 30) is the 503's ``Retry-After``, in seconds.
    A bad setting raises ``ConfigurationError`` here.
    """

    def __init__(
        self,
        verifier: Any,
        *,
        scopes: Iterable[str] = (),
        claims: Iterable[Mapping[str, Any]] = (),
        header: bool = True,
        cookie: Optional[str] = None,
        json_path: Optional[str] = None,
        max_body_bytes: Optional[int] = None,
        optional: bool = False,
        login_url: Optional[str] = None,
        realm: Optional[str] = None,
        retry_after: Optional[int] = None,
    ) -> None:
        settings: dict[str, Any] = {
            "header": header,
            "cookie": cookie,
            "json_path": json_path,
            "optional": optional,
            "scopes": list(scopes),
            "claims": [dict(check) for check in claims],
            "login_url": login_url,
            "realm": realm,
        }
        if max_body_bytes is not None:
            settings["max_body_bytes"] = max_body_bytes
        if retry_after is not None:
            settings["retry_after"] = retry_after
        self.verifier = verifier
        self.gate = _native.Gate(settings)
        # FastAPI reads the dependency's parameters from this signature: the
        # request, plus the security schemes that document where the token is.
        parameters = [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
        ]
        if header:
            parameters.append(_scheme("_bearer", _BEARER, Optional[HTTPAuthorizationCredentials]))
        if cookie is not None:
            scheme = APIKeyCookie(name=cookie, auto_error=False)
            parameters.append(_scheme("_cookie", scheme, Optional[str]))
        self.__signature__ = inspect.Signature(parameters)

    async def __call__(self, request: Request, **_schemes: Any) -> Optional[Claims]:
        gate = self.gate
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        content_type = request.headers.get("content-type")
        body: Optional[bytes] = None
        if gate.wants_body(content_type):
            body = await _read(request, gate.max_body_bytes)
            if body is None:
                raise TokenRefused(gate.too_large())
        located = gate.locate(
            authorization=request.headers.getlist("authorization"),
            cookie=request.headers.getlist("cookie"),
            content_type=content_type,
            body=body,
            path=path,
        )
        if isinstance(located, tuple):
            raise TokenRefused(located)
        if located is None:
            return None
        try:
            claims: Claims = await self.verifier.verify_async(located)
        except TokenwardError as e:
            if isinstance(e, JwksError):
                # The core's message names the key-set URL: for the log, not for the client.
                _log.warning("tokenward: %s", e)
            raise TokenRefused(gate.refuse(e.code, e.message, e.claim, path)) from None
        refusal = gate.check(claims)
        if refusal is not None:
            raise TokenRefused(refusal)
        return claims


def _scheme(name: str, scheme: Callable[..., Any], annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=Security(scheme), annotation=annotation
    )


async def _read(request: Request, limit: int) -> Optional[bytes]:
    """The body, or None when it is over ``limit`` bytes (reading stops there)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            return None
    body = bytes(data)
    # Starlette keeps a read body here, so the route can still read it.
    setattr(request, "_body", body)  # noqa: B010
    return body
