"""docs/result.md is the Result contract others build on: its examples are Results exactly as
the server writes them, and every reason code the server or the page can give is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from server.models.result import Checks, Result

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "result.md").read_text()
BLOCKS = re.findall(r"```json\n(.*?)```", DOC, re.DOTALL)
EXAMPLES = [block for block in BLOCKS if block.startswith('{\n  "attempt_id"')]
CHECKS_EXAMPLES = [block for block in BLOCKS if block.startswith('{\n  "browser"')]
CATALOG = json.loads((ROOT / "widget" / "i18n" / "en.json").read_text())
CODE = re.compile(
    r"""["'`]((?:browser|camera|lighting|microphone|speakers|network)\.[a-z_]+)["'`]"""
)


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_is_a_result_as_the_server_writes_it(example: str) -> None:
    result = Result.model_validate_json(example)
    assert result.model_dump(mode="json") == json.loads(example)


@pytest.mark.parametrize("example", CHECKS_EXAMPLES)
def test_every_checks_example_is_as_the_server_writes_it(example: str) -> None:
    checks = Checks.model_validate_json(example)
    assert checks.model_dump(mode="json") == json.loads(example)


def test_there_are_examples() -> None:
    assert EXAMPLES, "a whole Result"
    assert CHECKS_EXAMPLES, "the checks of a result measured by the browser"


def emitted_codes() -> set[str]:
    server = {
        code for path in ROOT.glob("server/**/*.py") for code in CODE.findall(path.read_text())
    }
    # The page's scripts also name catalog keys of the same shape (`speakers.prompt`); a reason
    # code is one the page shows a fix for.
    page = {
        code
        for path in ROOT.glob("widget/js/*.js")
        for code in CODE.findall(path.read_text())
        if f"reason.{code}" in CATALOG
    }
    return server | page


def test_every_reason_code_is_documented() -> None:
    documented = set(re.findall(r"`((?:[a-z]+)\.[a-z_]+)`", DOC))
    missing = emitted_codes() - documented
    assert not missing, f"docs/result.md lacks {sorted(missing)}"
