"""Helpers for the rules tests: small rule files written into tmp_path, beside a sample text."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from xinyong.rules import Rulebook, load_rulebook

# A regulation text with articles 1-40 in both heading formats the real texts use.
SAMPLE_TEXT = "\n\n".join(
    (f"Article {n}\n\nText of article {n}." if n % 2 else f"Article {n}: Text of article {n}.")
    for n in range(1, 41)
)

SAMPLE_HEAD = """\
id: sample-2020
title: {zh: 示例条例, en: Sample Regulations}
status: enacted
published: 2020-01-01
in_force: 2020-03-01
text: sample-2020.txt
abbrev: SA
jurisdiction: {zh: 示例市, en: Sample City}
"""

BASELINE = """\
id: national
title: {zh: 国家规定, en: National provisions}
status: enacted
abbrev: NAT
jurisdiction: {zh: 全国, en: National}
rules:
  display.penalty.general:
    values:
      2023-05-01:
        value: {min: 3, max: 36, unit: months, counts_from: decision_date}
        until: 2026-03-31
        cite: "Order 58"
        source: secondary
      2026-04-01:
        value: {min: 3, max: 12, unit: months, counts_from: decision_date}
        cite: "Order 36"
        source: secondary
  restoration.decide:
    values:
      2020-01-01: {value: 3, cite: "Notice 22", source: secondary}
"""


@dataclass
class RuleDir:
    """A folder ``data/`` of rule files and ``texts/`` of regulation texts."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    def write(self, name: str, body: str) -> Path:
        path = self.data / name
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return path

    def sample(self, rules: str, *, name: str = "sample-2020.yaml", head: str = SAMPLE_HEAD) -> Path:
        """A regulation file: the standard head plus ``rules`` (YAML under ``rules:``)."""
        return self.write(name, head + "rules:\n" + textwrap.indent(textwrap.dedent(rules), "  "))

    def baseline(self) -> Path:
        return self.write("national.yaml", BASELINE)

    def load(self) -> Rulebook:
        return load_rulebook([self.data])
