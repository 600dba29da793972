"""Row validation for aggregation: one submitted row in, a normalised record or its reasons out.

Plain Python (no I/O): the caller passes the rule values in force as an ``AggregationLaw`` (a rule the
regulation does not provide is ``None`` and refuses nothing), the data-category vocabulary (key to its
Chinese and English synonyms, matched by ``CategoryMatcher``), and ``RowLookups`` that answer the questions only
storage can (which catalog item is in force and granted to this unit; whether a written consent or a
prior notice was recorded). Every refusal is a ``RowError`` with a reason code, the field, and a message
in Chinese and English that names the article deciding it.

What a row holds: the envelope columns (``ENVELOPE``: the catalog item, the provider's record key, the
subject's identifier and name, and where needed the consent or prior-notice reference and the reason for
a correction) plus the catalog item's own fields. Column names may be the field names or the item's
Chinese or English labels. The checks, in the order a provider would fix them:

* ``item_unknown`` / ``item_not_in_force`` / ``unit_not_granted``: information not in the catalog in
  force must not be aggregated (``aggregation.catalog_required``), and only by a unit the item
  names. The catalog in force on the day of receipt governs intake.
* ``identifier_invalid`` (with the identifier's own reason) and ``subject_kind_not_allowed``
  (the identifier decides the subject; the item decides which kinds of subject it covers).
* ``field_required``, ``field_type``, ``field_too_long``, ``field_choice``, ``unknown_column``.
* ``legal_document_missing``: untrustworthiness rows carry their legal-effect document — kind, number,
  date, issuing body (``aggregation.legal_effect_document``).
* ``excluded_simplified_procedure`` / ``excluded_slight_or_remedied``: penalties under the simplified
  procedure, or for slight conduct / harm proactively eliminated, are not untrustworthiness information
  where the regulation says so (``aggregation.exclude_*``).
* ``forbidden_category``: data the regulation forbids outright (``data.forbidden``),
  recognised by the vocabulary's Chinese and English synonyms in any column name, in the values of
  extra columns and in free-text (``text``) fields. Structured fields (names, document numbers, issuing
  bodies) are not scanned as prose: an issuing body such as a disease-control centre is not a diagnosis.
* ``consent_required``: a natural person's consent-only data (income, savings, securities, commercial
  insurance, real estate, taxes paid) — because the item declares it or a column names it — needs a
  reference to a written consent recorded on the platform for that person and those categories.
* ``prior_notice_missing``: where the regulation requires the subject to be told in writing before
  untrustworthiness information is delivered (``aggregation.prior_notice``), the notice must have been recorded first.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from xinyong.domain.catalog.items import (
    LEGAL_DOCUMENT_FIELDS,
    CatalogItemSpec,
    Category,
    FieldSpec,
    FieldType,
    PersonalData,
)
from xinyong.domain.subjects.identifiers import IdentifierKind, SubjectKind, check_identifier
from xinyong.domain.subjects.personal_data import FOUND_LABELS, kinds_found, mask_text
from xinyong.domain.subjects.personal_data import find as find_personal_data

# ---------------------------------------------------------------------------------------------------
# Reason codes
# ---------------------------------------------------------------------------------------------------

REASONS: dict[str, tuple[str, str]] = {
    "item_unknown": ("目录中没有该信息事项", "the catalog has no such item"),
    "item_not_in_force": ("该信息事项不在现行目录中", "the item is not in the catalog in force"),
    "unit_not_granted": ("本单位无权报送该信息事项", "this unit may not submit this item"),
    "identifier_invalid": ("主体标识无效", "the subject's identifier is invalid"),
    "subject_kind_not_allowed": ("该信息事项不适用于此类主体",
                                 "the item does not apply to this kind of subject"),
    "field_required": ("必填字段为空", "a required field is empty"),
    "field_type": ("字段类型不符", "the field has the wrong type"),
    "field_too_long": ("字段超过最大长度", "the field is too long"),
    "field_choice": ("字段值不在可选范围内", "the value is not one of the choices"),
    "unknown_column": ("目录事项中没有该列", "the item has no such column"),
    "legal_document_missing": ("失信信息缺少具有法律效力的文书", "the legal-effect document is missing"),
    "excluded_simplified_procedure": ("适用简易程序的行政处罚不纳入失信信息",
                                      "penalties under the simplified procedure are not untrustworthiness"),
    "excluded_slight_or_remedied": ("违法行为轻微或主动消除危害后果的行政处罚不纳入失信信息",
                                    "penalties for slight or remedied conduct are not untrustworthiness"),
    "forbidden_category": ("禁止采集的信息", "information that must never be collected"),
    "consent_required": ("须经本人书面同意的信息，缺少已登记的书面同意",
                         "consent-only information without a recorded written consent"),
    "prior_notice_missing": ("提供失信信息前未书面告知信用主体",
                             "the subject was not informed in writing before delivery"),
    "correction_reason_required": ("更正已报送的记录须说明更正原因", "a correction needs its reason"),
    # Rows the file reader could not read (``xinyong.services.aggregation.files``).
    "cell_too_large": ("单元格内容过长", "the cell is too large"),
    "row_too_long": ("本行过长", "the row is too long"),
    "row_malformed": ("本行格式有误", "the row is malformed"),
    "too_many_columns": ("本行列数过多", "the row has too many columns"),
}


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row (or one field of it) was refused. ``row`` counts as the provider sees it."""

    row: int
    field: str | None
    code: str
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "code": self.code, "message_zh": self.message_zh,
                "message_en": self.message_en}


@dataclass(frozen=True, slots=True)
class ItemRefusal:
    """The catalog or the unit registry refuses an item for this row (``item_unknown`` …)."""

    code: str
    message_zh: str
    message_en: str


# ---------------------------------------------------------------------------------------------------
# The law in force, as plain data
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cited:
    """A rule value with the citation that gives it (e.g. ``GS Art. 18(2)``)."""

    value: Any
    cite: str


@dataclass(frozen=True)
class AggregationLaw:
    """The rule values in force that decide a row; ``None`` where the regulation provides none."""

    jurisdiction: str
    catalog_required: Cited | None = None
    legal_effect_document: Cited | None = None
    exclude_simplified_procedure: Cited | None = None
    exclude_slight_or_remedied: Cited | None = None
    forbidden: Cited | None = None          # value: vocabulary keys
    consent_only: Cited | None = None       # value: vocabulary keys
    prior_notice: Cited | None = None

    def flag(self, name: str) -> Cited | None:
        value: Cited | None = getattr(self, name)
        return value if value is not None and value.value else None

    def keys(self, name: str) -> frozenset[str]:
        value: Cited | None = getattr(self, name)
        return frozenset(value.value) if value is not None else frozenset()


def _cite_zh(cite: str | None) -> str:
    return f"（依据 {cite}）" if cite else ""


def _cite_en(cite: str | None) -> str:
    return f" ({cite})" if cite else ""


# ---------------------------------------------------------------------------------------------------
# Data categories
# ---------------------------------------------------------------------------------------------------

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


_NATURAL_PERSON = SubjectKind.natural_person.value
_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]")
_NONE: frozenset[str] = frozenset()
_CACHE_ENTRIES = 20_000     # remembered answers per matcher (bounded memory: short texts only)
_CACHE_TEXT = 200


# ---------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------

ENVELOPE: dict[str, tuple[str, ...]] = {
    # canonical name: accepted column names besides it (Chinese and English labels)
    "item": ("item_code", "事项", "事项编码", "事项代码", "目录事项", "信息事项"),
    "record_key": ("记录编号", "记录键", "业务编号"),
    "identifier": ("主体标识", "主体代码", "统一社会信用代码", "公民身份号码", "身份证号码", "证件号码"),
    "identifier_kind": ("证件类型", "标识类型"),
    "subject_name": ("主体名称", "名称", "姓名"),
    "subject_kind": ("主体类型",),
    "consent_reference": ("书面同意编号", "同意书编号"),
    "prior_notice_reference": ("书面告知编号", "告知书编号"),
    "correction_reason": ("更正原因", "更正理由"),
}
ENVELOPE_LABELS = {
    "item": ("信息事项", "catalog item"), "record_key": ("记录编号", "record key"),
    "identifier": ("主体标识", "subject identifier"), "identifier_kind": ("证件类型", "identifier kind"),
    "subject_name": ("主体名称", "subject name"), "subject_kind": ("主体类型", "subject kind"),
    "consent_reference": ("书面同意编号", "written consent reference"),
    "prior_notice_reference": ("书面告知编号", "prior notice reference"),
    "correction_reason": ("更正原因", "reason for correction"),
}
MAX_ENVELOPE_LENGTH = {"item": 64, "record_key": 128, "identifier": 64, "identifier_kind": 16,
                       "subject_name": 200, "subject_kind": 32, "consent_reference": 128,
                       "prior_notice_reference": 128, "correction_reason": 500}
_ENVELOPE_ALIASES = {alias.casefold(): name
                     for name, aliases in ENVELOPE.items() for alias in (name, *aliases)}

_CACHE_LIMIT = 1_000
_IDENTIFIER_CACHE_LIMIT = 100_000
_TRUE = frozenset({"true", "1", "yes", "y", "t", "是", "对", "真"})
_FALSE = frozenset({"false", "0", "no", "n", "f", "否", "错", "假"})
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


class RowLookups(Protocol):
    """What only storage can answer; the service implements it (and caches as it sees fit)."""

    def item(self, code: str) -> CatalogItemSpec | ItemRefusal:
        """The item in force for intake today and granted to this unit, or why not."""
        ...

    def consent_recorded(self, reference: str, identifier: str, categories: frozenset[str]) -> bool:
        """A written consent with this reference is recorded for this subject and covers the categories."""
        ...

    def notice_recorded(self, reference: str, identifier: str, item_code: str) -> bool:
        """A prior written notice with this reference was recorded for this subject and item."""
        ...


@dataclass(frozen=True, slots=True)
class ValidRecord:
    """A row that passed: what will be stored, normalised, and its content digest."""

    row: int
    item: CatalogItemSpec
    record_key: str
    identifier: str
    identifier_kind: str
    subject_kind: str
    subject_name: str
    payload: dict[str, Any]
    digest: str
    correction_reason: str | None = None
    consent_reference: str | None = None
    prior_notice_reference: str | None = None
    consent_categories: frozenset[str] = field(default_factory=frozenset)

    @property
    def document(self) -> dict[str, Any] | None:
        if not self.item.legal_document_required:
            return None
        return {name: self.payload.get(name) for name in LEGAL_DOCUMENT_FIELDS}

    @property
    def decision_date(self) -> date | None:
        return _iso_date(self.payload.get("decision_date") or self.payload.get("document_date"))

    @property
    def conduct_ended(self) -> date | None:
        return _iso_date(self.payload.get("conduct_ended"))


def _iso_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def content_digest(item_code: str, identifier: str, payload: Mapping[str, Any]) -> str:
    """SHA-256 of a record's content: the item, the subject and the fields, in a canonical form.

    The same content gives the same digest whatever the file format, column order or labels.
    """
    text = json.dumps({"item": item_code, "subject": identifier, "fields": payload}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and (not value or value.isspace()))


def _text(value: Any) -> str | None:
    """A scalar as trimmed text; None for nested values (lists, objects)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one header (its column names, in order) maps onto one catalog item: worked out once per
    header and item, then used for every row that has them."""

    envelope: tuple[tuple[str, str], ...]                       # (envelope name, column)
    fields: tuple[tuple[FieldSpec, str | None, Any], ...]      # each field, its column if any, converter
    extras: tuple[str, ...]                                     # columns the item does not have
    named: tuple[tuple[str, frozenset[str], frozenset[str]], ...]  # columns whose name is a category
    text_fields: tuple[str, ...]                                # free-text fields, scanned as prose
    personal: tuple[FieldSpec, ...]                             # string and text fields scanned for numbers


class RowValidator:
    """Validates the rows of one batch under the law in force on the day of receipt."""

    def __init__(self, law: AggregationLaw, lookups: RowLookups, *, received_on: date,
                 vocabulary: Mapping[str, Any] | None = None) -> None:
        self.law = law
        self.lookups = lookups
        self.received_on = received_on
        vocabulary = vocabulary or {}
        self.forbidden = law.keys("forbidden")
        self.consent_only = law.keys("consent_only")
        self._forbidden_matcher = CategoryMatcher.from_vocabulary(vocabulary, self.forbidden)
        self._consent_matcher = CategoryMatcher.from_vocabulary(vocabulary, self.consent_only)
        self._items: dict[str, CatalogItemSpec | ItemRefusal] = {}
        self._headers: dict[tuple[str, ...], tuple[dict[str, str], tuple[str, ...]]] = {}
        self._plans: dict[tuple[tuple[str, ...], str], tuple[CatalogItemSpec, _Plan]] = {}
        self._identifiers: dict[tuple[str, str | None], Any] = {}
        self._subjects: dict[tuple[Any, ...], tuple[str | None, str | None, str | None]] = {}
        self._catalog_cite = law.catalog_required.cite if law.catalog_required else None
        self._simplified = law.flag("exclude_simplified_procedure")
        self._slight = law.flag("exclude_slight_or_remedied")
        self._notice = law.flag("prior_notice")

    # -- helpers ------------------------------------------------------------------------------------

    def _item(self, code: str) -> CatalogItemSpec | ItemRefusal:
        found = self._items.get(code)
        if found is None:
            found = self.lookups.item(code)
            if len(self._items) < _CACHE_LIMIT:
                self._items[code] = found
        return found

    def _header(self, columns: tuple[str, ...]) -> tuple[dict[str, str], tuple[str, ...]]:
        """The envelope columns of a header (first alias wins) and the rest."""
        found = self._headers.get(columns)
        if found is None:
            envelope: dict[str, str] = {}
            others: list[str] = []
            for column in columns:
                name = _ENVELOPE_ALIASES.get(column.strip().casefold())
                if name is not None and name not in envelope:
                    envelope[name] = column
                else:
                    others.append(column)
            found = (envelope, tuple(others))
            if len(self._headers) >= _CACHE_LIMIT:
                self._headers.clear()
            self._headers[columns] = found
        return found

    def _plan(self, columns: tuple[str, ...], spec: CatalogItemSpec) -> _Plan:
        cached = self._plans.get((columns, spec.code))
        if cached is not None and cached[0] is spec:
            return cached[1]
        envelope, others = self._header(columns)
        by_alias: dict[str, FieldSpec] = {}
        for f in spec.fields:
            for alias in (f.name, f.label_zh, f.label_en):
                if alias:
                    by_alias.setdefault(alias.strip().casefold(), f)
        field_column: dict[str, str] = {}
        extras: list[str] = []
        for column in others:
            target = by_alias.get(column.strip().casefold())
            if target is not None and target.name not in field_column:
                field_column[target.name] = column
            else:
                extras.append(column)
        named = []
        for column in columns:
            forbidden, consent = self._forbidden_matcher.find(column), self._consent_matcher.find(column)
            if forbidden or consent:
                named.append((column, forbidden, consent))
        plan = _Plan(
            envelope=tuple((name, column) for name, column in envelope.items() if name != "item"),
            fields=tuple((f, field_column.get(f.name), _converter(f)) for f in spec.fields),
            extras=tuple(extras), named=tuple(named),
            text_fields=tuple(f.name for f in spec.fields if f.type is FieldType.text),
            personal=tuple(f for f in spec.fields if f.type in (FieldType.string, FieldType.text)
                           and f.personal_data is not PersonalData.identifier),
        )
        if len(self._plans) >= _CACHE_LIMIT:
            self._plans.clear()
        self._plans[(columns, spec.code)] = (spec, plan)
        return plan

    def _check_identifier(self, raw: str, hint: IdentifierKind | None) -> Any:
        key = (raw, hint.value if hint else None)
        found = self._identifiers.get(key)
        if found is None:
            found = check_identifier(raw, today=self.received_on, hint=hint)
            if len(self._identifiers) >= _IDENTIFIER_CACHE_LIMIT:
                self._identifiers.clear()
            self._identifiers[key] = found
        return found

    def _error(self, row: int, field_name: str | None, code: str, zh: str, en: str,
               cite: str | None = None) -> RowError:
        return RowError(row, field_name, code, zh + _cite_zh(cite), en + _cite_en(cite))

    # -- the check ----------------------------------------------------------------------------------

    def validate(self, row: int, values: Mapping[str, Any]) -> ValidRecord | list[RowError]:
        columns = tuple(values)
        envelope_columns, _ = self._header(columns)
        catalog_cite = self._catalog_cite
        item_column = envelope_columns.get("item")
        raw_item = values[item_column] if item_column is not None else None
        item_code = _text(raw_item) if not _blank(raw_item) else None
        if not item_code:
            return [self._error(row, "item", "field_required", "缺少信息事项编码",
                                "the catalog item code is missing", catalog_cite)]
        found = self._item(item_code[:MAX_ENVELOPE_LENGTH["item"]])
        if isinstance(found, ItemRefusal):
            return [self._error(row, "item", found.code, found.message_zh, found.message_en, catalog_cite)]
        spec = found
        plan = self._plan(columns, spec)
        errors: list[RowError] = []

        # Forbidden data named by any column (declared or extra), with a value in it.
        named_consent: frozenset[str] = _NONE
        for column, forbidden, consent in plan.named:
            if _blank(values[column]):
                continue
            if forbidden:
                errors.append(self._forbidden(row, column, forbidden, "column"))
            named_consent |= consent

        # Extra columns: unknown, and scanned for forbidden data in their values.
        for column in plan.extras:
            value = values[column]
            if _blank(value):
                continue
            text = _text(value)
            if text is not None:
                found_categories = self._forbidden_matcher.find(text)
                if found_categories:
                    errors.append(self._forbidden(row, column, found_categories, "value"))
            errors.append(self._error(row, column[:100], "unknown_column",
                                      f"信息事项 {spec.code} 没有“{column[:100]}”这一列",
                                      f"item {spec.code} has no column {column[:100]!r}"))

        # Envelope: record key, identifier, subject.
        env: dict[str, str | None] = dict.fromkeys(ENVELOPE_LABELS)
        for name, column in plan.envelope:
            raw = values[column]
            if _blank(raw):
                continue
            limit = MAX_ENVELOPE_LENGTH[name]
            text = _text(raw)
            if text is None:
                errors.append(self._error(row, name, "field_type", f"{ENVELOPE_LABELS[name][0]}应为文本",
                                          f"{ENVELOPE_LABELS[name][1]} must be text"))
                env[name] = None
            elif len(text) > limit:
                errors.append(self._error(row, name, "field_too_long",
                                          f"{ENVELOPE_LABELS[name][0]}超过 {limit} 个字符",
                                          f"{ENVELOPE_LABELS[name][1]} is longer than {limit} characters"))
                env[name] = None
            else:
                env[name] = text
        for name in ("record_key", "identifier", "subject_name"):
            if env[name] is None and not (errors and any(e.field == name for e in errors)):
                zh, en = ENVELOPE_LABELS[name]
                errors.append(self._error(row, name, "field_required", f"{zh}不能为空", f"{en} is required"))

        identifier = identifier_kind = subject_kind = None
        if env["identifier"] is not None:
            identifier, identifier_kind, subject_kind = self._subject(row, spec, env, errors)

        # The item's fields.
        payload: dict[str, Any] = {}
        document_rule = self.law.legal_effect_document
        document_cite = document_rule.cite if document_rule else spec.allowed_by
        missing_document: list[str] = []
        for spec_field, column, convert in plan.fields:
            raw = values[column] if column is not None else None
            if _blank(raw):
                if spec_field.required:
                    if spec.legal_document_required and spec_field.name in LEGAL_DOCUMENT_FIELDS:
                        missing_document.append(spec_field.name)
                    else:
                        errors.append(self._error(row, spec_field.name, "field_required",
                                                  f"必填字段“{spec_field.label_zh}”为空",
                                                  f"the required field {spec_field.label_en!r} is empty"))
                continue
            try:
                payload[spec_field.name] = convert(raw)
            except _Invalid as bad:
                errors.append(self._error(row, spec_field.name, bad.code, f"“{spec_field.label_zh}”{bad.zh}",
                                          f"{spec_field.label_en!r} {bad.en}"))
        if missing_document:
            labels = {f.name: (f.label_zh, f.label_en) for f in spec.fields}
            zh = "、".join(labels[n][0] for n in missing_document)
            en = ", ".join(labels[n][1] for n in missing_document)
            errors.append(self._error(
                row, missing_document[0], "legal_document_missing",
                f"失信信息须附具有法律效力的文书（种类、文号、日期、作出机关），缺少：{zh}",
                f"untrustworthiness information must carry its legal-effect document (kind, number, date, "
                f"issuing body); missing: {en}", document_cite))

        # Natural persons' identity, passport and mobile numbers written into string and text fields.
        for spec_field in plan.personal:
            text = payload.get(spec_field.name)
            if not isinstance(text, str) or len(text) < _SHORTEST_NUMBER:
                continue
            found_numbers = find_personal_data(text, numbers_only=True)
            if not found_numbers:
                continue
            if spec_field.personal_data is PersonalData.mask:
                payload[spec_field.name] = mask_text(text, numbers_only=True)
                continue
            kinds = kinds_found(found_numbers)
            zh = "、".join(FOUND_LABELS[k][0] for k in kinds)
            en = ", ".join(FOUND_LABELS[k][1] for k in kinds)
            errors.append(self._error(
                row, spec_field.name, "personal_data_in_text",
                f"“{spec_field.label_zh}”第 {found_numbers[0].start + 1} 个字符起含有自然人的{zh}；该字段不得载有"
                f"个人信息：请删除，或由信息目录将该字段设为脱敏后保存",
                f"{spec_field.label_en!r} holds a natural person's {en} (from character "
                f"{found_numbers[0].start + 1}); this field may not carry personal data: remove it, or have the "
                f"catalog store this field masked"))

        # Free-text fields: forbidden data in prose.
        for name in plan.text_fields:
            text = payload.get(name)
            if isinstance(text, str):
                found_categories = self._forbidden_matcher.find(text)
                if found_categories:
                    errors.append(self._forbidden(row, name, found_categories, "value"))

        # Penalty exclusions (aggregation.exclude_*).
        if spec.penalty_item:
            simplified = self._simplified
            if simplified and payload.get("simplified_procedure") is True:
                errors.append(self._error(row, "simplified_procedure", "excluded_simplified_procedure",
                                          "适用简易程序作出的行政处罚信息不纳入失信信息",
                                          "an administrative penalty under the simplified procedure is not "
                                          "untrustworthiness information", simplified.cite))
            slight = self._slight
            if slight and payload.get("slight_or_harm_eliminated") is True:
                errors.append(self._error(row, "slight_or_harm_eliminated", "excluded_slight_or_remedied",
                                          "违法行为轻微或者主动消除、减轻危害后果的行政处罚信息不纳入失信信息",
                                          "a penalty for slight conduct, or where the harm was proactively "
                                          "eliminated or abated, is not untrustworthiness information",
                                          slight.cite))

        # Written consent for a natural person's consent-only data.
        consent_categories: frozenset[str] = _NONE
        if subject_kind == _NATURAL_PERSON:
            consent_categories = frozenset(spec.consent_categories) | (named_consent & self.consent_only)
        if consent_categories and identifier is not None:
            cite = self.law.consent_only.cite if self.law.consent_only else spec.allowed_by
            reference = env["consent_reference"]
            listing = ", ".join(sorted(consent_categories))
            if reference is None:
                errors.append(self._error(row, "consent_reference", "consent_required",
                                          f"该信息（{listing}）须经本人书面同意方可采集，请填写已登记的书面同意编号",
                                          f"this information ({listing}) may be collected only with the "
                                          f"person's written consent: give the reference of the recorded "
                                          f"consent", cite))
            elif not self.lookups.consent_recorded(reference, identifier, consent_categories):
                errors.append(self._error(row, "consent_reference", "consent_required",
                                          f"未找到该主体涵盖（{listing}）的已登记书面同意",
                                          f"no recorded written consent of this subject covering "
                                          f"({listing}) has this reference", cite))

        # Prior written notice before untrustworthiness information is delivered (aggregation.prior_notice).
        notice = self._notice
        if notice and spec.category is Category.untrustworthiness and identifier is not None:
            reference = env["prior_notice_reference"]
            if reference is None:
                errors.append(self._error(row, "prior_notice_reference", "prior_notice_missing",
                                          "提供失信信息前应书面告知信用主体：请填写已登记的书面告知编号",
                                          "the subject must be informed in writing before untrustworthiness "
                                          "information is delivered: give the reference of the recorded "
                                          "notice", notice.cite))
            elif not self.lookups.notice_recorded(reference, identifier, spec.code):
                errors.append(self._error(row, "prior_notice_reference", "prior_notice_missing",
                                          "未找到该主体、该事项的已登记书面告知",
                                          "no prior written notice with this reference is recorded for this "
                                          "subject and item", notice.cite))

        if errors:
            return errors
        assert identifier is not None and identifier_kind is not None and subject_kind is not None
        assert env["record_key"] is not None and env["subject_name"] is not None
        return ValidRecord(
            row=row, item=spec, record_key=env["record_key"], identifier=identifier,
            identifier_kind=identifier_kind, subject_kind=subject_kind, subject_name=env["subject_name"],
            payload=payload, digest=content_digest(spec.code, identifier, payload),
            correction_reason=env["correction_reason"], consent_reference=env["consent_reference"],
            prior_notice_reference=env["prior_notice_reference"], consent_categories=consent_categories,
        )

    def _forbidden(self, row: int, column: str, categories: frozenset[str], where: str) -> RowError:
        cite = self.law.forbidden.cite if self.law.forbidden else None
        listing = ", ".join(sorted(categories))
        place_zh = "列名" if where == "column" else "内容"
        place_en = "column name" if where == "column" else "content"
        return self._error(row, column[:100], "forbidden_category",
                           f"“{column[:100]}”的{place_zh}涉及禁止采集的信息（{listing}）",
                           f"the {place_en} of {column[:100]!r} concerns information that must never be "
                           f"collected ({listing})", cite)

    def _subject(self, row: int, spec: CatalogItemSpec, env: Mapping[str, str | None],
                 errors: list[RowError]) -> tuple[str | None, str | None, str | None]:
        """(identifier, its kind, the subject's kind) — or Nones, with the reason added to ``errors``."""
        key = (env["identifier"], env["identifier_kind"], env["subject_kind"], spec.code)
        found = self._subjects.get(key)
        if found is not None:
            return found
        before = len(errors)
        found = self._resolve_subject(row, spec, env, errors)
        if len(errors) == before:   # only successes are remembered: errors carry their row number
            if len(self._subjects) >= _IDENTIFIER_CACHE_LIMIT:
                self._subjects.clear()
            self._subjects[key] = found
        return found

    def _resolve_subject(self, row: int, spec: CatalogItemSpec, env: Mapping[str, str | None],
                         errors: list[RowError]) -> tuple[str | None, str | None, str | None]:
        hint: IdentifierKind | None = None
        if env["identifier_kind"] is not None:
            try:
                hint = IdentifierKind(env["identifier_kind"].casefold())
            except ValueError:
                kinds = ", ".join(k.value for k in IdentifierKind)
                errors.append(self._error(row, "identifier_kind", "field_choice",
                                          f"证件类型应为 {kinds} 之一",
                                          f"identifier kind must be one of {kinds}"))
                return None, None, None
        assert env["identifier"] is not None
        check = self._check_identifier(env["identifier"], hint)
        if not check.valid:
            reason = check.reason.value if check.reason else "invalid"
            errors.append(self._error(row, "identifier", "identifier_invalid",
                                      f"主体标识无效（{reason}）：{check.message_zh}",
                                      f"the subject's identifier is invalid ({reason}): {check.message_en}"))
            return None, None, None
        possible = [k.value for k in check.subject_kinds]
        wanted = env["subject_kind"]
        if wanted is not None:
            if wanted not in possible:
                errors.append(self._error(row, "subject_kind", "subject_kind_not_allowed",
                                          f"该标识不能标识类型为 {wanted} 的主体",
                                          f"this identifier cannot identify a subject of kind {wanted}"))
                return None, None, None
            candidates = [wanted]
        else:
            candidates = possible
        allowed = [k for k in candidates if k in spec.subject_kinds]
        if not allowed:
            kinds = ", ".join(spec.subject_kinds)
            errors.append(self._error(row, "identifier", "subject_kind_not_allowed",
                                      f"信息事项 {spec.code} 只适用于：{kinds}",
                                      f"item {spec.code} applies only to: {kinds}", spec.allowed_by))
            return None, None, None
        assert check.kind is not None
        return check.identifier, check.kind.value, allowed[0]


# ---------------------------------------------------------------------------------------------------
# Field converters: one per catalog field, built once per item (plain functions, fast on text input)
# ---------------------------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


_NOT_TEXT = _Invalid("field_type", "应为文本", "must be text")
_NOT_DATE = _Invalid("field_type", "应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)")
_NOT_BOOLEAN = _Invalid("field_type", "应为是或否", "must be true or false (是/否)")
_NOT_INTEGER = _Invalid("field_type", "应为整数", "must be a whole number")
_NOT_NUMBER = _Invalid("field_type", "应为数字", "must be a number")
_BOOLEANS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def _as_text(raw: Any) -> str:
    text = raw.strip() if isinstance(raw, str) else _text(raw)
    if text is None:
        raise _NOT_TEXT
    return text


def _convert_date(raw: Any) -> str:
    if isinstance(raw, str) and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise _NOT_DATE from None
    value = parse_date(raw)
    if value is None:
        raise _NOT_DATE
    return value.isoformat()


def _convert_boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw)
    found = _BOOLEANS.get(text.casefold()) if text is not None else None
    if found is None:
        raise _NOT_BOOLEAN
    return found


def _convert_integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise _NOT_INTEGER
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and not raw.is_integer():
        raise _NOT_INTEGER
    text = _text(raw)
    if text is None or not _INTEGER.match(text):
        raise _NOT_INTEGER
    return int(text)


def _convert_decimal(raw: Any) -> str:
    if isinstance(raw, bool):
        raise _NOT_NUMBER
    text = _text(raw)
    try:
        number = Decimal(text.replace(",", "")) if text is not None and len(text) <= 40 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _NOT_NUMBER
    return format(number.normalize(), "f") if number != 0 else "0"


_SHORTEST_NUMBER = 9      # a passport number; identity and mobile numbers are longer


def _converter(spec: FieldSpec) -> Any:
    """The function that turns a raw cell into the field's stored value, or raises ``_Invalid``."""
    if spec.type is FieldType.date:
        return _convert_date
    if spec.type is FieldType.boolean:
        return _convert_boolean
    if spec.type is FieldType.integer:
        return _convert_integer
    if spec.type is FieldType.decimal:
        return _convert_decimal
    if spec.type is FieldType.enum:
        choices = frozenset(spec.choices)
        wrong = _Invalid("field_choice", f"应为以下之一：{'、'.join(spec.choices)}",
                         f"must be one of: {', '.join(spec.choices)}")

        def convert_enum(raw: Any) -> str:
            text = _as_text(raw)
            if text not in choices:
                raise wrong
            return text

        return convert_enum
    limit = spec.max_length
    too_long = _Invalid("field_too_long", f"超过 {limit} 个字符", f"is longer than {limit} characters")

    def convert_text(raw: Any) -> str:
        text = _as_text(raw)
        if limit is not None and len(text) > limit:
            raise too_long
        return text if text.isascii() else unicodedata.normalize("NFC", text)

    return convert_text
