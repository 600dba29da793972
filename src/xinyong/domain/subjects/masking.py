"""A natural person's identifier and name as shown to anyone but the person: ``mask_identifier``
(citizen identity numbers keep their division code and last characters, documents their first and last
characters; an organisation's credit code is public and shown whole) and ``mask_name``."""

from __future__ import annotations

import unicodedata

from xinyong.domain.subjects.identifiers import check_identifier, normalise_identifier
from xinyong.domain.subjects.kinds import IdentifierKind

__all__ = ["mask_identifier", "mask_name"]

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
    if kind is IdentifierKind.uscc:
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
