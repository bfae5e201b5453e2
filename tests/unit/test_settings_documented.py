"""Every setting is documented in the README's configuration table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from server.config import ENV_PREFIX, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme() -> None:
    readme = README.read_text()
    missing = [
        ENV_PREFIX + f.name.upper()
        for f in dataclasses.fields(Settings)
        if f"`{ENV_PREFIX}{f.name.upper()}`" not in readme
    ]
    assert not missing, f"document these in README.md: {missing}"
