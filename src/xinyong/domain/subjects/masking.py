"""A natural person's identifier and name as shown to anyone but the person: ``mask_identifier``
(citizen identity numbers keep their division code and last characters, documents their first and last
characters; an organisation's credit code, and an individual business's registration number, are public
and shown whole) and ``mask_name``.

An individual business (个体工商户) is published under its own name, but many have no trade name and are
registered under the operator's name, and others carry it inside theirs (``王小明小吃店``). The operator
is a natural person: ``business_name_as_shown`` gives the name anyone but the business and duty
inquiries sees. The rule, decided here and applied by the public pages and the access policy alike:

* a name that contains the name of one of its operators (the business's responsible persons, as the
  registry links them, or the operator named in the record) has that name masked where it occurs
  (``王小明小吃店`` -> ``王**小吃店``; ``王小明`` -> ``王**``);
* a name that looks like a bare personal name is masked whole even when no operator is known: two to
  four CJK characters, and none of ``BUSINESS_WORDS`` (店, 馆, 行, 部, 厂, 坊, 社, 铺, 摊, 中心, ...) in it,
  the words a trade name of a shop, stall or workshop ends with (``张伟`` -> ``张*``; ``老张面馆`` stays);
* every other name is shown as registered.

A masked name is never a key to look a business up by (the lookup finds such a business by its code).
"""

from __future__ import annotations

import unicodedata

from xinyong.domain.subjects.identifiers import check_identifier, normalise_identifier
from xinyong.domain.subjects.kinds import IdentifierKind

__all__ = ["BUSINESS_WORDS", "business_name_as_shown", "looks_like_personal_name", "mask_identifier", "mask_name"]

_MASK = "*"


def _mask_keep(s: str, head: int, tail: int) -> str:
    return s[:head] + _MASK * (len(s) - head - tail) + (s[len(s) - tail:] if tail else "")


def _mask_document(s: str) -> str:
    """Keep the first character and the last two; short values keep only the first character."""
    if len(s) >= 6:
        return _mask_keep(s, 1, 2)
    if len(s) >= 2:
        return _mask_keep(s, 1, 0)
    return _MASK * len(s)


def mask_identifier(identifier: str, kind: IdentifierKind | None = None) -> str:
    """The identifier as shown to anyone but the person it identifies.

    * citizen identity number: the first 6 and last 4 characters kept, the 8 between (the birth date)
      masked, ``11010519491231002X`` -> ``110105********002X`` (a 15-digit number: 6 and last 3 kept);
    * passport and other IDs: the first character and the last two kept, the rest masked;
    * USCC: not masked. An organisation's USCC is public information (it is printed on its licence and
      published with its permits and penalties). A value given as a USCC that does not pass the USCC
      check is masked like a personal identifier, in case it is one.

    With no ``kind``, the kind is detected; a value that cannot be recognised is masked (18 characters
    like a citizen identity number, others like a document). Masking a masked value gives it back
    unchanged, and nothing here raises on odd input.
    """
    s = normalise_identifier(identifier)
    if not s:
        return ""
    if kind is None:
        check = check_identifier(s)
        kind = check.kind if check.valid else None
    elif kind is IdentifierKind.uscc and not check_identifier(s, hint=IdentifierKind.uscc).valid:
        kind = None
    elif kind is IdentifierKind.registration_no and not check_identifier(s, hint=kind).valid:
        kind = None
    if kind in (IdentifierKind.uscc, IdentifierKind.registration_no):
        return s
    if kind is None or kind is IdentifierKind.citizen_id:
        if len(s) == 18:
            return _mask_keep(s, 6, 4)
        if len(s) == 15 and kind is IdentifierKind.citizen_id:
            return _mask_keep(s, 6, 3)
    return _mask_document(s)


# Kept in place when masking a name; everything else but the kept initials becomes "*".
_NAME_SEPARATORS = frozenset(" ·•・‧-")


def _is_han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK")


def mask_name(name: str) -> str:
    """A natural person's name as shown to anyone but the person.

    Names in Chinese characters keep their first character (``张三`` -> ``张*``, ``欧阳娜娜`` -> ``欧***``;
    separating dots are kept). Other names keep the first letter of each word
    (``John Smith`` -> ``J*** S****``). A masked name masks to itself.
    """
    if not name:
        return ""
    text = " ".join(unicodedata.normalize("NFKC", name).split())
    if not text:
        return ""
    if any(_is_han(ch) for ch in text):
        if len(text) == 1:
            return _MASK
        return text[0] + "".join(ch if ch in _NAME_SEPARATORS else _MASK for ch in text[1:])
    out: list[str] = []
    start_of_word = True
    for ch in text:
        if ch in _NAME_SEPARATORS:
            out.append(ch)
            start_of_word = True
        elif start_of_word:
            out.append(ch)
            start_of_word = False
        else:
            out.append(_MASK)
    return "".join(out)


# What a trade name of a small business has and a personal name has not: the kind of premises or trade
# (shop, restaurant, workshop, studio, stall, department, firm, centre, ...). Single characters are
# matched anywhere in a 2-4 character name, so a personal name with one of them (a given name 社 or 行,
# rare) is shown; the bare-name test errs towards masking only where the name has none of them.
BUSINESS_WORDS = ("店", "馆", "行", "部", "厂", "坊", "社", "铺", "摊", "屋", "庄", "所", "室", "站", "场",
                  "园", "阁", "楼", "居", "堂", "号", "记", "烤", "汇", "廊", "吧", "院", "厅", "城", "中心",
                  "商", "业",
                  "超市", "工作室", "批发", "零售", "经营", "维修", "餐", "食", "饭", "面", "茶", "酒", "药",
                  "烟", "果", "菜", "肉", "鱼", "服", "装", "饰", "美", "发", "电", "五金", "建材", "家具", "百货",
                  "便利", "副食", "小吃", "快递", "物流", "养殖", "种植", "农", "渔", "牧", "车", "修", "印", "图")


def looks_like_personal_name(name: str) -> bool:
    """Two to four CJK characters and no business word: what a business registered under its operator's
    bare name looks like."""
    text = "".join(unicodedata.normalize("NFKC", name or "").split()).replace("·", "")
    return 2 <= len(text) <= 4 and all(_is_han(ch) for ch in text) and not any(w in text for w in BUSINESS_WORDS)


def business_name_as_shown(name: str, operators: tuple[str, ...] | list[str] = ()) -> str:
    """An individual business's name as shown to anyone but the business itself and duty inquiries (see
    the module's docstring): each operator's name in it masked, a bare personal name masked whole."""
    if not name:
        return name
    shown = name
    for person in sorted({p.strip() for p in operators if p and len(p.strip()) >= 2}, key=len, reverse=True):
        if person in shown:
            shown = shown.replace(person, mask_name(person))
    if shown == name and looks_like_personal_name(name):
        return mask_name(name)
    return shown
