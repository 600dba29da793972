"""The ledger's canonical encoding and hashing, and its error.

Canonical JSON (:func:`canonical_json`) is sorted keys, no whitespace, UTF-8 kept as is
(``ensure_ascii=False``), no NaN or infinity: the one helper the platform writes canonical JSON with,
wherever a text is hashed or digested (the ledger's entries, facts and checkpoints, the catalog items'
digests, the records' content digests, a submission body's idempotency digest) and for the entries
handed to the database's ledger append. A submission body's digest alone asks ``default=str`` and
``allow_nan=True``: the bytes it hashed before this helper existed, so that a stored idempotency key
still replays. :func:`canonical_bytes` is the same text in UTF-8, written by orjson where that gives the
same bytes (the records' content digests, one per row of a bulk import).

An entry's hash::

    entry_hash = SHA-256(UTF-8(canonical JSON of {seq, at, actor, action, entity, entity_id,
                                                  facts, prev_hash}))

``at`` is ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (:func:`encode_time`); ``facts`` enters as its stored
text (itself canonical JSON, ``facts.encode_facts``), so any change to any stored byte of any field
changes the hash.

``LedgerError`` is not a refusal of a person's request: it is raised for a write the code should never
attempt (a naive time, a malformed event name) or a key, anchor or checkpoint that is not well formed
(an integrity or configuration failure), and the caller that meets it is at fault, not the visitor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = ["TIME_FORMAT", "LedgerError", "canonical_bytes", "canonical_json", "compute_hash", "encode_time"]

_str = json.encoder.encode_basestring  # type: ignore[attr-defined]  # JSON string, UTF-8 kept (C speed)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class LedgerError(ValueError):
    """A refused ledger write, with the reason in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


def canonical_json(value: Any, *, default: Callable[[Any], Any] | None = None, allow_nan: bool = False) -> str:
    """Sorted keys, compact separators, UTF-8 characters kept, no NaN or infinity (``allow_nan``: written
    as the standard library writes them); ``default`` turns what JSON has no type for into a value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan,
                      default=default)


# What orjson writes exactly as ``canonical_json`` does (sorted keys, no spaces, characters kept, the same
# escapes: ``\"``, ``\\``, ``\b\f\n\r\t``, other control characters ``\u00xx``, nothing else escaped).
# Floats are not among them (the two libraries write some differently: ``1e+16`` and ``1e16``), nor are
# subclasses (an enum, a ``str`` or ``int`` with its own ways), dates, UUIDs and other types orjson
# writes where ``json`` refuses them; what orjson refuses (an integer beyond 64 bits, a lone surrogate,
# nesting past its limit) goes to ``json`` as well.
_ORJSON_SCALARS = frozenset({str, int, bool, type(None)})


def _orjson_writes_as_json(value: Any) -> bool:
    cls = value.__class__
    if cls in _ORJSON_SCALARS:
        return True
    if cls is dict:
        for key, item in value.items():
            if key.__class__ is not str or (item.__class__ not in _ORJSON_SCALARS
                                            and not _orjson_writes_as_json(item)):
                return False
        return True
    if cls is list or cls is tuple:
        for item in value:
            if item.__class__ not in _ORJSON_SCALARS and not _orjson_writes_as_json(item):
                return False
        return True
    return False


def canonical_bytes(value: Any) -> bytes:
    """``canonical_json(value).encode("utf-8")``, byte for byte (a lone surrogate raises the same
    ``UnicodeEncodeError``), by orjson where it writes the same text (dicts with text keys, lists,
    text, integers, booleans, None) and by ``json`` otherwise (which refuses a circular value as before)."""
    try:
        if _orjson_writes_as_json(value):
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, RecursionError):
        pass
    return canonical_json(value).encode("utf-8")


def encode_time(at: datetime | str) -> str:
    """An instant as the ledger hashes it: UTC, microseconds, ``Z``. A string is taken verbatim
    (so that a stored value that does not even parse still yields a hash, and a mismatch)."""
    if isinstance(at, str):
        return at
    if at.tzinfo is not UTC:
        if at.tzinfo is None or at.utcoffset() is None:
            raise LedgerError("账本时间必须带时区（UTC）", "ledger times must be aware (UTC)")
        at = at.astimezone(UTC)
    if at.year < 1000:  # isoformat and strftime agree from year 1000 on; keep the format exact anyway
        return at.strftime(TIME_FORMAT)
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def compute_hash(*, seq: int, at: datetime | str, actor: str, action: str, entity: str,
                 entity_id: str | None, facts: str, prev_hash: str) -> str:
    """SHA-256 (hex) of the canonical encoding of one entry's fields and its predecessor's hash.

    The encoding is exactly ``canonical_json({seq, at, actor, action, entity, entity_id, facts,
    prev_hash})``, assembled by hand in sorted-key order because verification runs it millions of times.
    """
    if type(seq) is not int:
        return _slow_hash(seq, at, actor, action, entity, entity_id, facts, prev_hash)
    payload = "".join((
        '{"action":', _str(action), ',"actor":', _str(actor), ',"at":', _str(encode_time(at)),
        ',"entity":', _str(entity), ',"entity_id":', "null" if entity_id is None else _str(entity_id),
        ',"facts":', _str(facts), ',"prev_hash":', _str(prev_hash), ',"seq":', str(seq), "}",
    ))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _slow_hash(seq: Any, at: datetime | str, actor: str, action: str, entity: str, entity_id: str | None,
               facts: str, prev_hash: str) -> str:
    payload = canonical_json({
        "seq": seq, "at": encode_time(at), "actor": actor, "action": action, "entity": entity,
        "entity_id": entity_id, "facts": facts, "prev_hash": prev_hash,
    })
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()

