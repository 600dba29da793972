"""Every article RULES.md lists is encoded in its regulation's rule file, or carries a written note
there saying why it is not machine-checkable (``notes:``). A rule file that exists must pass; only a
file not written yet is skipped."""

from __future__ import annotations

import re

import pytest

from xinyong.rules import DATA_DIR, TEXTS_DIR, article_numbers, load_rulebook, parse_cite

RULES_MD = TEXTS_DIR / "RULES.md"
FILES = {
    "SH": "shanghai-2017",
    "CQ": "chongqing-2021",
    "GS": "gansu-2021",
    "HB": "hubei-2017-draft",
    "BJ": "beijing-draft",
}

# "SH 29-31", "CQ 31 and 36", "BJ 10, 14", "SH 9(4)", "SH 7, 12; CQ 6; HB 20", "HB 27(6)"
_REF = r"\d+(?:\(\w+\))*(?:\s*[-–]\s*\d+(?:\(\w+\))*)?"
_MENTION = re.compile(rf"\b(SH|CQ|GS|HB|BJ)\s+({_REF}(?:(?:\s*,\s*|\s+and\s+){_REF})*)")


def referenced_articles(text: str) -> dict[str, set[int]]:
    """Article numbers RULES.md names for each regulation abbreviation."""
    found: dict[str, set[int]] = {abbrev: set() for abbrev in FILES}
    for abbrev, refs in _MENTION.findall(text):
        for ref in parse_cite(f"Art. {refs}"):
            found[abbrev].update(ref.articles)
    return found


def test_the_reference_parser_reads_every_form_rules_md_uses() -> None:
    sample = (
        "(SH 29-31, CQ 31 and 36, GS 32-35, HB 26-27, BJ 25-26 and 32); SH 9(4); HB 27(6): only; "
        "(SH 7, 12; CQ 6; HB 20); BJ 10, 14; SH 50-53 (fines 10,000-100,000 yuan)"
    )
    found = referenced_articles(sample)
    assert found["SH"] == {29, 30, 31, 9, 7, 12, 50, 51, 52, 53}
    assert found["CQ"] == {31, 36, 6}
    assert found["GS"] == {32, 33, 34, 35}
    assert found["HB"] == {26, 27, 20}
    assert found["BJ"] == {25, 26, 32, 10, 14}


def test_rules_md_beside_the_texts_is_the_shared_digest() -> None:
    assert RULES_MD.is_file()
    found = referenced_articles(RULES_MD.read_text(encoding="utf-8"))
    # Sanity: the digest names dozens of articles of each regulation, all of which exist in its text.
    for abbrev, file_id in FILES.items():
        assert len(found[abbrev]) > 10, abbrev
        text = (TEXTS_DIR / f"{file_id}.txt").read_text(encoding="utf-8")
        assert found[abbrev] <= article_numbers(text), abbrev


@pytest.mark.parametrize(
    "abbrev", list(FILES), ids=[f"{a} ({f}) covers every article RULES.md lists" for a, f in FILES.items()]
)
def test_every_listed_article_is_encoded_or_noted(abbrev: str) -> None:
    file_id = FILES[abbrev]
    rule_file = DATA_DIR / f"{file_id}.yaml"
    if not rule_file.exists():
        pytest.skip(f"{file_id}.yaml is not written yet")
    ruleset = load_rulebook().get(file_id)
    assert ruleset.abbrev == abbrev
    wanted = referenced_articles(RULES_MD.read_text(encoding="utf-8"))[abbrev]
    missing = sorted(wanted - ruleset.cited_articles())
    assert not missing, (
        f"{file_id}.yaml neither encodes nor notes these articles RULES.md lists: "
        + ", ".join(f"{abbrev} {n}" for n in missing)
        + " (add a rule citing each, or a `notes:` entry saying why it is not machine-checkable)"
    )
