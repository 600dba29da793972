"""Citations: parsing ``Art. 36(2)(1); Art. 41`` and finding the article headings of a regulation text.

A cite in a regulation's rule file is one or more parts joined by ``;``. Each part starts with
``Art.`` (or ``Arts.``, ``Article``, ``Articles``) and names articles, with optional paragraph and
item numbers in brackets: ``Art. 36``, ``Art. 36(2)``, ``Art. 36(2)(1)``, ranges ``Art. 16-17`` and
lists ``Art. 10, 14`` or ``Art. 31 and 36``.

Article headings in the texts are ``Article 36`` alone on a line, or ``Article 36: ...`` at the start
of a line; Chinese headings ``第三十六条`` are recognised as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIX = re.compile(r"^(?:Arts?\.|Articles?)\s*(?P<refs>\S.*)$")
_REF = re.compile(
    r"^(?P<first>\d+)(?P<sub>(?:\(\w+\))*)(?:\s*[-–]\s*(?P<last>\d+)(?P<sub_last>(?:\(\w+\))*))?$"
)
_LIST_SEP = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")

_HEADING_EN = re.compile(r"^[ \t\u3000]*Article[ \t]+(\d+)[ \t]*(?:[:：.]|$)", re.MULTILINE)
_HEADING_ZH = re.compile(r"^[ \t\u3000]*第([〇零一二两三四五六七八九十百千0-9]+)条", re.MULTILINE)

_ZH_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}


@dataclass(frozen=True)
class CiteRef:
    """One reference: articles ``first``..``last`` (equal for a single article) and subdivisions."""

    first: int
    last: int
    subdivisions: tuple[str, ...] = ()

    @property
    def articles(self) -> range:
        return range(self.first, self.last + 1)


class CiteSyntaxError(ValueError):
    pass


def parse_cite(cite: str) -> tuple[CiteRef, ...]:
    """Parse a regulation cite; raise ``CiteSyntaxError`` saying what is wrong."""
    if not isinstance(cite, str) or not cite.strip():
        raise CiteSyntaxError("empty cite")
    refs: list[CiteRef] = []
    for part in cite.split(";"):
        part = part.strip()
        match = _PREFIX.match(part)
        if not match:
            raise CiteSyntaxError(
                f"cite part {part!r} must read 'Art. N', 'Art. N(p)' or 'Art. N(p)(i)' (parts joined by '; ')"
            )
        for item in _LIST_SEP.split(match["refs"].strip()):
            ref = _REF.match(item.strip())
            if not ref:
                raise CiteSyntaxError(f"cannot read article reference {item!r} in cite {cite!r}")
            first = int(ref["first"])
            last = int(ref["last"]) if ref["last"] else first
            if last < first:
                raise CiteSyntaxError(f"article range {item!r} runs backwards in cite {cite!r}")
            subs = tuple(re.findall(r"\((\w+)\)", ref["sub"] or ""))
            refs.append(CiteRef(first, last, subs))
    return tuple(refs)


def articles_in_cite(cite: str) -> set[int]:
    """The article numbers a cite names; an unreadable cite names none."""
    try:
        refs = parse_cite(cite)
    except CiteSyntaxError:
        return set()
    return {n for ref in refs for n in ref.articles}


def zh_number(text: str) -> int:
    """Convert a Chinese numeral (三十六, 一百零二, 十) or ASCII digits to an int."""
    if text.isdigit():
        return int(text)
    total = 0
    digit = 0
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            total += (digit or 1) * _ZH_UNITS[ch]
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + digit


def article_numbers(text: str) -> frozenset[int]:
    """Every article number that has a heading in a regulation text."""
    found = {int(m) for m in _HEADING_EN.findall(text)}
    found |= {zh_number(m) for m in _HEADING_ZH.findall(text)}
    return frozenset(found)


_ZH_NUMERALS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1..9999 as a Chinese numeral as statutes write article numbers (十, 二十二, 一百零五)."""
    if not 0 < n < 10_000:
        return str(n)
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += ("" if digit == 1 and unit == "十" and not out else _ZH_NUMERALS[digit]) + unit
    return out


def chinese_cite(cite: str) -> str | None:
    """A rule file's cite as a Chinese statute reference: ``Art. 36(2)(1); Art. 41`` reads
    ``第三十六条第二款第（一）项；第四十一条``, ``Art. 16-17`` ``第十六条至第十七条``; None where the cite
    is not in the ``Art.`` form (a State document named by title)."""
    try:
        refs_by_part = [parse_cite(part) for part in cite.split(";")]
    except CiteSyntaxError:
        return None

    def one(ref: CiteRef) -> str:
        article = f"第{chinese_numeral(ref.first)}条"
        if ref.last != ref.first:
            return f"{article}至第{chinese_numeral(ref.last)}条"
        for depth, sub in enumerate(ref.subdivisions):
            number = chinese_numeral(int(sub)) if sub.isdigit() else sub
            article += (f"第{number}款", f"第（{number}）项", f"第{number}目")[min(depth, 2)]
        return article

    return "；".join("、".join(one(ref) for ref in refs) for refs in refs_by_part)
