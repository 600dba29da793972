"""The strict loader of rule files, the key registry and the vocabulary (see ``SCHEMA.md``).

Every problem is reported with the file and line: unknown keys, duplicate keys, a missing citation,
a cited article absent from the regulation text, a value of the wrong type or unit, effective dates
out of order, a deferral to a file that is not loaded. Problems in one file are collected and raised
together as one ``RuleFileError``.

This module is the lowest layer: it imports the standard library and PyYAML only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from .cites import CiteSyntaxError, article_numbers, parse_cite
from .errors import Problem, RuleFileError
from .model import (
    BASES,
    COUNT_UNITS,
    COUNTS_FROM,
    DRAFT,
    KEY_TYPES,
    MEASURE_KINDS,
    MEASURE_TARGETS,
    PER_FILE,
    PERIOD_COUNTS_FROM,
    PERIOD_UNITS,
    SOURCES,
    SPAN_UNITS,
    STATUSES,
    UNLIMITED,
    Deferral,
    KeySpec,
    Liability,
    Measure,
    Purpose,
    Rule,
    Rulebook,
    RuleSet,
    RuleValue,
    Span,
    Text,
    VocabularyEntry,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
TEXTS_DIR = PACKAGE_DIR / "texts"
KEYS_PATH = PACKAGE_DIR / "keys.yaml"
VOCABULARY_PATH = PACKAGE_DIR / "vocabulary.yaml"

_RULE_KEY = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$")
_ITEM_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ABBREV = re.compile(r"^[A-Z]{2,4}$")

# --------------------------------------------------------------------------------------------------
# YAML with line numbers and no duplicate keys
# --------------------------------------------------------------------------------------------------


class _Map(dict):
    """A mapping that remembers where it was named and where each of its keys and values were written."""

    line: int = 0
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def value_line(self, key: Any) -> int:
        return self.value_lines.get(key, self.line)


class _Seq(list):
    """A sequence that remembers where it and each item were written."""

    line: int = 0
    item_lines: list[int]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers and refuses duplicate keys."""


def _construct_map(loader: _StrictLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    out.value_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in out:
            raise ConstructorError(
                None,
                None,
                f"duplicate key {key!s} (first written at line {out.key_lines[key]})",
                key_node.start_mark,
            )
        value = loader.construct_object(value_node, deep=True)
        if isinstance(value, _Map | _Seq):
            value.line = key_node.start_mark.line + 1  # a nested block is reported where it is named
        out[key] = value
        out.key_lines[key] = key_node.start_mark.line + 1
        out.value_lines[key] = value_node.start_mark.line + 1
    return out


def _construct_seq(loader: _StrictLoader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_StrictLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def read_yaml(path: str | Path) -> Any:
    """Parse one YAML file strictly; syntax errors and duplicate keys raise ``RuleFileError``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError.at(path, None, "file not found") from None
    except UnicodeDecodeError as exc:
        raise RuleFileError.at(path, None, f"not UTF-8 text: {exc}") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise RuleFileError.at(path, line, message or "YAML syntax error") from None
    except yaml.YAMLError as exc:
        raise RuleFileError.at(path, None, f"YAML error: {exc}") from None


# --------------------------------------------------------------------------------------------------
# Checking helpers
# --------------------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(str(self.path), line, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise RuleFileError(self.problems)

    def fields(self, node: _Map, allowed: Iterable[str], required: Iterable[str], what: str) -> bool:
        """Unknown and missing fields of a mapping; True if none."""
        allowed = set(allowed)
        ok = True
        for key in node:
            if key not in allowed:
                self.add(
                    node.key_line(key),
                    f"unknown key {key!r} in {what}; allowed: {', '.join(sorted(allowed))}",
                )
                ok = False
        for key in required:
            if key not in node:
                self.add(node.line, f"{what} lacks {key!r}")
                ok = False
        return ok

    def mapping(self, value: Any, line: int | None, what: str) -> _Map | None:
        if isinstance(value, _Map):
            return value
        self.add(line, f"{what} must be a mapping, got {_kind(value)}")
        return None

    def string(self, value: Any, line: int | None, what: str, *, empty: bool = False) -> str | None:
        if isinstance(value, str) and (empty or value.strip()):
            return value
        self.add(line, f"{what} must be a non-empty string, got {_kind(value)}")
        return None

    def text(self, node: _Map, key: str, what: str) -> Text | None:
        value = self.mapping(node.get(key), node.value_line(key), what)
        if value is None:
            return None
        if not self.fields(value, ("zh", "en"), ("zh", "en"), what):
            return None
        zh = self.string(value["zh"], value.value_line("zh"), f"{what}.zh")
        en = self.string(value["en"], value.value_line("en"), f"{what}.en")
        return Text(zh, en) if zh is not None and en is not None else None

    def optional_date(self, node: _Map, key: str, what: str) -> date | None:
        value = node.get(key)
        if value is None:
            return None
        parsed = _to_date(value)
        if parsed is None:
            self.add(node.value_line(key), f"{what} must be a date YYYY-MM-DD or null, got {value!r}")
        return parsed


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, datetime):
        return f"a date-time ({value.isoformat()})"
    if isinstance(value, date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------------------------------
# The key registry and the vocabulary
# --------------------------------------------------------------------------------------------------

_KEY_FIELDS = ("type", "unit", "duty", "unlimited", "pause", "choices", "zh", "en")


def load_keys(path: str | Path = KEYS_PATH) -> dict[str, KeySpec]:
    """Load ``keys.yaml``: the registry of every rule key."""
    path = Path(path)
    data = read_yaml(path)
    ck = _Checker(path)
    if not isinstance(data, _Map):
        raise RuleFileError.at(path, 1, "the key registry must be a mapping of rule keys")
    specs: dict[str, KeySpec] = {}
    for key, node in data.items():
        line = data.key_line(key)
        if not isinstance(key, str) or not _RULE_KEY.match(key):
            ck.add(line, f"rule key {key!r} must read <process>.<quantity> in lower case")
            continue
        node = ck.mapping(node, line, f"key {key}")
        if node is None or not ck.fields(node, _KEY_FIELDS, ("type", "zh", "en"), f"key {key}"):
            continue
        kind = node["type"]
        if kind not in KEY_TYPES:
            ck.add(node.value_line("type"), f"key {key}: type must be one of {', '.join(KEY_TYPES)}")
            continue
        period_unit = node.get("unit")
        if kind == "period":
            allowed_units = (*PERIOD_UNITS, PER_FILE)
        elif kind == "count":
            allowed_units = (*COUNT_UNITS, PER_FILE)
        else:
            allowed_units = ()
        if allowed_units and period_unit not in allowed_units:
            ck.add(
                node.value_line("unit") if "unit" in node else node.line,
                f"key {key}: a {kind} needs unit, one of {', '.join(allowed_units)}",
            )
            continue
        if not allowed_units and period_unit is not None:
            ck.add(node.key_line("unit"), f"key {key}: a {kind} has no unit (its values carry their own)")
            continue
        flags = {}
        for flag in ("duty", "unlimited"):
            value = node.get(flag, False)
            if not isinstance(value, bool):
                ck.add(node.value_line(flag), f"key {key}: {flag} must be true or false")
            elif value and kind != "period":
                ck.add(node.key_line(flag), f"key {key}: only a period can be {flag}")
            flags[flag] = value is True
        pause = node.get("pause", False)
        if not isinstance(pause, bool):
            ck.add(node.value_line("pause"), f"key {key}: pause must be true or false")
        elif pause and kind != "duties":
            ck.add(node.key_line("pause"), f"key {key}: only a duties key can be pause (it lists the duties)")
        flags["pause"] = pause is True
        choices = node.get("choices")
        if kind == "choice" and (not isinstance(choices, list) or not choices
                                 or not all(isinstance(c, str) and c for c in choices)
                                 or len(set(choices)) != len(choices)):
            ck.add(node.value_line("choices") if "choices" in node else node.line,
                   f"key {key}: a choice lists its choices, distinct words, at least one")
            continue
        if kind != "choice" and choices is not None:
            ck.add(node.key_line("choices"), f"key {key}: only a choice key lists choices")
            continue
        zh = ck.string(node["zh"], node.value_line("zh"), f"key {key}: zh")
        en = ck.string(node["en"], node.value_line("en"), f"key {key}: en")
        if zh is None or en is None:
            continue
        specs[key] = KeySpec(
            key, kind, period_unit, zh, en, duty=flags["duty"], unlimited=flags["unlimited"], pause=flags["pause"],
            choices=tuple(choices or ()),
        )
    ck.raise_if_any()
    return specs


def _exception_phrases(ck: _Checker, node: _Map, key: str, synonyms: tuple[str, ...]) -> tuple[str, ...]:
    """A category's ``not_in`` phrases: each must contain one of its synonyms (or it would change nothing)."""
    if "not_in" not in node:
        return ()
    phrases = node["not_in"]
    if not isinstance(phrases, list) or not phrases:
        ck.add(node.value_line("not_in"), f"category {key}: not_in must be a non-empty list of phrases")
        return ()
    folded_synonyms = [s.casefold() for s in synonyms]
    clean: list[str] = []
    for i, phrase in enumerate(phrases):
        line = phrases.item_lines[i] if isinstance(phrases, _Seq) else node.value_line("not_in")
        if not isinstance(phrase, str) or not phrase.strip():
            ck.add(line, f"category {key}: a not_in phrase must be a non-empty string")
        elif not any(s in phrase.strip().casefold() for s in folded_synonyms):
            ck.add(line, f"category {key}: not_in phrase {phrase!r} contains none of its synonyms, "
                         "so it would change nothing")
        else:
            clean.append(phrase.strip())
    return tuple(clean)


def load_vocabulary(path: str | Path = VOCABULARY_PATH) -> dict[str, VocabularyEntry]:
    """Load ``vocabulary.yaml``: data categories with Chinese and English synonyms."""
    path = Path(path)
    data = read_yaml(path)
    ck = _Checker(path)
    if not isinstance(data, _Map):
        raise RuleFileError.at(path, 1, "the vocabulary must be a mapping of category keys")
    entries: dict[str, VocabularyEntry] = {}
    owner: dict[str, str] = {}
    for key, node in data.items():
        line = data.key_line(key)
        if not isinstance(key, str) or not _ITEM_KEY.match(key):
            ck.add(line, f"category key {key!r} must be lower case letters, digits and _")
            continue
        node = ck.mapping(node, line, f"category {key}")
        if node is None or not ck.fields(node, ("zh", "en", "not_in"), ("zh", "en"), f"category {key}"):
            continue
        synonyms: dict[str, tuple[str, ...]] = {}
        for lang in ("zh", "en"):
            words = node[lang]
            if not isinstance(words, list) or not words:
                ck.add(node.value_line(lang), f"category {key}: {lang} must be a non-empty list of words")
                continue
            clean = []
            for i, word in enumerate(words):
                item_line = words.item_lines[i] if isinstance(words, _Seq) else node.value_line(lang)
                if not isinstance(word, str) or not word.strip():
                    ck.add(item_line, f"category {key}: {lang} synonym must be a non-empty string")
                    continue
                folded = word.strip().casefold()
                if owner.get(folded, key) != key:
                    ck.add(item_line, f"synonym {word!r} of {key} is already a synonym of {owner[folded]}")
                    continue
                owner[folded] = key
                clean.append(word.strip())
            synonyms[lang] = tuple(clean)
        if set(synonyms) == {"zh", "en"}:
            not_in = _exception_phrases(ck, node, key, (*synonyms["zh"], *synonyms["en"]))
            entries[key] = VocabularyEntry(key, synonyms["zh"], synonyms["en"], not_in)
    ck.raise_if_any()
    return entries


# --------------------------------------------------------------------------------------------------
# One rule file
# --------------------------------------------------------------------------------------------------

_FILE_FIELDS = (
    "id",
    "title",
    "status",
    "published",
    "in_force",
    "text",
    "abbrev",
    "jurisdiction",
    "rules",
    "notes",
    "note",
)
_RULE_FIELDS = ("values", "defer", "cite", "note", "description", "unit")
_ENTRY_FIELDS = ("value", "cite", "until", "unit", "basis", "wording", "source", "note", "counts_from")


class _FileContext:
    """What checking one file needs: the checker, the registry, the vocabulary, the text's articles."""

    def __init__(
        self,
        ck: _Checker,
        keys: Mapping[str, KeySpec],
        vocabulary: Mapping[str, VocabularyEntry],
        articles: frozenset[int] | None,
        text_name: str | None,
    ) -> None:
        self.ck = ck
        self.keys = keys
        self.vocabulary = vocabulary
        self.articles = articles
        self.text_name = text_name

    @property
    def has_text(self) -> bool:
        return self.articles is not None

    def cite(self, value: Any, line: int | None, what: str) -> str | None:
        """Check a citation: present, readable, and (in a regulation's file) naming existing articles."""
        if value is None:
            self.ck.add(line, f"{what} lacks a citation (cite)")
            return None
        cite = self.ck.string(value, line, f"{what}: cite")
        if cite is None:
            return None
        if not self.has_text:
            return cite
        try:
            refs = parse_cite(cite)
        except CiteSyntaxError as exc:
            self.ck.add(line, f"{what}: {exc}")
            return None
        assert self.articles is not None
        missing = sorted({n for ref in refs for n in ref.articles} - self.articles)
        if missing:
            names = ", ".join(f"Article {n}" for n in missing)
            self.ck.add(
                line, f"{what}: cite {cite!r} names {names}, which does not exist in {self.text_name}"
            )
            return None
        return cite


def _find_text(name: str, path: Path, texts_dir: Path | None) -> Path | None:
    candidates = (
        [texts_dir] if texts_dir is not None else [path.parent.parent / "texts", path.parent, TEXTS_DIR]
    )
    for folder in candidates:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def load_ruleset(
    path: str | Path,
    *,
    keys: Mapping[str, KeySpec] | None = None,
    vocabulary: Mapping[str, VocabularyEntry] | None = None,
    texts_dir: str | Path | None = None,
) -> RuleSet:
    """Load and check one rule file. Deferrals stay unresolved until ``load_rulebook`` links the files."""
    path = Path(path)
    keys = load_keys() if keys is None else keys
    vocabulary = load_vocabulary() if vocabulary is None else vocabulary
    data = read_yaml(path)
    ck = _Checker(path)
    if not isinstance(data, _Map):
        raise RuleFileError.at(path, 1, "a rule file must be a mapping (id, title, status, ..., rules)")
    if not ck.fields(
        data, _FILE_FIELDS, ("id", "title", "status", "abbrev", "jurisdiction", "rules"), "the file"
    ):
        ck.raise_if_any()

    file_id = ck.string(data["id"], data.value_line("id"), "id")
    if file_id is not None and file_id != path.stem:
        ck.add(data.value_line("id"), f"id {file_id!r} must equal the file name {path.stem!r}")
    if file_id is not None and not _FILE_ID.match(file_id):
        ck.add(data.value_line("id"), f"id {file_id!r} must be lower case letters, digits and '-'")
    title = ck.text(data, "title", "title")
    jurisdiction = ck.text(data, "jurisdiction", "jurisdiction")
    status = data["status"]
    if status not in STATUSES:
        ck.add(data.value_line("status"), f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    abbrev = data["abbrev"]
    if not isinstance(abbrev, str) or not _ABBREV.match(abbrev):
        ck.add(data.value_line("abbrev"), f"abbrev must be 2-4 capital letters (SH, CQ, NAT), got {abbrev!r}")

    articles: frozenset[int] | None = None
    text_name = data.get("text")
    if text_name is not None:
        if not isinstance(text_name, str) or Path(text_name).name != text_name:
            ck.add(data.value_line("text"), f"text must be a file name in rules/texts, got {text_name!r}")
            text_name = None
        else:
            found = _find_text(text_name, path, Path(texts_dir) if texts_dir is not None else None)
            if found is None:
                ck.add(data.value_line("text"), f"regulation text {text_name!r} not found")
            else:
                articles = article_numbers(found.read_text(encoding="utf-8"))
                if not articles:
                    ck.add(data.value_line("text"), f"no article headings ('Article N') found in {text_name}")
                    articles = None
        for field_name in ("published", "in_force"):
            if field_name not in data:
                ck.add(data.line, f"a regulation's file needs {field_name!r} (a date, or null if left blank)")
    published = ck.optional_date(data, "published", "published")
    in_force = ck.optional_date(data, "in_force", "in_force")
    # status is the one mark of a draft; the in-force date follows it.
    if status == DRAFT and in_force is not None:
        ck.add(
            data.value_line("in_force"),
            "a draft is not in force on any date: in_force must be null (when the regulation is enacted, "
            "write a new file with status: enacted and its in-force date)",
        )
    if status != DRAFT and text_name is not None and "in_force" in data and data["in_force"] is None:
        ck.add(data.value_line("in_force"), "an enacted regulation needs its in_force date (null only for a draft)")
    file_note = data.get("note")
    if file_note is not None:
        ck.string(file_note, data.value_line("note"), "note")

    if text_name is not None and articles is None:
        # Without the article list no cite can be checked; report what we have.
        ck.raise_if_any()

    ctx = _FileContext(ck, keys, vocabulary, articles, text_name)
    fid = file_id or path.stem
    rule_abbrev = abbrev if isinstance(abbrev, str) else ""

    rules: dict[str, Rule] = {}
    rules_node = ck.mapping(data["rules"], data.value_line("rules"), "rules")
    if rules_node is not None:
        for key, node in rules_node.items():
            rule = _load_rule(ctx, fid, rule_abbrev, key, node, rules_node.key_line(key))
            if rule is not None:
                rules[key] = rule
        for rule in rules.values():
            if rule.spec.type != "duties":
                continue
            for entry in rule.entries:
                for duty in entry.value or ():
                    if duty not in rules:
                        ck.add(
                            entry.line,
                            f"rule {rule.key} from {entry.effective.isoformat()}: lists {duty}, "
                            "which this file does not provide",
                        )

    notes: dict[str, str] = {}
    if data.get("notes") is not None:
        notes_node = ck.mapping(data["notes"], data.value_line("notes"), "notes")
        if notes_node is not None:
            for heading, text in notes_node.items():
                line = notes_node.key_line(heading)
                if not isinstance(heading, str):
                    ck.add(line, f"a note heading must be a cite such as 'Art. 45', got {heading!r}")
                    continue
                if ctx.has_text and ctx.cite(heading, line, f"note {heading!r}") is None:
                    continue
                body = ck.string(text, notes_node.value_line(heading), f"note {heading!r}")
                if body is not None:
                    notes[heading] = body

    ck.raise_if_any()
    assert title is not None and jurisdiction is not None and file_id is not None
    return RuleSet(
        id=file_id,
        title=title,
        status=status,
        published=published,
        in_force=in_force,
        text=text_name,
        abbrev=abbrev,
        jurisdiction=jurisdiction,
        rules=rules,
        notes=notes,
        path=path,
        keys=keys,
        articles=articles,
        note=file_note,
    )


def _load_rule(ctx: _FileContext, fid: str, abbrev: str, key: Any, node: Any, line: int) -> Rule | None:
    ck = ctx.ck
    if not isinstance(key, str) or key not in ctx.keys:
        ck.add(line, f"unknown rule key {key!r} (not in rules/keys.yaml)")
        return None
    spec = ctx.keys[key]
    node = ck.mapping(node, line, f"rule {key}")
    if node is None or not ck.fields(node, _RULE_FIELDS, (), f"rule {key}"):
        return None
    rule_note = node.get("note")
    if rule_note is not None:
        ck.string(rule_note, node.value_line("note"), f"rule {key}: note")
    if node.get("description") is not None:
        ck.string(node["description"], node.value_line("description"), f"rule {key}: description")

    if "defer" in node:
        if "values" in node:
            ck.add(node.key_line("values"), f"rule {key}: a deferred rule has no values of its own")
            return None
        target = node["defer"]
        if not isinstance(target, str) or not _FILE_ID.match(target):
            ck.add(
                node.value_line("defer"), f"rule {key}: defer names a rule file id (national), got {target!r}"
            )
            return None
        if target == fid:
            ck.add(node.value_line("defer"), f"rule {key}: a file cannot defer to itself")
            return None
        cite = ctx.cite(
            node.get("cite"),
            node.value_line("cite") if "cite" in node else node.line,
            f"rule {key} (deferral)",
        )
        if cite is None:
            return None
        citation = f"{abbrev} {cite}" if ctx.has_text else cite
        return Rule(key, spec, (), Deferral(fid, target, cite, citation), note=rule_note, line=line)

    if "cite" in node:
        ck.add(node.key_line("cite"), f"rule {key}: cite belongs in each value entry (or beside defer:)")
    if "values" not in node:
        ck.add(node.line, f"rule {key} needs values: (dated entries) or defer: national")
        return None

    rule_period_unit = None
    if "unit" in node:
        rule_period_unit = node["unit"]
        if not _period_unit_ok(spec, rule_period_unit):
            ck.add(node.value_line("unit"), f"rule {key}: {_period_unit_message(spec, rule_period_unit)}")
            return None

    values = ck.mapping(node["values"], node.value_line("values"), f"rule {key}: values")
    if values is None:
        return None
    if not values:
        ck.add(values.line, f"rule {key}: values is empty")
        return None

    entries: list[RuleValue] = []
    previous: date | None = None
    for raw_date, entry_node in values.items():
        date_line = values.key_line(raw_date)
        effective = _to_date(raw_date)
        if effective is None:
            ck.add(date_line, f"rule {key}: effective date must be YYYY-MM-DD, got {raw_date!r}")
            continue
        if previous is not None and effective <= previous:
            ck.add(
                date_line,
                f"rule {key}: effective dates must ascend; {effective.isoformat()} "
                f"comes after {previous.isoformat()}",
            )
        previous = effective if previous is None else max(previous, effective)
        entry = _load_entry(
            ctx, fid, abbrev, spec, rule_period_unit, effective, entry_node, values.value_line(raw_date)
        )
        if entry is not None:
            entries.append(entry)

    for current, following in zip(entries, entries[1:], strict=False):
        if current.until is not None and current.until >= following.effective:
            ck.add(
                current.line,
                f"rule {key}: the value from {current.effective.isoformat()} runs until "
                f"{current.until.isoformat()}, past the next value from {following.effective.isoformat()}",
            )
    if len(entries) != len(values):
        return None
    return Rule(key, spec, tuple(entries), None, note=rule_note, line=line)


def _period_unit_ok(spec: KeySpec, period_unit: Any) -> bool:
    if spec.per_file:
        return period_unit in (PERIOD_UNITS if spec.type == "period" else COUNT_UNITS)
    return period_unit == spec.period_unit


def _period_unit_message(spec: KeySpec, period_unit: Any) -> str:
    if spec.per_file:
        units = PERIOD_UNITS if spec.type == "period" else COUNT_UNITS
        return f"unit must be one of {', '.join(units)}, got {period_unit!r}"
    return f"the unit of {spec.key} is {spec.period_unit}, got {period_unit!r}"


def _load_entry(
    ctx: _FileContext,
    fid: str,
    abbrev: str,
    spec: KeySpec,
    rule_period_unit: str | None,
    effective: date,
    node: Any,
    line: int,
) -> RuleValue | None:
    ck = ctx.ck
    what = f"rule {spec.key} from {effective.isoformat()}"
    node = ck.mapping(node, line, what)
    if node is None:
        return None
    before = len(ck.problems)
    ck.fields(node, _ENTRY_FIELDS, ("value",), what)
    cite = ctx.cite(node.get("cite"), node.value_line("cite") if "cite" in node else node.line, what)

    until = None
    if "until" in node:
        until = _to_date(node["until"])
        if until is None:
            ck.add(node.value_line("until"), f"{what}: until must be a date YYYY-MM-DD")
        elif until < effective:
            ck.add(
                node.value_line("until"), f"{what}: until {until.isoformat()} is before the effective date"
            )

    period_unit: str | None = None
    if spec.type in ("period", "count"):
        if "unit" in node:
            period_unit = node["unit"]
            if not _period_unit_ok(spec, period_unit):
                ck.add(node.value_line("unit"), f"{what}: {_period_unit_message(spec, period_unit)}")
        elif spec.per_file:
            period_unit = rule_period_unit
            if period_unit is None:
                ck.add(node.line, f"{what}: {spec.key} differs between regulations, so the entry needs unit:")
        else:
            period_unit = spec.period_unit
    elif "unit" in node:
        ck.add(node.key_line("unit"), f"{what}: a {spec.type} value has no entry unit")

    basis = node.get("basis", "statute")
    if basis not in BASES:
        ck.add(node.value_line("basis"), f"{what}: basis must be one of {', '.join(BASES)}, got {basis!r}")
    wording = node.get("wording")
    if wording is not None:
        ck.string(wording, node.value_line("wording"), f"{what}: wording")
    if basis == "operator_target" and wording is None:
        ck.add(
            node.line, f"{what}: an operator_target needs wording: (the article's own word, e.g. promptly)"
        )

    if "source" in node:
        source = node["source"]
        if source not in SOURCES:
            ck.add(node.value_line("source"), f"{what}: source must be one of {', '.join(SOURCES)}")
    elif ctx.has_text:
        source = "primary"
    else:
        source = None
        ck.add(node.line, f"{what}: a file without a regulation text must say source: (secondary)")
    note = node.get("note")
    if note is not None:
        ck.string(note, node.value_line("note"), f"{what}: note")
    counts_from = node.get("counts_from")
    if counts_from is not None and spec.type != "period":
        ck.add(node.key_line("counts_from"), f"{what}: only a period counts from an event")
    elif counts_from is not None and counts_from not in PERIOD_COUNTS_FROM:
        ck.add(node.value_line("counts_from"),
               f"{what}: counts_from must be one of {', '.join(PERIOD_COUNTS_FROM)}, got {counts_from!r}")

    value = (
        _check_value(
            ctx, spec, node.get("value"), node.value_line("value") if "value" in node else node.line, what
        )
        if "value" in node
        else None
    )

    if len(ck.problems) != before or cite is None:
        return None
    return RuleValue(
        key=spec.key,
        value=value,
        cite=cite,
        effective=effective,
        jurisdiction=fid,
        citation=f"{abbrev} {cite}" if ctx.has_text else cite,
        until=until,
        period_unit=period_unit,
        basis=basis,
        wording=wording,
        source=source or "secondary",
        note=note,
        line=node.line,
        counts_from=counts_from,
    )


def _check_value(ctx: _FileContext, spec: KeySpec, value: Any, line: int, what: str) -> Any:
    ck = ctx.ck
    kind = spec.type
    if kind == "period":
        if value == UNLIMITED and spec.unlimited:
            return value
        if not _is_int(value) or value < 0:
            extra = " or 'unlimited'" if spec.unlimited else ""
            ck.add(line, f"{what}: a period is a whole number >= 0{extra}, got {_kind(value)}")
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            ck.add(line, f"{what}: a flag is true or false, got {_kind(value)}")
        return value
    if kind == "count":
        if not _is_int(value) or value < 0:
            ck.add(line, f"{what}: a count is a whole number >= 0, got {_kind(value)}")
        return value
    if kind == "span":
        return _check_span(ck, value, line, what)
    if kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            ck.add(line, f"{what}: a choice is one of {', '.join(spec.choices)}, got {value!r}")
        return value
    if kind == "text":
        if not isinstance(value, _Map) or not ck.fields(value, ("zh", "en"), ("zh", "en"), what):
            if not isinstance(value, _Map):
                ck.add(line, f"{what}: a text value is {{zh, en}}, got {_kind(value)}")
            return None
        zh = ck.string(value["zh"], value.value_line("zh"), f"{what}: zh")
        en = ck.string(value["en"], value.value_line("en"), f"{what}: en")
        return Text(zh or "", en or "")
    if not isinstance(value, list):
        ck.add(line, f"{what}: a {kind} value is a list, got {_kind(value)}")
        return None
    lines = value.item_lines if isinstance(value, _Seq) else [line] * len(value)
    if kind == "duties":
        listed: set[str] = set()
        for item, item_line in zip(value, lines, strict=True):
            spec_of = ctx.keys.get(item) if isinstance(item, str) else None
            if spec_of is None or not spec_of.duty:
                ck.add(item_line, f"{what}: {item!r} is not a duty key (duty: true in rules/keys.yaml)")
            elif item in listed:
                ck.add(item_line, f"{what}: {item!r} is listed twice")
            else:
                listed.add(item)
        if not value:
            ck.add(line, f"{what}: a duties value lists at least one duty key")
        return tuple(value)
    if kind == "keys":
        seen: set[str] = set()
        for item, item_line in zip(value, lines, strict=True):
            if not isinstance(item, str) or item not in ctx.vocabulary:
                ck.add(item_line, f"{what}: {item!r} is not a category in rules/vocabulary.yaml")
            elif item in seen:
                ck.add(item_line, f"{what}: {item!r} is listed twice")
            else:
                seen.add(item)
        return tuple(value)
    return _check_items(ctx, kind, value, lines, what)


def _check_span(ck: _Checker, value: Any, line: int, what: str) -> Span | None:
    if not isinstance(value, _Map):
        ck.add(line, f"{what}: a span is {{min, max, unit, counts_from}}, got {_kind(value)}")
        return None
    if not ck.fields(value, ("min", "max", "unit", "counts_from"), ("max",), what):
        return None
    low, high, period_unit, counts_from = (value.get("min"), value["max"], value.get("unit"),
                                           value.get("counts_from"))
    ok = True
    if low is not None and (not _is_int(low) or low < 0):
        ck.add(value.value_line("min"), f"{what}: min is a whole number >= 0 or null, got {_kind(low)}")
        ok = False
    if high != UNLIMITED and (not _is_int(high) or high < 0):
        ck.add(
            value.value_line("max"), f"{what}: max is a whole number >= 0 or 'unlimited', got {_kind(high)}"
        )
        ok = False
    numeric = _is_int(low) or _is_int(high)
    if period_unit is None and numeric:
        ck.add(value.line, f"{what}: a span with a number needs unit: ({', '.join(SPAN_UNITS)})")
        ok = False
    elif period_unit is not None and period_unit not in SPAN_UNITS:
        ck.add(value.value_line("unit"),
               f"{what}: unit must be one of {', '.join(SPAN_UNITS)}, got {period_unit!r}")
        ok = False
    if counts_from is not None and counts_from not in COUNTS_FROM:
        ck.add(
            value.value_line("counts_from"),
            f"{what}: counts_from must be one of {', '.join(COUNTS_FROM)}, got {counts_from!r}",
        )
        ok = False
    if ok and _is_int(low) and _is_int(high) and low > high:
        ck.add(value.line, f"{what}: min {low} is greater than max {high}")
        ok = False
    return Span(low, high, period_unit, counts_from) if ok else None


_ITEM_FIELDS = {
    "purposes": (("key", "zh", "en", "cite", "note"), ("key", "zh", "en")),
    "measures": (
        ("key", "zh", "en", "kind", "target", "cite", "note"),
        ("key", "zh", "en", "kind", "target"),
    ),
    "liability": (
        ("duty", "zh", "en", "party", "fine_min", "fine_max", "currency", "cite", "note"),
        ("duty", "zh", "en", "party"),
    ),
}


def _check_items(ctx: _FileContext, kind: str, items: list, lines: list[int], what: str) -> tuple:
    ck = ctx.ck
    allowed, required = _ITEM_FIELDS[kind]
    out: list[Any] = []
    seen: set[str] = set()
    for index, (item, item_line) in enumerate(zip(items, lines, strict=True), start=1):
        label = f"{what}, item {index}"
        node = ck.mapping(item, item_line, label)
        if node is None or not ck.fields(node, allowed, required, label):
            continue
        strings = {}
        for name in ("key", "duty", "zh", "en", "party", "note"):
            if name in node and node[name] is not None:
                strings[name] = ck.string(node[name], node.value_line(name), f"{label}: {name}")
        cite = None
        if node.get("cite") is not None:
            cite = ctx.cite(node["cite"], node.value_line("cite"), label)
        if kind in ("purposes", "measures"):
            key = strings.get("key")
            if key is not None and not _ITEM_KEY.match(key):
                ck.add(
                    node.value_line("key"), f"{label}: key {key!r} must be lower case letters, digits and _"
                )
            elif key is not None and key in seen:
                ck.add(node.value_line("key"), f"{label}: key {key!r} is listed twice")
            elif key is not None:
                seen.add(key)
        if kind == "purposes":
            out.append(Purpose(node["key"], node["zh"], node["en"], cite, node.get("note")))
        elif kind == "measures":
            if node["kind"] not in MEASURE_KINDS:
                ck.add(node.value_line("kind"), f"{label}: kind must be one of {', '.join(MEASURE_KINDS)}")
            if node["target"] not in MEASURE_TARGETS:
                ck.add(
                    node.value_line("target"), f"{label}: target must be one of {', '.join(MEASURE_TARGETS)}"
                )
            out.append(
                Measure(
                    node["key"], node["zh"], node["en"], node["kind"], node["target"], cite, node.get("note")
                )
            )
        else:
            fines = []
            for name in ("fine_min", "fine_max"):
                fine = node.get(name)
                if fine is not None and (not _is_int(fine) or fine < 0):
                    ck.add(node.value_line(name), f"{label}: {name} is a whole number of yuan or null")
                    fine = None
                fines.append(fine)
            if fines[0] is not None and fines[1] is not None and fines[0] > fines[1]:
                ck.add(node.line, f"{label}: fine_min {fines[0]} is greater than fine_max {fines[1]}")
            currency = node.get("currency", "CNY")
            if currency != "CNY":
                ck.add(node.value_line("currency"), f"{label}: currency must be CNY")
            out.append(
                Liability(
                    node["duty"],
                    node["zh"],
                    node["en"],
                    node["party"],
                    fines[0],
                    fines[1],
                    "CNY",
                    cite,
                    node.get("note"),
                )
            )
    return tuple(out)


# --------------------------------------------------------------------------------------------------
# The rulebook: all files, deferrals linked
# --------------------------------------------------------------------------------------------------


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        else:
            files.append(path)
    return files


def _link(rulesets: dict[str, RuleSet]) -> None:
    """Resolve every ``defer:`` to the target file's values (which keep their own citations)."""
    problems: list[Problem] = []

    def resolve(ruleset: RuleSet, key: str, chain: tuple[str, ...]) -> tuple[RuleValue, ...]:
        rule = ruleset._rules.get(key)
        if rule is None:
            return ()
        if rule.deferral is None:
            return rule.entries
        deferral = rule.deferral
        target = rulesets.get(deferral.target)
        if target is None:
            problems.append(
                Problem(
                    str(ruleset.path),
                    rule.line,
                    f"rule {key} defers to {deferral.target!r}, which is not loaded "
                    f"(loaded: {', '.join(sorted(rulesets))})",
                )
            )
            return ()
        if target.id in chain:
            problems.append(
                Problem(
                    str(ruleset.path),
                    rule.line,
                    f"rule {key}: deferral loop {' -> '.join((*chain, target.id))}",
                )
            )
            return ()
        found = resolve(target, key, (*chain, target.id))
        return tuple(replace(entry, deferred_from=entry.deferred_from or deferral) for entry in found)

    for ruleset in rulesets.values():
        for key, rule in list(ruleset._rules.items()):
            if rule.deferral is not None:
                entries = resolve(ruleset, key, (ruleset.id,))
                ruleset._rules[key] = replace(rule, entries=entries)
    if problems:
        raise RuleFileError(problems)


def load_rulebook(
    paths: Iterable[str | Path] | None = None,
    *,
    texts_dir: str | Path | None = None,
    keys_path: str | Path | None = None,
    vocabulary_path: str | Path | None = None,
) -> Rulebook:
    """Load every rule file (default: the package's ``rules/data``; cached) into a ``Rulebook``.

    ``paths`` may name files or folders of ``*.yaml``. Texts are looked up in ``texts_dir`` if
    given, else in ``../texts`` beside the file, the file's own folder, then the package texts.
    """
    if paths is None and texts_dir is None and keys_path is None and vocabulary_path is None:
        return _default_rulebook()
    return _build(paths, texts_dir, keys_path, vocabulary_path)


@functools.lru_cache(maxsize=1)
def _default_rulebook() -> Rulebook:
    return _build(None, None, None, None)


def clear_cache() -> None:
    """Forget the cached default rulebook (after editing the rule files)."""
    _default_rulebook.cache_clear()


def _build(
    paths: Iterable[str | Path] | None,
    texts_dir: str | Path | None,
    keys_path: str | Path | None,
    vocabulary_path: str | Path | None,
) -> Rulebook:
    keys = load_keys(keys_path or KEYS_PATH)
    vocabulary = load_vocabulary(vocabulary_path or VOCABULARY_PATH)
    files = _expand([DATA_DIR] if paths is None else paths)
    rulesets: dict[str, RuleSet] = {}
    problems: list[Problem] = []
    abbrevs: dict[str, str] = {}
    for file in files:
        try:
            ruleset = load_ruleset(file, keys=keys, vocabulary=vocabulary, texts_dir=texts_dir)
        except RuleFileError as exc:
            problems.extend(exc.problems)
            continue
        if ruleset.id in rulesets:
            problems.append(Problem(str(file), None, f"rule file id {ruleset.id!r} loaded twice"))
            continue
        if ruleset.abbrev in abbrevs:
            problems.append(
                Problem(
                    str(file), None, f"abbrev {ruleset.abbrev!r} is already used by {abbrevs[ruleset.abbrev]}"
                )
            )
            continue
        abbrevs[ruleset.abbrev] = ruleset.id
        rulesets[ruleset.id] = ruleset
    if problems:
        raise RuleFileError(problems)
    _link(rulesets)
    return Rulebook(rulesets=rulesets, keys=keys, vocabulary=vocabulary)
