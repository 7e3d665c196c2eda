"""The seed flow in FastAPI: the frontend posts the provider's payload to
/login; the backend verifies the access and id tokens with tokenward, finds
or creates the user in SQLite, and starts a session.

Two kinds of session are shown side by side:
- the provider's access token in an HttpOnly cookie, verified on every
  request by tokenward's dependency (GET /me);
- the app's own opaque session id in a cookie, looked up in SQLite
  (GET /session).

Tokens are verified with ``verify_async`` (and by ``RequireToken``, which
awaits it), so the event loop never waits on a key fetch. SQLite calls block,
so they run in the thread pool: the routes that only touch SQLite are plain
``def`` routes, which FastAPI runs there.

Run: TOKENWARD_ISSUER=https://issuer.example TOKENWARD_AUDIENCE=my-api \\
     TOKENWARD_CLIENT_ID=my-client python app.py
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# run time, and they name a dependency that exists only inside create_app.
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from tokenward import Claims, InvalidToken, JwksError, Verifier
from tokenward.fastapi import RequireToken, install

SCHEMA = (Path(__file__).resolve().parent.parent / "schema.sql").read_text()
# The browser frontend shared by every example (examples/web).
WEB = Path(__file__).resolve().parent.parent / "web"
PAGE, SCRIPT = (WEB / "login.html").read_text(), (WEB / "login.js").read_text()

ACCESS_COOKIE = "access_token"
SESSION_COOKIE = "sid"


def tokens_from(payload: Any) -> tuple[Optional[str], Optional[str]]:
    """(access token, id token) from Cotter's or Secuuth's payload."""
    if not isinstance(payload, dict):
        return None, None
    oauth = payload.get("oauth_token")
    if isinstance(oauth, dict):  # Cotter: {email, oauth_token: {access_token, id_token, ...}, user}
        return oauth.get("access_token"), oauth.get("id_token")
    return payload.get("accessToken"), payload.get("idToken")  # Secuuth


def verified_email(*verified: Mapping[str, Any]) -> Optional[str]:
    """The first `email` claim among verified claim sets (id token first), if any."""
    for claims in verified:
        email = claims.get("email")
        if isinstance(email, str) and email:
            return email
    return None


def declares_json(content_type: Optional[str]) -> bool:
    """Whether the body says it is JSON: ``application/json`` or ``application/*+json``,
    the types Flask's ``get_json`` reads, so that both examples read the same logins."""
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


async def posted_json(request: Request) -> Any:
    """The body parsed as JSON, or None when it is not declared JSON or does not parse."""
    if not declares_json(request.headers.get("content-type")):
        return None
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


def cookie_lifetime(claims: Claims) -> Optional[int]:
    """Seconds the access-token cookie lives: the token's own lifetime, or the
    browser session when the token does not state both ``iat`` and ``exp``."""
    expires, issued = claims.expires_at, claims.issued_at
    if expires is None or issued is None:
        return None
    return max(0, int((expires - issued).total_seconds()))


def user_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "subject": row["subject"], "email": row["email"]}


def create_app(
    *,
    issuer: str,
    audience: str,
    client_id: str,
    database: str,
    cookie_secure: bool = False,
    style: str = "cotter",
) -> FastAPI:
    app = FastAPI()
    install(app)
    # Access tokens are for this API; id tokens are addressed to the frontend's client id.
    access = Verifier(discover=issuer, audience=audience)
    identity = Verifier(discover=issuer, audience=client_id)
    signed_in = RequireToken(access, cookie=ACCESS_COOKIE)

    @contextmanager
    def db() -> Iterator[sqlite3.Connection]:
        """A connection for one unit of work, committed when it ends without an error."""
        with closing(sqlite3.connect(database)) as conn, conn:
            conn.row_factory = sqlite3.Row
            yield conn

    with db() as conn:
        conn.executescript(SCHEMA)

    def set_cookie(response: Response, name: str, value: str, max_age: Optional[int] = None) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=cookie_secure)

    def refuse(status: int, code: str, message: str) -> JSONResponse:
        return JSONResponse({"error": "login_failed", "code": code, "message": message}, status_code=status)

    def find_or_create(subject: str, email: Optional[str]) -> tuple[dict[str, Any], bool, str]:
        """(the user, whether this login created them, a new session id)."""
        with db() as conn:
            inserted = conn.execute(
                "INSERT INTO users (subject, email) VALUES (?, ?) ON CONFLICT(subject) DO NOTHING",
                (subject, email),
            ).rowcount
            user = conn.execute("SELECT * FROM users WHERE subject = ?", (subject,)).fetchone()
            session_id = secrets.token_urlsafe(32)
            conn.execute("INSERT INTO sessions (id, user_id) VALUES (?, ?)", (session_id, user["id"]))
        return user_json(user), inserted == 1, session_id

    # The page and what it needs to send the browser to the provider; `style`
    # is the payload it posts to /login: "cotter" or "secuuth".
    page_config = {"issuer": issuer, "audience": audience, "client_id": client_id, "style": style}

    @app.get("/")
    def index() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get("/login.js")
    def script() -> Response:
        return Response(SCRIPT, media_type="text/javascript")

    @app.get("/config.json")
    def config() -> JSONResponse:
        return JSONResponse(page_config)

    @app.post("/login")
    async def login(request: Request) -> JSONResponse:
        access_token, id_token = tokens_from(await posted_json(request))
        if not isinstance(access_token, str) or not isinstance(id_token, str):
            return refuse(
                400, "missing_tokens", "post the provider's payload with an access token and an id token"
            )
        try:
            access_claims = await access.verify_async(access_token)
            id_claims = await identity.verify_async(id_token)
        except InvalidToken as e:
            return refuse(401, e.code, e.message)
        except JwksError as e:
            return refuse(503, e.code, e.message)
        subject = access_claims.subject
        if subject is None or subject != id_claims.subject:
            return refuse(
                401, "subject_mismatch", "the access token and the id token are about different users"
            )
        # What is stored about the user comes from verified claims only: the rest of
        # the posted payload is whatever the browser chose to send.
        email = verified_email(id_claims, access_claims)
        user, created, session_id = await run_in_threadpool(find_or_create, subject, email)
        response = JSONResponse({"user": user, "created": created})
        set_cookie(response, ACCESS_COOKIE, access_token, max_age=cookie_lifetime(access_claims))
        set_cookie(response, SESSION_COOKIE, session_id)
        return response

    @app.get("/me")
    def me(claims: Annotated[Claims, Depends(signed_in)]) -> JSONResponse:
        with db() as conn:
            row = conn.execute("SELECT * FROM users WHERE subject = ?", (claims.subject,)).fetchone()
        if row is None:
            body = {"error": "unknown_user", "code": "unknown_user", "message": "log in first"}
            return JSONResponse(body, status_code=404)
        return JSONResponse({"user": user_json(row), "scopes": claims.scopes})

    @app.get("/session")
    def session(request: Request) -> JSONResponse:
        with db() as conn:
            row = conn.execute(
                "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id"
                " WHERE sessions.id = ?",
                (request.cookies.get(SESSION_COOKIE, ""),),
            ).fetchone()
        if row is None:
            body = {"error": "no_session", "code": "no_session", "message": "log in first"}
            return JSONResponse(body, status_code=401)
        return JSONResponse({"user": user_json(row)})

    @app.post("/logout")
    def logout(request: Request) -> JSONResponse:
        with db() as conn:
            conn.execute("DELETE FROM sessions WHERE id = ?", (request.cookies.get(SESSION_COOKIE, ""),))
        response = JSONResponse({"ok": True})
        response.delete_cookie(ACCESS_COOKIE)
        response.delete_cookie(SESSION_COOKIE)
        return response

    return app


if __name__ == "__main__":
    application = create_app(
        issuer=os.environ["TOKENWARD_ISSUER"],
        audience=os.environ["TOKENWARD_AUDIENCE"],
        client_id=os.environ["TOKENWARD_CLIENT_ID"],
        database=os.environ.get("DATABASE", "users.db"),
        cookie_secure=os.environ.get("COOKIE_SECURE", "0") == "1",
        style=os.environ.get("TOKENWARD_STYLE", "cotter"),
    )
    uvicorn.run(application, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
