"""Citations on Chinese pages read as Chinese statute references (issue 14): the rule files' ``CQ Art.
22(3)`` is ``《重庆市社会信用条例》第二十二条第三款``; a paragraph is 款, an item 项 in full-width brackets, a
range 至, a list 、, parts ；; a cite the rulebook cannot place is left as written."""

from __future__ import annotations

import pytest

from xinyong.portal.citations import in_chinese
from xinyong.rules.cites import chinese_cite, chinese_numeral
from xinyong.rules.loader import load_rulebook


@pytest.mark.parametrize(("n", "zh"), [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (36, "三十六"),
                                       (100, "一百"), (105, "一百零五"), (110, "一百一十"), (1001, "一千零一")])
def test_article_numbers_as_statutes_write_them(n: int, zh: str) -> None:
    assert chinese_numeral(n) == zh


@pytest.mark.parametrize(("cite", "zh"), [
    ("Art. 22(3)", "第二十二条第三款"),
    ("Art. 36(2)(1); Art. 41", "第三十六条第二款第（一）项；第四十一条"),
    ("Art. 16-17", "第十六条至第十七条"),
    ("Art. 10, 14", "第十条、第十四条"),
    ("Arts. 31 and 36", "第三十一条、第三十六条"),
])
def test_cites_in_chinese(cite: str, zh: str) -> None:
    assert chinese_cite(cite) == zh


def test_a_cite_not_in_the_article_form_is_not_guessed() -> None:
    assert chinese_cite("NDRC Order No. 36 (2025), 信用修复管理办法") is None


def test_citations_inside_text_name_the_regulation_by_its_chinese_title() -> None:
    rulebook = load_rulebook()
    title = rulebook.get("chongqing-2021").title.zh
    text = "依据 CQ Art. 40(2)(1); Art. 40(3) 作出；责任见 CQ Art. 53。"
    assert in_chinese(text, rulebook) == f"依据 《{title}》第四十条第二款第（一）项；第四十条第三款 作出；" \
                                         f"责任见 《{title}》第五十三条。"
    assert in_chinese("XX Art. 5 and NAT-less text", rulebook) == "XX Art. 5 and NAT-less text"   # unknown abbrev
