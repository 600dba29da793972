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

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from xinyong.domain.aggregation.categories import CategoryMatcher
from xinyong.domain.aggregation.convert import Invalid, cell_text, converter, is_blank
from xinyong.domain.aggregation.law import AggregationLaw, cite_en, cite_zh
from xinyong.domain.aggregation.rows import (
    ENVELOPE_ALIASES,
    ENVELOPE_LABELS,
    MAX_ENVELOPE_LENGTH,
    ItemRefusal,
    RowError,
    ValidRecord,
    content_digest,
)
from xinyong.domain.catalog.items import (
    LEGAL_DOCUMENT_FIELDS,
    CatalogItemSpec,
    Category,
    FieldSpec,
    FieldType,
    PersonalData,
)
from xinyong.domain.platform.kinds import SUBJECT_KIND_LABELS
from xinyong.domain.subjects.identifiers import IdentifierKind, SubjectKind, check_identifier
from xinyong.domain.subjects.personal_data import FOUND_LABELS, kinds_found, mask_text
from xinyong.domain.subjects.personal_data import find as find_personal_data

_NATURAL_PERSON = SubjectKind.natural_person.value
_NONE: frozenset[str] = frozenset()
_CACHE_LIMIT = 1_000
_IDENTIFIER_CACHE_LIMIT = 100_000
_SHORTEST_NUMBER = 9      # a passport number; identity and mobile numbers are longer
# What every number ``personal_data.find(numbers_only=True)`` finds holds (identity numbers: 17 digits and
# a check character; passports: 7 or 8 digits after their letters; mobile numbers: 11 digits, or 3 then 4
# across a separator): seven digits in a row, or three and four across a separator, in any script's
# digits. A text without it holds none, and is not scanned.
_NUMBER_HINT = re.compile(r"\d{3}[- ]?\d{4}")
_VALUE_CACHE_LIMIT = 4_096   # distinct cells remembered per column or scan (``_by_value``)
_NO_ENVELOPE: dict[str, str | None] = dict.fromkeys(ENVELOPE_LABELS)   # a row's envelope before its cells


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

    def notice_for(self, identifier: str, item_code: str) -> str | None:
        """The reference of the latest prior written notice this unit recorded for this subject and item
        (served on or before the day of receipt), for a row that cites none (the national double-publicity
        standard has no column for it); None if there is none."""
        ...


# How a field of a plan is checked when its cell is blank.
_OPTIONAL, _REQUIRED, _DOCUMENT = 0, 1, 2     # nothing; ``field_required``; part of the legal-effect document


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one header (its column names, in order) maps onto one catalog item: worked out once per
    header and item, then used for every row that has them. Only what can apply to a row is kept: a field
    without a column is listed only if it is required (it is then always missing), and the personal-data
    and prose scans only cover fields with a column (the others never have a value)."""

    envelope: tuple[tuple[str, str, int, str, str], ...]   # (envelope name, column, max length, labels)
    # (field name, its column or None, converter, the converter's remembered answers (``_by_value``) or None,
    # _OPTIONAL/_REQUIRED/_DOCUMENT, Chinese and English labels)
    fields: tuple[tuple[str, str | None, Any, dict[str, Any] | None, int, str, str], ...]
    labels: dict[str, tuple[str, str]]                          # every field's labels (zh, en)
    document_cite: str | None                                   # the article a missing document cites
    extras: tuple[str, ...]                                     # columns the item does not have
    named: tuple[tuple[str, frozenset[str], frozenset[str]], ...]  # columns whose name is a category
    text_fields: tuple[str, ...]                                # free-text fields, scanned as prose
    personal: tuple[tuple[str, bool, str, str], ...]            # (string or text field, masked?, labels)


@dataclass(slots=True)
class _Header:
    """A header (its column names, in order): its envelope columns (first alias wins), the other columns,
    and the plans worked out for it, by item code."""

    envelope: dict[str, str]
    others: tuple[str, ...]
    item_column: str | None
    plans: dict[str, tuple[CatalogItemSpec, _Plan]]


class _Refused:
    """A converter's remembered refusal (``_by_value``)."""

    __slots__ = ("invalid",)

    def __init__(self, invalid: Invalid) -> None:
        self.invalid = invalid


_UNSEEN = object()


def _by_value(convert: Any) -> Any:
    """``convert`` run once per distinct text cell of its column, its answer (the value, or the
    ``Invalid`` it raised) reused for every later cell with the same text: a file's columns repeat
    their values (dates, amounts, code-table entries, issuing bodies, standard wordings) across rows.
    A converter is a pure function of the cell, so the answers are the ones the rows would have got;
    only ``str`` cells are remembered (``1``, ``1.0`` and ``True`` are equal keys with different
    answers), at most ``_VALUE_CACHE_LIMIT`` per column. The answers are the function's ``answers``: the
    validator looks a text cell up there itself, and calls the function for the rest."""
    answers: dict[str, Any] = {}     # the value, or its ``_Refused``

    def convert_by_value(raw: Any) -> Any:
        if raw.__class__ is not str:
            return convert(raw)
        found = answers.get(raw, _UNSEEN)
        if found is _UNSEEN:
            try:
                found = convert(raw)
            except Invalid as bad:
                found = _Refused(bad)
            if len(answers) >= _VALUE_CACHE_LIMIT:
                answers.clear()
            answers[raw] = found
        if found.__class__ is _Refused:
            raise found.invalid.with_traceback(None)   # not a traceback growing with every row
        return found

    convert_by_value.answers = answers  # type: ignore[attr-defined]
    return convert_by_value


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
        self._headers: dict[tuple[str, ...], _Header] = {}
        self._identifiers: dict[tuple[str, str | None], Any] = {}
        self._subjects: dict[tuple[Any, ...], tuple[str | None, str | None, str | None]] = {}
        self._scanned_numbers: dict[str, Any] = {}
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

    def _header(self, columns: tuple[str, ...]) -> _Header:
        """The envelope columns of a header (first alias wins), the rest, and its plans."""
        found = self._headers.get(columns)
        if found is None:
            envelope: dict[str, str] = {}
            others: list[str] = []
            for column in columns:
                name = ENVELOPE_ALIASES.get(column.strip().casefold())
                if name is not None and name not in envelope:
                    envelope[name] = column
                else:
                    others.append(column)
            found = _Header(envelope, tuple(others), envelope.get("item"), {})
            if len(self._headers) >= _CACHE_LIMIT:
                self._headers.clear()
            self._headers[columns] = found
        return found

    def _plan(self, columns: tuple[str, ...], spec: CatalogItemSpec) -> _Plan:
        header = self._header(columns)
        cached = header.plans.get(spec.code)
        if cached is not None and cached[0] is spec:
            return cached[1]
        by_alias: dict[str, FieldSpec] = {}
        for f in spec.fields:
            for alias in (f.name, f.label_zh, f.label_en):
                if alias:
                    by_alias.setdefault(alias.strip().casefold(), f)
        field_column: dict[str, str] = {}
        extras: list[str] = []
        for column in header.others:
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
        fields = []
        for f in spec.fields:
            column = field_column.get(f.name)
            when_blank = (_OPTIONAL if not f.required
                          else _DOCUMENT if spec.legal_document_required and f.name in LEGAL_DOCUMENT_FIELDS
                          else _REQUIRED)
            if column is not None or when_blank != _OPTIONAL:
                convert = _by_value(converter(f))
                fields.append((f.name, column, convert, getattr(convert, "answers", None), when_blank, f.label_zh,
                               f.label_en))
        document_rule = self.law.legal_effect_document
        plan = _Plan(
            envelope=tuple((name, column, MAX_ENVELOPE_LENGTH[name], *ENVELOPE_LABELS[name])
                           for name, column in header.envelope.items() if name != "item"),
            fields=tuple(fields),
            labels={f.name: (f.label_zh, f.label_en) for f in spec.fields},
            document_cite=document_rule.cite if document_rule else spec.allowed_by,
            extras=tuple(extras), named=tuple(named),
            text_fields=tuple(f.name for f in spec.fields if f.type is FieldType.text and f.name in field_column),
            personal=tuple((f.name, f.personal_data is PersonalData.mask, f.label_zh, f.label_en)
                           for f in spec.fields
                           if f.type in (FieldType.string, FieldType.text)
                           and f.personal_data is not PersonalData.identifier and f.name in field_column),
        )
        if len(header.plans) >= _CACHE_LIMIT:
            header.plans.clear()
        header.plans[spec.code] = (spec, plan)
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

    def _numbers_in(self, text: str) -> Any:
        """``personal_data.find(text, numbers_only=True)``, once per distinct text (see ``_by_value``); a
        text without ``_NUMBER_HINT`` holds none, and is not scanned."""
        found = self._scanned_numbers.get(text)
        if found is None:
            found = find_personal_data(text, numbers_only=True) if _NUMBER_HINT.search(text) else []
            if len(self._scanned_numbers) >= _VALUE_CACHE_LIMIT:
                self._scanned_numbers.clear()
            self._scanned_numbers[text] = found
        return found

    def _error(self, row: int, field_name: str | None, code: str, zh: str, en: str,
               cite: str | None = None) -> RowError:
        return RowError(row, field_name, code, zh + cite_zh(cite), en + cite_en(cite))

    # -- the check ----------------------------------------------------------------------------------

    def validate(self, row: int, values: Mapping[str, Any]) -> ValidRecord | list[RowError]:
        # A blank cell (``convert.is_blank``) is tested inline below, text first: ``raw is None or
        # (raw.__class__ is str and (not raw or raw.isspace()))``; a text cell stripped (``cell_text``) the same.
        columns = tuple(values)
        header = self._header(columns)
        item_column = header.item_column
        raw_item = values[item_column] if item_column is not None else None
        item_code = (raw_item.strip() if raw_item.__class__ is str
                     else cell_text(raw_item) if raw_item is not None else None)
        if not item_code:
            return [self._error(row, "item", "field_required", "缺少信息事项编码",
                                "the catalog item code is missing", self._catalog_cite)]
        found = self._item(item_code[:MAX_ENVELOPE_LENGTH["item"]])
        if isinstance(found, ItemRefusal):
            return [self._error(row, "item", found.code, found.message_zh, found.message_en, self._catalog_cite)]
        spec = found
        cached = header.plans.get(spec.code)
        plan = cached[1] if cached is not None and cached[0] is spec else self._plan(columns, spec)
        errors: list[RowError] = []

        # Forbidden data named by any column (declared or extra), with a value in it.
        named_consent: frozenset[str] = _NONE
        for column, forbidden, consent in plan.named:
            if is_blank(values[column]):
                continue
            if forbidden:
                errors.append(self._forbidden(row, column, forbidden, "column"))
            named_consent |= consent

        # Extra columns: unknown, and scanned for forbidden data in their values.
        for column in plan.extras:
            value = values[column]
            if value is None or (value.__class__ is str and (not value or value.isspace())):
                continue
            text = cell_text(value)
            if text is not None:
                found_categories = self._forbidden_matcher.find(text)
                if found_categories:
                    errors.append(self._forbidden(row, column, found_categories, "value"))
            errors.append(self._error(row, column[:100], "unknown_column",
                                      f"信息事项 {spec.code} 没有“{column[:100]}”这一列",
                                      f"item {spec.code} has no column {column[:100]!r}"))

        # Envelope: record key, identifier, subject.
        env: dict[str, str | None] = _NO_ENVELOPE.copy()
        for name, column, limit, label_zh, label_en in plan.envelope:
            raw = values[column]
            if raw.__class__ is str:
                text = raw.strip()
                if not text:
                    continue
            elif raw is None:
                continue
            else:
                text = cell_text(raw)
            if text is None:
                errors.append(self._error(row, name, "field_type", f"{label_zh}应为文本", f"{label_en} must be text"))
                env[name] = None
            elif len(text) > limit:
                errors.append(self._error(row, name, "field_too_long", f"{label_zh}超过 {limit} 个字符",
                                          f"{label_en} is longer than {limit} characters"))
                env[name] = None
            else:
                env[name] = text
        if env["record_key"] is None or env["identifier"] is None or env["subject_name"] is None:
            for name in ("record_key", "identifier", "subject_name"):
                if env[name] is None and not (errors and any(e.field == name for e in errors)):
                    zh, en = ENVELOPE_LABELS[name]
                    errors.append(self._error(row, name, "field_required", f"{zh}不能为空", f"{en} is required"))

        identifier = identifier_kind = subject_kind = None
        if env["identifier"] is not None:
            identifier, identifier_kind, subject_kind = self._subject(row, spec, env, errors)

        # The item's fields.
        payload: dict[str, Any] = {}
        missing_document: list[str] | None = None
        for name, column, convert, answers, when_blank, label_zh, label_en in plan.fields:
            raw = values[column] if column is not None else None
            if raw.__class__ is str:
                if answers is not None:
                    # The text's remembered value (a refusal is raised again below). Only texts that are
                    # not blank are ever converted, so a remembered one is not blank.
                    value = answers.get(raw, _UNSEEN)
                    if value is not _UNSEEN and value.__class__ is not _Refused:
                        payload[name] = value
                        continue
                blank = not raw or raw.isspace()
            else:
                blank = raw is None
            if blank:
                if when_blank == _REQUIRED:
                    errors.append(self._error(row, name, "field_required", f"必填字段“{label_zh}”为空",
                                              f"the required field {label_en!r} is empty"))
                elif when_blank == _DOCUMENT:
                    if missing_document is None:
                        missing_document = [name]
                    else:
                        missing_document.append(name)
                continue
            try:
                payload[name] = convert(raw)
            except Invalid as bad:
                errors.append(self._error(row, name, bad.code, f"“{label_zh}”{bad.zh}", f"{label_en!r} {bad.en}"))
        if missing_document:
            labels = plan.labels
            zh = "、".join(labels[n][0] for n in missing_document)
            en = ", ".join(labels[n][1] for n in missing_document)
            errors.append(self._error(
                row, missing_document[0], "legal_document_missing",
                f"失信信息须附具有法律效力的文书（种类、文号、日期、作出机关），缺少：{zh}",
                f"untrustworthiness information must carry its legal-effect document (kind, number, date, "
                f"issuing body); missing: {en}", plan.document_cite))

        # Natural persons' identity, passport and mobile numbers written into string and text fields.
        for name, masked, label_zh, label_en in plan.personal:
            text = payload.get(name)
            if not isinstance(text, str) or len(text) < _SHORTEST_NUMBER:
                continue
            found_numbers = self._numbers_in(text)
            if not found_numbers:
                continue
            if masked:
                payload[name] = mask_text(text, numbers_only=True)
                continue
            kinds = kinds_found(found_numbers)
            zh = "、".join(FOUND_LABELS[k][0] for k in kinds)
            en = ", ".join(FOUND_LABELS[k][1] for k in kinds)
            errors.append(self._error(
                row, name, "personal_data_in_text",
                f"“{label_zh}”第 {found_numbers[0].start + 1} 个字符起含有自然人的{zh}；该字段不得载有"
                f"个人信息：请删除，或由信息目录将该字段设为脱敏后保存",
                f"{label_en!r} holds a natural person's {en} (from character "
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
            if reference is None:     # a row that cites none: the unit's recorded notice to this subject
                reference = env["prior_notice_reference"] = self.lookups.notice_for(identifier, spec.code)
            if reference is None:
                errors.append(self._error(row, "prior_notice_reference", "prior_notice_missing",
                                          "提供失信信息前应书面告知信用主体：本单位未就该主体、该事项登记书面告知"
                                          "（请先登记告知，或填写已登记的书面告知编号）",
                                          "the subject must be informed in writing before untrustworthiness "
                                          "information is delivered: this unit recorded no notice to this "
                                          "subject on this item (record the notice first, or give the "
                                          "reference of a recorded one)", notice.cite))
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
            labels = [SUBJECT_KIND_LABELS.get(k, (k, k)) for k in spec.subject_kinds]   # StrEnum keys
            errors.append(self._error(row, "identifier", "subject_kind_not_allowed",
                                      f"信息事项“{spec.name_zh}”只适用于：{'、'.join(zh for zh, _ in labels)}",
                                      f"the item {spec.name_en} ({spec.code}) applies only to: "
                                      f"{', '.join(en for _, en in labels)}", spec.allowed_by))
            return None, None, None
        assert check.kind is not None
        return check.identifier, check.kind.value, allowed[0]
