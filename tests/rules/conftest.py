"""Fixtures for the rules tests (helpers live in ``rule_files``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_files import SAMPLE_TEXT, RuleDir


@pytest.fixture
def rule_dir(tmp_path: Path) -> RuleDir:
    (tmp_path / "data").mkdir()
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "sample-2020.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    return RuleDir(tmp_path)
