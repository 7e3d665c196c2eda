"""The native Gate the adapters share: settings, answers, claim checks."""

import json

import pytest
from tokenward import ConfigurationError, _native


def test_bad_settings_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="unknown field"):
        _native.Gate({"cookies": "session"})
    with pytest.raises(ConfigurationError):
        _native.Gate({"header": False})
    with pytest.raises(ConfigurationError):
        _native.Gate({"claims": [{"includes": "roles"}]})


def test_locate_answers_with_a_plain_tuple() -> None:
    gate = _native.Gate({})
    parts = {"cookie": [], "content_type": None, "body": None, "path": "/"}
    assert gate.locate(authorization=["Bearer abc"], **parts) == "abc"
    answer = gate.locate(authorization=[], **parts)
    assert isinstance(answer, tuple)
    status, headers, code, body = answer
    assert (status, headers, code) == (401, [("WWW-Authenticate", "Bearer")], "missing_token")
    assert json.loads(body)["code"] == "missing_token"
    assert _native.Gate({"optional": True}).locate(authorization=[], **parts) is None


def test_refuse_maps_a_caught_error_to_the_cores_answer() -> None:
    gate = _native.Gate({"login_url": "/signin"})
    assert gate.refuse("token_expired", "expired", "exp", "/a?b=1") == (
        302,
        [("Location", "/signin?next=/a%3Fb%3D1")],
        "token_expired",
        "",
    )
    status, headers, code, _ = _native.Gate({}).refuse("jwks_fetch_failed", "http://x failed", None, "/")
    assert (status, headers, code) == (503, [("Retry-After", "30")], "keys_unavailable")
    assert _native.Gate({}).refuse("no_such_code", "?", None, "/")[0] == 500


def test_check_reads_a_plain_dict_of_claims() -> None:
    gate = _native.Gate({"scopes": ["profile"], "claims": [{"equals": "org", "value": "acme"}]})
    assert gate.check({"scope": "profile", "org": "acme"}) is None
    assert gate.check({"scope": "email", "org": "acme"})[2] == "insufficient_scope"  # type: ignore[index]
    assert gate.check({"scp": ["profile"], "org": "other"})[2] == "claim_check_failed"  # type: ignore[index]
