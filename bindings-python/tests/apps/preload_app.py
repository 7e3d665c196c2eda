"""A Flask app for gunicorn --preload: the verifier is built, and keys are
fetched, in the parent before it forks its workers."""

import os

from flask import Flask, g, jsonify
from tokenward import Verifier
from tokenward.flask import Tokenward, require_token

verifier = Verifier(jwks_url=os.environ["TOKENWARD_TEST_JWKS_URL"], audience="my-api", cooldown=0)
verifier.refresh()

app = Flask(__name__)
Tokenward(app, verifier)


@app.get("/whoami")
@require_token()
def whoami() -> object:
    return jsonify(sub=g.claims.subject, pid=os.getpid())
