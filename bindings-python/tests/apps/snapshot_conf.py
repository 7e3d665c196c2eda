"""gunicorn settings: before any worker starts, the master warms a verifier
and writes its keys where the workers read them (unless the test wrote a
snapshot already)."""

import os
from pathlib import Path
from typing import Any

from tokenward import Verifier


def on_starting(server: Any) -> None:
    path = Path(os.environ["TOKENWARD_TEST_SNAPSHOT"])
    if not path.exists():
        verifier = Verifier(jwks_url=os.environ["TOKENWARD_TEST_JWKS_URL"])
        verifier.warm_up()
        path.write_text(verifier.export_keys())
