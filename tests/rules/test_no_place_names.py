"""Invariants of the Python source: no city or province is named in code (the jurisdiction is data,
``XINYONG_JURISDICTION``), and no legal period is computed as ``timedelta(days=n)`` (the working-day
calendar does that). Also: the rules package is the lowest layer (standard library and PyYAML only)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import xinyong

SRC = Path(xinyong.__file__).resolve().parent.parent
PYTHON_FILES = sorted(SRC.rglob("*.py"))

# Province-level divisions and major cities: English / pinyin names, and Chinese names.
NAMES_LATIN = [
    "beijing",
    "tianjin",
    "hebei",
    "shanxi",
    "inner mongolia",
    "neimenggu",
    "liaoning",
    "jilin",
    "heilongjiang",
    "shanghai",
    "jiangsu",
    "zhejiang",
    "anhui",
    "fujian",
    "jiangxi",
    "shandong",
    "henan",
    "hubei",
    "hunan",
    "guangdong",
    "guangxi",
    "hainan",
    "chongqing",
    "sichuan",
    "guizhou",
    "yunnan",
    "tibet",
    "xizang",
    "shaanxi",
    "gansu",
    "qinghai",
    "ningxia",
    "xinjiang",
    "hong kong",
    "hongkong",
    "macau",
    "macao",
    "taiwan",
    "wuhan",
    "lanzhou",
    "guangzhou",
    "shenzhen",
    "hangzhou",
    "nanjing",
    "chengdu",
    "shenyang",
    "harbin",
    "changsha",
    "zhengzhou",
    "jinan",
    "qingdao",
    "xiamen",
    "kunming",
    "nanning",
    "urumqi",
    "lhasa",
    "hefei",
    "fuzhou",
    "nanchang",
    "taiyuan",
    "shijiazhuang",
    "hohhot",
    "changchun",
    "guiyang",
    "haikou",
    "xining",
    "yinchuan",
    "suzhou",
    "dalian",
    "ningbo",
]
NAMES_CHINESE = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
    "台湾",
    "武汉",
    "兰州",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "成都",
    "沈阳",
    "哈尔滨",
    "长沙",
    "郑州",
    "济南",
    "青岛",
    "厦门",
    "昆明",
    "南宁",
    "乌鲁木齐",
    "拉萨",
    "合肥",
    "福州",
    "南昌",
    "太原",
    "石家庄",
    "呼和浩特",
    "长春",
    "贵阳",
    "海口",
    "西宁",
    "银川",
    "苏州",
    "大连",
    "宁波",
]
_LATIN = re.compile(
    r"(?<![a-z])(" + "|".join(re.escape(n).replace(r"\ ", r"[\s_-]?") for n in NAMES_LATIN) + r")(?![a-z])",
    re.IGNORECASE,
)
_CHINESE = re.compile("|".join(NAMES_CHINESE))
# Codes that contain a region's name without naming a jurisdiction: the identity document types of the
# national data standard's 证件类型 (港澳居民来往内地通行证, 台湾居民来往大陆通行证), as the catalogs' choices and
# their message keys spell them. Nothing else is exempt.
NOT_PLACES = re.compile(r"\b(?:choice\.)?(?:hk_macao_permit|taiwan_permit)\b")
_TIMEDELTA_DAYS = re.compile(r"timedelta\(\s*days\s*=")


def _hits(pattern: re.Pattern[str]) -> list[str]:
    hits = []
    for path in PYTHON_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in pattern.finditer(NOT_PLACES.sub("", line)):
                hits.append(f"{path.relative_to(SRC)}:{number}: {match.group(0)!r} in {line.strip()[:100]}")
    return hits


def test_the_name_patterns_work() -> None:
    assert _LATIN.search("JURISDICTION = 'Shanghai-2017'")
    assert _LATIN.search("hong_kong_rules")
    assert _LATIN.search("tz = 'Asia/Shanghai'")
    assert not _LATIN.search("jurisdiction = settings.jurisdiction  # unjilined")
    assert not _LATIN.search(NOT_PLACES.sub("", 'N_("choice.hk_macao_permit"), N_("choice.taiwan_permit")'))
    assert _LATIN.search(NOT_PLACES.sub("", 'rules = "taiwan"'))      # the exemption is for the codes only
    assert _CHINESE.search("“上海第10条”")
    assert _TIMEDELTA_DAYS.search("due = received + timedelta(days=5)")


def test_there_is_python_source_to_check() -> None:
    assert len(PYTHON_FILES) > 5
    assert any(p.name == "loader.py" for p in PYTHON_FILES)


def test_no_python_file_names_a_city_or_province() -> None:
    hits = _hits(_LATIN) + _hits(_CHINESE)
    assert not hits, (
        "Python code must not name a city or province (the jurisdiction is data: a rule file and "
        "XINYONG_JURISDICTION):\n" + "\n".join(hits)
    )


def test_no_legal_period_is_a_timedelta_of_days() -> None:
    hits = _hits(_TIMEDELTA_DAYS)
    assert not hits, "use the working-day calendar, not timedelta(days=n):\n" + "\n".join(hits)


@pytest.mark.parametrize("path", sorted((SRC / "xinyong" / "rules").glob("*.py")), ids=lambda p: p.name)
def test_the_rules_package_imports_only_the_standard_library_and_yaml(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside xinyong.rules
                continue
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top == "yaml" or top == "__future__", (
                f"{path.name} imports {name}: the rules package may import only the standard library and yaml"
            )
