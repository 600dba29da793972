"""Natural persons' personal data written inside free text: found, described and masked.

One detector serves both ends of a record's life:

* at intake, every string and free-text field is scanned for citizen identity numbers (GB 11643, 18
  characters with a valid check character and birth date), passport and travel-permit numbers and
  mobile phone numbers; the catalog field says whether such a value refuses the row or is stored
  masked (``xinyong.domain.catalog.items.PersonalData``);
* when served, the access policy masks those numbers and natural persons' names in every free-text
  value for everyone but the person concerned.

Names cannot be recognised in arbitrary prose, so a name is taken as personal where the text itself
says it is a person's: after a word naming a person's role (``法定代表人张明``, ``当事人：李华``), or
right before an identity number (``张明（公民身份号码…）``), and wherever a name the caller knows (the
record's natural-person subject, a field declared to hold a person's name) occurs. A run of Chinese
characters after a role word with no punctuation to end it is cut after three characters: masking a
character too many is preferred to showing a name.

Full-width digits and letters are read as their ASCII forms, so ``５００１…`` is found as well.
Nothing here raises on odd input, and a masked text masks to itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from xinyong.domain.platform.citizen import is_citizen_id
from xinyong.domain.subjects.kinds import IdentifierKind
from xinyong.domain.subjects.masking import mask_identifier, mask_name


class Found(StrEnum):
    citizen_id = "citizen_id"
    passport = "passport"
    phone = "phone"
    name = "name"


FOUND_LABELS: dict[Found, tuple[str, str]] = {
    Found.citizen_id: ("公民身份号码", "citizen identity number"),
    Found.passport: ("护照或通行证号码", "passport or travel permit number"),
    Found.phone: ("手机号码", "mobile phone number"),
    Found.name: ("自然人姓名", "natural person's name"),
}
NUMBER_KINDS = frozenset({Found.citizen_id, Found.passport, Found.phone})


@dataclass(frozen=True)
class Finding:
    kind: Found
    start: int
    end: int
    value: str      # as written in the text (full-width characters kept)

    @property
    def label_zh(self) -> str:
        return FOUND_LABELS[self.kind][0]

    @property
    def label_en(self) -> str:
        return FOUND_LABELS[self.kind][1]


# Full-width digits and Latin letters read as ASCII; one character for one, so offsets stay valid.
_WIDE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                       **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
                       **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}})

# The search for candidates inside text; whether one is a citizen identity number is ``is_citizen_id``.
_CITIZEN = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
# Passports (E/G + 8 digits, E + letter + 7 digits, D/S/P service passports) and the mainland travel
# permits of the special administrative regions' residents (H/M + 8 or 10 digits).
_PASSPORT = re.compile(r"(?<![0-9A-Za-z])(?:[EGDSP]\d{8}|E[A-HJ-NP-Z]\d{7}|[HM]\d{8}(?:\d{2})?)(?![0-9A-Za-z])")
# Mainland mobile numbers, with an optional +86 and 3-4-4 separators.
_PHONE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9A-Za-z])")

ROLE_WORDS = ("法定代表人", "法人代表", "主要负责人", "负责人", "经营者", "投资人", "实际控制人", "当事人",
              "被处罚人", "违法行为人", "驾驶人", "被执行人", "申请人", "委托代理人", "联系人", "户主", "监护人",
              "直接责任人")
"""Words after which a text names a person (longest first where one contains another)."""
# Surnames: the common single-character ones (covering the great majority of people) and the compound
# ones; a role word followed by anything else ("申请人应当…") is prose, not a name.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
            "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符"
            "舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农"
            "司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商"
            "刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼"
            "蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈"
            "晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅"
            "利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
                     "司徒", "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "轩辕", "呼延", "百里", "东郭")
_PROSE_AFTER_ROLE = ("应", "须", "可以", "不得", "未", "已", "和", "与", "及", "或", "等", "的", "对", "向", "在",
                     "依法", "按照", "名称", "身份", "提交", "提出", "申请", "所在", "住所", "签字", "签名",
                     "代码", "信息", "证件", "姓名", "是否", "本人", "以外", "之外", "相关", "所", "均", "同意",
                     "承担", "履行", "明知", "故意")
"""Words that, right after a role word, show prose rather than a name ("申请人应当…", "当事人未…")."""
_NAME_RUN = r"[\u3400-\u9fff][\u3400-\u9fff·•]{1,5}"
_AFTER_ROLE = re.compile(
    "(?:" + "|".join(sorted(map(re.escape, ROLE_WORDS), key=len, reverse=True)) + r")(?:为|是)?[：:\s]*("
    + _NAME_RUN + ")")
_ID_LABEL = re.compile(r"(?:[\s（(\[【，,：:、]|公民身份号码|居民身份证号码|身份证号码|身份证号|身份证|证件号码|"
                       r"证件号|护照号码|护照号|护照|通行证号码|通行证号|通行证|号码|系)*$")
_RUN_BEFORE = re.compile(_NAME_RUN.replace("{1,5}", "{1,}") + "$")
_NAME_LIMIT = 4       # the longest name taken whole when punctuation ends it (a compound surname + 2)
_NAME_CUT = 3         # what is taken when nothing ends the run
_ENDS_NAME = frozenset("，,。；;：:（()）、 \t\n\"“”'‘’【】[]<>《》!！?？")


def _numbers(text: str) -> list[Finding]:
    plain = text.translate(_WIDE)
    found: list[Finding] = []
    for match in _CITIZEN.finditer(plain):
        value = match.group()
        if is_citizen_id(value):
            found.append(Finding(Found.citizen_id, match.start(), match.end(), text[match.start():match.end()]))
    taken = [(f.start, f.end) for f in found]
    for kind, pattern in ((Found.passport, _PASSPORT), (Found.phone, _PHONE)):
        for match in pattern.finditer(plain):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            found.append(Finding(kind, match.start(), match.end(), text[match.start():match.end()]))
            taken.append((match.start(), match.end()))
    return found


def _cut(run: str, ended: bool) -> str:
    """The name in a run of characters that follows a role word (``ended``: punctuation follows it)."""
    for word in sorted(ROLE_WORDS, key=len, reverse=True):   # "法定代表人股东张明": the last role word wins
        at = run.rfind(word)
        if at >= 0 and len(run) - at - len(word) >= 2:
            run = run[at + len(word):]
    if ended and len(run) <= _NAME_LIMIT:
        return run
    return run[:_NAME_CUT]


def _names(text: str, numbers: Iterable[Finding], known: Iterable[str]) -> list[Finding]:
    found: list[Finding] = []
    for match in _AFTER_ROLE.finditer(text):
        start = match.start(1)
        end = match.end(1)
        ended = end >= len(text) or text[end] in _ENDS_NAME
        name = _cut(match.group(1), ended)
        if len(name) >= 2 and (name[0] in SURNAMES or name.startswith(COMPOUND_SURNAMES)) \
                and not name.startswith(_PROSE_AFTER_ROLE):
            found.append(Finding(Found.name, start, start + len(name), name))
    for number in numbers:
        if number.kind is Found.phone:
            continue
        before = text[:number.start]
        label = _ID_LABEL.search(before)
        head = before[:label.start()] if label else before
        run = _RUN_BEFORE.search(head)
        if run is None:
            continue
        value = run.group()
        for word in sorted(ROLE_WORDS, key=len, reverse=True):
            at = value.rfind(word)
            if at >= 0:
                value = value[at + len(word):]
                break
        if len(value) > _NAME_LIMIT:
            value = value[-_NAME_CUT:]
        if len(value) >= 2:
            found.append(Finding(Found.name, run.end() - len(value), run.end(), value))
    for name in {n.strip() for n in known if n and len(n.strip()) >= 2}:
        at = text.find(name)
        while at >= 0:
            found.append(Finding(Found.name, at, at + len(name), name))
            at = text.find(name, at + len(name))
    return found


def find(text: str, *, names: Iterable[str] = (), numbers_only: bool = False) -> list[Finding]:
    """Every piece of personal data in ``text``, in order, overlaps resolved (the earlier and longer
    wins): identity, passport and phone numbers, and unless ``numbers_only`` the natural persons'
    names the text marks as such or that are among ``names``."""
    if not isinstance(text, str) or not text:
        return []
    found = _numbers(text)
    if not numbers_only:
        found += _names(text, found, names)
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    out: list[Finding] = []
    for finding in found:
        if out and finding.start < out[-1].end:
            continue
        out.append(finding)
    return out


_D = "[0-9\uff10-\uff19]"
_HINT = re.compile(f"{_D}{{7}}|{_D}{{3}}[- ]{_D}{{4}}|" + "|".join(map(re.escape, ROLE_WORDS)))


def _may_hold(text: str, names: Iterable[str]) -> bool:
    """A cheap first look: every number found has a run of seven digits, or a mobile number's
    separated groups (3, then 4); with neither, no role word and none of ``names``, nothing can be
    found (most values served, such as dates, codes and amounts, stop here)."""
    return _HINT.search(text) is not None or any(n and n in text for n in names)


def holds(text: str, names: Iterable[str] = ()) -> bool:
    """Whether ``text`` carries any personal data :func:`find` would find."""
    if not isinstance(text, str) or len(text) < 2:
        return False
    names = tuple(names)
    return _may_hold(text, names) and bool(find(text, names=names))


def masked(finding: Finding) -> str:
    """How one piece of personal data reads once masked."""
    value = finding.value
    if finding.kind is Found.citizen_id:
        return mask_identifier(value.translate(_WIDE), IdentifierKind.citizen_id)
    if finding.kind is Found.passport:
        return mask_identifier(value.translate(_WIDE), IdentifierKind.passport)
    if finding.kind is Found.phone:
        digits = [i for i, ch in enumerate(value) if ch.translate(_WIDE).isdigit()]
        hidden = set(digits[-8:-4])
        return "".join("*" if i in hidden else ch for i, ch in enumerate(value))
    return mask_name(value)


def mask_text(text: str, *, names: Iterable[str] = (), keep: Iterable[str] = (),
              numbers_only: bool = False) -> str:
    """``text`` with every piece of personal data masked except those in ``keep`` (the viewer's own
    identity number and name)."""
    names = tuple(names)
    if not isinstance(text, str) or len(text) < 2 or not _may_hold(text, names):
        return text
    findings = find(text, names=names, numbers_only=numbers_only)
    if not findings:
        return text
    kept = {k.translate(_WIDE).upper() for k in keep if k}
    parts: list[str] = []
    at = 0
    for finding in findings:
        if finding.value.translate(_WIDE).upper() in kept:
            continue
        parts.append(text[at:finding.start])
        parts.append(masked(finding))
        at = finding.end
    parts.append(text[at:])
    return "".join(parts)


def kinds_found(findings: Iterable[Finding]) -> tuple[Found, ...]:
    """The kinds among ``findings``, each once, in a fixed order (for messages and reports)."""
    present = {f.kind for f in findings}
    return tuple(k for k in Found if k in present)
