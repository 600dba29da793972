"""A record's content digest is stored: the same content re-sent must give the same digest. It is
SHA-256 of the canonical JSON (``json.dumps``: sorted keys, no spaces, characters kept, UTF-8), now
written by orjson where that gives the same bytes (``canonical.canonical_bytes``). Property tests:
for any value of the shapes a record holds (nested objects and lists of text with control characters,
U+2028, astral characters and lone surrogates, integers of any size, booleans, None, decimals as text,
floats, keys that are not text), the digest is the one ``json.dumps`` gives, or both refuse the value
alike; for the values orjson writes, its bytes are ``json.dumps``'s."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from datetime import date
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.aggregation.rows import content_digest
from xinyong.domain.audit import canonical
from xinyong.domain.audit.canonical import canonical_bytes

SPECIAL = ["\x00", "\x1f", "\x7f", "\x85", "\xa0", "\b", "\f", "\n", "\r", "\t", '"', "\\", "/", "\u2028", "\u2029",
           "\ufeff", "\ue000", "\uffff", "\U0001f600", "\U00020000", "\U0010ffff", "中", "〔", "\u3000", "é", "\u0301"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]

text = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(SPECIAL)),
    st.text(alphabet=st.sampled_from(SPECIAL) | st.characters()),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
with_surrogates = st.lists(st.sampled_from(SPECIAL + SURROGATES) | st.characters(), max_size=8).map("".join)
integers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**64) - 2, max_value=2**64 + 2),
    st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**40, -(10**40)]),
)
plain_scalars = st.one_of(text, integers, st.booleans(), st.none())
plain = st.recursive(plain_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(text, inner, max_size=5), max_leaves=25)
any_scalars = st.one_of(plain_scalars, with_surrogates, st.floats(), st.floats(allow_nan=False, allow_infinity=False))
any_keys = st.one_of(text, with_surrogates, st.integers(), st.booleans(), st.none(),
                     st.floats(allow_nan=False, allow_infinity=False))
anything = st.recursive(any_scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                        | st.dictionaries(any_keys, inner, max_size=5), max_leaves=25)


def _stored_digest(item_code: str, identifier: str, payload: Any) -> str:
    """The digest as records stored it: ``json.dumps`` of the content, UTF-8, SHA-256."""
    text = json.dumps({"item": item_code, "subject": identifier, "fields": payload}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _outcome(call: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", call(*args)
    except (TypeError, ValueError, RecursionError) as refused:   # UnicodeEncodeError is a ValueError
        return "refused", type(refused)


@settings(max_examples=600, deadline=None)
@given(payload=st.dictionaries(text, anything, max_size=8) | anything, item_code=text | with_surrogates,
       identifier=text)
def test_the_digest_is_the_stored_one_for_any_content(payload: Any, item_code: str, identifier: str) -> None:
    assert _outcome(content_digest, item_code, identifier, payload) == \
        _outcome(_stored_digest, item_code, identifier, payload)


@settings(max_examples=600, deadline=None)
@given(value=anything)
def test_canonical_bytes_are_the_canonical_text_in_utf8(value: Any) -> None:
    assert _outcome(canonical_bytes, value) == \
        _outcome(lambda v: canonical.canonical_json(v).encode("utf-8"), value)


@settings(max_examples=600, deadline=None)
@given(value=plain)
def test_orjson_writes_the_same_bytes_for_what_it_is_given(value: Any) -> None:
    """Not only the fallback: for the values the fast path takes, orjson's own bytes are json's."""
    assert canonical._orjson_writes_as_json(value)
    expected = _outcome(lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"),
                                             ensure_ascii=False).encode("utf-8"), value)
    try:
        written = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        # An integer beyond 64 bits (json writes it: the fallback does) or a lone surrogate (UTF-8 has
        # no bytes for it: both refuse).
        assert any(abs(n) >= 2**63 for n in _integers(value)) or expected == ("refused", UnicodeEncodeError)
        return
    assert ("value", written) == expected


def _integers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _integers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _integers(v)]
    return [value] if type(value) is int else []


class _Kind(IntEnum):
    one = 1


class _Label(StrEnum):
    fine = "fine"


@pytest.mark.parametrize("value", [
    1.0, 1e16, 1e-05, 0.1, -0.0, float("nan"), {"a": [1, 2.5]}, {1: "a"}, {"a": {2: "b"}}, {1: "a", "b": 2}, ("a", 1.5),
    _Kind.one, {"kind": _Label.fine}, OrderedDict(b=1, a=2), date(2025, 4, 1), Decimal("1.5"), 2**64, "\ud800",
    {"\ud800": 1}, [[[[]]]],
])
def test_floats_other_keys_and_what_orjson_refuses_are_left_to_json(value: Any) -> None:
    if type(value) in (float, date, Decimal) or isinstance(value, IntEnum | StrEnum | OrderedDict):
        assert not canonical._orjson_writes_as_json(value)
    assert _outcome(canonical_bytes, value) == _outcome(lambda v: canonical.canonical_json(v).encode("utf-8"), value)


def test_a_circular_value_is_refused_as_json_refuses_it() -> None:
    looped: dict[str, Any] = {"a": []}
    looped["a"].append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        content_digest("admin_penalty", "91620100MA0000001X", looped)


def test_a_record_stored_before_gives_the_same_digest() -> None:
    """Digests computed by the code before the fast path (json.dumps), kept as literals."""
    payload = {"document_kind": "administrative_penalty_decision", "document_number": "市监罚〔2025〕17号",
               "document_date": "2025-04-01", "fine_amount": "12000.5", "penalty_kinds": "fine;warning",
               "violation_facts": "未按规定公示年度报告\n经责令改正\u2028逾期未改正 \"𠀀\"\t\\",
               "simplified_procedure": False, "days": 15, "none": None}
    assert content_digest("admin_penalty", "91620100MA0000001X", payload) == \
        "c6f4a1132ae2f28ae23f866fd39c16f2f4b0422e02bb9d8b219796d51c92a4e8"
    assert content_digest("admin_penalty", "91620100MA0000001X", {**payload, "big": 2**70}) == \
        "4cbd6f001ef4b6d993b8e89f4efdebdab68ae6437c06fc232ccf8097078b5691"
