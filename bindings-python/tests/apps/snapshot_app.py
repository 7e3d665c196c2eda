"""A Flask app for gunicorn whose workers start from a key snapshot: the
master fetches the keys once (snapshot_conf.py) and every worker builds its
verifier from the snapshot, so no worker fetches before its keys expire."""

import os
from pathlib import Path

from flask import Flask, g, jsonify
from tokenward import Verifier
from tokenward.flask import Tokenward, require_token

snapshot = Path(os.environ["TOKENWARD_TEST_SNAPSHOT"]).read_text()
verifier = Verifier(jwks_url=os.environ["TOKENWARD_TEST_JWKS_URL"], audience="my-api", keys_snapshot=snapshot)

app = Flask(__name__)
Tokenward(app, verifier)


@app.get("/whoami")
@require_token()
def whoami() -> object:
    return jsonify(sub=g.claims.subject, pid=os.getpid(), fresh=verifier.status()["fresh"])
