"""The law is data: no Python file outside ``xinyong.rules`` carries a regulation's article.

A refusal or a docstring that types "SH 10" or "CQ 17" cites one regulation in every deployment (a
Chongqing platform refusing a draft by Shanghai's article). Citations come from the rule files, with
their effective dates; code and its comments name the rule key instead (``catalog.public_comment``).
This is the issue's grep, ``grep -rE "(SH|CQ|GS|HB|BJ) [0-9]+" src --include=*.py`` outside ``rules/``,
run over strings, docstrings and comments alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import xinyong

ARTICLE = re.compile(r"(SH|CQ|GS|HB|BJ) [0-9]+")
PACKAGE = Path(xinyong.__file__).resolve().parent
RULES = PACKAGE / "rules"


def test_no_python_outside_rules_cites_a_regulation_article():
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if RULES in path.parents:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ARTICLE.search(line):
                hits.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert not hits, ("Python cites regulation articles (name the rule key; the citation comes from the "
                      "rule file):\n" + "\n".join(hits))


def test_the_check_finds_what_it_looks_for():
    assert ARTICLE.search('"目录草案须先公开征求意见（SH 10、CQ 17）"')
    assert not ARTICLE.search("catalog.public_comment (GB 11643, Art. 10)")
