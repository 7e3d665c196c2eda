"""The seed flow in Flask: the frontend posts the provider's payload to
/login; the backend verifies the access and id tokens with tokenward, finds
or creates the user in SQLite, and starts a session.

Two kinds of session are shown side by side:
- the provider's access token in an HttpOnly cookie, verified on every
  request by tokenward's decorator (GET /me);
- the app's own opaque session id in a cookie, looked up in SQLite
  (GET /session).

Run: TOKENWARD_ISSUER=https://issuer.example TOKENWARD_AUDIENCE=my-api \\
     TOKENWARD_CLIENT_ID=my-client python app.py
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

from flask import Flask, Response, g, jsonify, request
from tokenward import InvalidToken, JwksError, Verifier
from tokenward.flask import Tokenward, require_token

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


def create_app(
    *,
    issuer: str,
    audience: str,
    client_id: str,
    database: str,
    cookie_secure: bool = False,
    style: str = "cotter",
) -> Flask:
    app = Flask(__name__)
    # Access tokens are for this API; id tokens are addressed to the frontend's client id.
    access = Verifier(discover=issuer, audience=audience)
    identity = Verifier(discover=issuer, audience=client_id)
    Tokenward(app, access, cookie=ACCESS_COOKIE)

    def db() -> sqlite3.Connection:
        if "db" not in g:
            g.db = sqlite3.connect(database)
            g.db.row_factory = sqlite3.Row
        return g.db

    @app.teardown_appcontext
    def close_db(_: Optional[BaseException]) -> None:
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    with sqlite3.connect(database) as conn:
        conn.executescript(SCHEMA)

    def refuse(status: int, code: str, message: str) -> tuple[Response, int]:
        return jsonify(error="login_failed", code=code, message=message), status

    def user_json(row: sqlite3.Row) -> dict[str, Any]:
        return {"id": row["id"], "subject": row["subject"], "email": row["email"]}

    # The page and what it needs to send the browser to the provider; `style`
    # is the payload it posts to /login: "cotter" or "secuuth".
    page_config = {"issuer": issuer, "audience": audience, "client_id": client_id, "style": style}

    @app.get("/")
    def index() -> Response:
        return Response(PAGE, mimetype="text/html")

    @app.get("/login.js")
    def script() -> Response:
        return Response(SCRIPT, mimetype="text/javascript")

    @app.get("/config.json")
    def config() -> Response:
        return jsonify(page_config)

    @app.post("/login")
    def login() -> Any:
        payload = request.get_json(silent=True)
        access_token, id_token = tokens_from(payload)
        if not isinstance(access_token, str) or not isinstance(id_token, str):
            return refuse(
                400, "missing_tokens", "post the provider's payload with an access token and an id token"
            )
        try:
            access_claims = access.verify(access_token)
            id_claims = identity.verify(id_token)
        except InvalidToken as e:
            return refuse(401, e.code, e.message)
        except JwksError as e:
            return refuse(503, e.code, e.message)
        if access_claims.subject is None or access_claims.subject != id_claims.subject:
            return refuse(
                401, "subject_mismatch", "the access token and the id token are about different users"
            )
        # What is stored about the user comes from verified claims only: the rest of
        # the posted payload is whatever the browser chose to send.
        email = verified_email(id_claims, access_claims)
        conn = db()
        inserted = conn.execute(
            "INSERT INTO users (subject, email) VALUES (?, ?) ON CONFLICT(subject) DO NOTHING",
            (access_claims.subject, email),
        ).rowcount
        user = conn.execute("SELECT * FROM users WHERE subject = ?", (access_claims.subject,)).fetchone()
        session_id = secrets.token_urlsafe(32)
        conn.execute("INSERT INTO sessions (id, user_id) VALUES (?, ?)", (session_id, user["id"]))
        conn.commit()
        response = jsonify(user=user_json(user), created=inserted == 1)
        # The cookie lasts as long as the token; without both times, for the browser session.
        lifetime = None
        expires, issued = access_claims.expires_at, access_claims.issued_at
        if expires is not None and issued is not None:
            lifetime = max(0, int((expires - issued).total_seconds()))
        cookie = {"httponly": True, "samesite": "Lax", "secure": cookie_secure}
        response.set_cookie(ACCESS_COOKIE, access_token, max_age=lifetime, **cookie)
        response.set_cookie(SESSION_COOKIE, session_id, **cookie)
        return response

    @app.get("/me")
    @require_token()
    def me() -> Any:
        row = db().execute("SELECT * FROM users WHERE subject = ?", (g.claims.subject,)).fetchone()
        if row is None:
            return jsonify(error="unknown_user", code="unknown_user", message="log in first"), 404
        return jsonify(user=user_json(row), scopes=g.claims.scopes)

    @app.get("/session")
    def session() -> Any:
        row = (
            db()
            .execute(
                "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id"
                " WHERE sessions.id = ?",
                (request.cookies.get(SESSION_COOKIE, ""),),
            )
            .fetchone()
        )
        if row is None:
            return jsonify(error="no_session", code="no_session", message="log in first"), 401
        return jsonify(user=user_json(row))

    @app.post("/logout")
    def logout() -> Any:
        conn = db()
        conn.execute("DELETE FROM sessions WHERE id = ?", (request.cookies.get(SESSION_COOKIE, ""),))
        conn.commit()
        response = jsonify(ok=True)
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
    application.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
