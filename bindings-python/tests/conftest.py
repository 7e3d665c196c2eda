from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tokenward.testing import TestIssuer

AUD = "my-api"
VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "vectors.json"


@pytest.fixture
def issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    return json.loads(VECTORS.read_text())
