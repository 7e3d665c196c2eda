"""The contract lists (error codes, options) have one source, the core: the
Python face lacks none and adds none."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import tokenward
from tokenward import TokenwardError, _native, errors

STUB = Path(tokenward.__file__).with_name("_native.pyi")
# The classes that group codes rather than stand for one.
GROUPS = {"tokenward_error", "invalid_token", "jwks_error"}


def core_codes() -> set[str]:
    return set(_native.error_codes())


def core_options() -> dict[str, dict[str, str]]:
    return {spec["name"]: spec for spec in _native.option_specs()}


def verifier_new() -> ast.FunctionDef:
    tree = ast.parse(STUB.read_text())
    verifier = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Verifier")
    return next(n for n in verifier.body if isinstance(n, ast.FunctionDef) and n.name == "__new__")


def exception_classes(module: object, names: list[str]) -> list[type[TokenwardError]]:
    found = [getattr(module, name) for name in names]
    return [c for c in found if isinstance(c, type) and issubclass(c, TokenwardError)]


def test_every_core_error_code_has_exactly_one_exception_class() -> None:
    assert set(errors._BY_CODE) == core_codes()
    assert all(cls.code == code for code, cls in errors._BY_CODE.items())


def test_the_package_exports_one_exception_class_per_core_code_and_no_other() -> None:
    for module in (tokenward, errors):
        classes = exception_classes(module, module.__all__)
        codes = [cls.code for cls in classes if cls.code not in GROUPS]
        assert sorted(codes) == sorted(core_codes()), module.__name__
    defined = exception_classes(errors, [n for n in vars(errors) if not n.startswith("_")])
    assert {cls.code for cls in defined} - GROUPS == core_codes(), "a class in errors.py is not exported"


def test_the_stub_declares_every_core_option_as_a_keyword_of_verifier() -> None:
    new = verifier_new()
    assert new.args.args[0].arg == "cls" and len(new.args.args) == 1, "options are keyword-only"
    assert new.args.kwarg is None
    # `_from` carries a verifier a preset or `any_of` built; it is no option.
    assert sorted(a.arg for a in new.args.kwonlyargs if a.arg != "_from") == sorted(core_options())


def test_the_stub_documents_every_core_option_with_its_default() -> None:
    doc = ast.get_docstring(verifier_new()) or ""
    entries = dict(re.findall(r"^ {4}(\w+) \([^)]*\): (.*?)(?=^ {4}\w|\Z)", doc, re.M | re.S))
    assert sorted(entries) == sorted(core_options())
    for name, spec in core_options().items():
        text = " ".join(entries[name].split())
        if spec["default"]:
            assert f"Default: {spec['default']}".lower() in text.lower(), name


def test_the_runtime_docstring_lists_every_core_option() -> None:
    doc = tokenward.Verifier.__doc__ or ""
    assert all(f"    {name} (" in doc for name in core_options())
