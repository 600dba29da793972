"""Data categories recognised by their synonyms (``CategoryMatcher``): how the row validator finds
forbidden (``data.forbidden``) and consent-only (``data.consent_only``) data in column names, in the
values of extra columns and in free text. The synonyms come from the rule files' shared vocabulary,
handed in as plain data."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

_SPLIT_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_WORD = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    """Lower-case, full-width folded, with ``snake_case``/``camelCase``/punctuation turned into spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPLIT_CAMEL.sub(" ", text)
    return _NON_WORD.sub(" ", text).casefold()


class CategoryMatcher:
    """Recognises data categories by their synonyms: Chinese ones anywhere in the text, English ones as
    whole words (``blood_type``, ``BloodType`` and ``blood type`` all match ``blood type``).

    ``exceptions`` maps a category to phrases in which its synonyms do not name it (the vocabulary's
    ``not_in``): ``拖欠工资金额`` is wage arrears, not income, while ``工资收入`` still is. A text names
    the category only if a synonym remains once those phrases are taken out.
    """

    def __init__(self, synonyms: Mapping[str, Iterable[str]],
                 exceptions: Mapping[str, Iterable[str]] | None = None) -> None:
        self._exceptions: dict[str, tuple[tuple[str, ...], CategoryMatcher]] = {}
        for key, phrases in (exceptions or {}).items():
            folded = tuple(sorted({_fold(p).strip() for p in phrases if p and p.strip()}, key=len, reverse=True))
            if folded and key in synonyms:
                self._exceptions[key] = (folded, CategoryMatcher({key: synonyms[key]}))
        self._substrings: list[tuple[str, str]] = []    # (folded synonym, key): matched anywhere
        words: list[str] = []
        self._group_key: dict[str, str] = {}
        for index, (key, entries) in enumerate(sorted(synonyms.items())):
            alternatives = []
            for word in sorted({_fold(w).strip() for w in entries if w and w.strip()}, key=len, reverse=True):
                if word.isascii():
                    alternatives.append(re.escape(word).replace(r"\ ", " "))
                else:
                    self._substrings.append((word, key))
            if alternatives:
                name = f"k{index}"
                self._group_key[name] = key
                words.append(f"(?P<{name}>{'|'.join(alternatives)})")
        self._words = re.compile(rf"(?<![a-z0-9])(?:{'|'.join(words)})(?![a-z0-9])") if words else None
        self._seen: dict[str, frozenset[str]] = {}

    @classmethod
    def from_vocabulary(cls, vocabulary: Mapping[str, Any],
                        keys: Iterable[str] | None = None) -> CategoryMatcher:
        """From vocabulary entries (objects with ``zh`` and ``en`` synonym lists, or such mappings)."""
        wanted = set(keys) if keys is not None else None
        synonyms: dict[str, list[str]] = {}
        exceptions: dict[str, list[str]] = {}
        for key, entry in vocabulary.items():
            if wanted is not None and key not in wanted:
                continue
            zh = entry["zh"] if isinstance(entry, Mapping) else entry.zh
            en = entry["en"] if isinstance(entry, Mapping) else entry.en
            not_in = entry.get("not_in", ()) if isinstance(entry, Mapping) else entry.not_in
            synonyms[key] = [*zh, *en]
            if not_in:
                exceptions[key] = list(not_in)
        return cls(synonyms, exceptions)

    def find(self, text: str) -> frozenset[str]:
        if not text or (self._words is None and not self._substrings):
            return _NONE
        # Bulk files repeat their values (issuing bodies, penalty kinds, dates): remember recent answers.
        cached = self._seen.get(text)
        if cached is not None:
            return cached
        # Folding only matters for Latin letters (case, full-width forms, word separators); Chinese
        # synonyms are looked for in the text as it is, which spares prose the normalisation. An ASCII
        # text cannot hold a Chinese synonym (NFKC folding of ASCII stays ASCII).
        folded = _fold(text) if _LATIN.search(text) else text
        found = set() if folded.isascii() else {key for word, key in self._substrings if word in folded}
        if self._words is not None and folded is not text:
            found.update(self._group_key[m.lastgroup] for m in self._words.finditer(folded) if m.lastgroup)
        for key in found & self._exceptions.keys():
            phrases, alone = self._exceptions[key]
            rest = folded
            for phrase in phrases:
                rest = rest.replace(phrase, " ")
            if not alone.find(rest):
                found.discard(key)
        answer = frozenset(found) if found else _NONE
        if len(text) <= _CACHE_TEXT:
            if len(self._seen) >= _CACHE_ENTRIES:
                self._seen.clear()
            self._seen[text] = answer
        return answer


_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]")
_NONE: frozenset[str] = frozenset()
_CACHE_ENTRIES = 20_000     # remembered answers per matcher (bounded memory: short texts only)
_CACHE_TEXT = 200
