"""The public credit information catalog (信用信息目录): its items.

Information not in the catalog in force must not be aggregated (rule key ``aggregation.catalog_required``).
An item carries the elements the regulations list for a catalog item: name, providing units (kept by
the unit registry), category (basic, untrustworthiness, other), origin, subject kinds, fields,
legal-effect document (``aggregation.legal_effect_document``), disclosure class, display period rule,
sharing category, usage authorization, data format, update period, and the article that allows the item.

Which catalog rules a regulation imposes, and the article that does, is data (``law.CatalogLaw``,
read from the rule files by ``services.catalog``).

Plain Python: no I/O, no ORM. An item's problems (:func:`item_problems`) are ``Refusal``s naming the
field, the reason in Chinese and English, and the citation or the baseline label it rests on
(``law``); the version lifecycle is ``lifecycle``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any

from xinyong.domain.catalog.law import CatalogLaw, basis
from xinyong.domain.platform.kinds import SubjectKind
from xinyong.domain.platform.refusal import Refusal

SUBJECT_KINDS = tuple(kind.value for kind in SubjectKind)
"""What an item's ``subject_kinds`` may list: the values of the one ``SubjectKind``."""
_NATURAL_PERSON = SubjectKind.natural_person.value

LEGAL_DOCUMENT_FIELDS = ("document_kind", "document_number", "document_date", "document_issuer")
"""The legal-effect document every untrustworthiness row carries (``aggregation.legal_effect_document``)."""

PENALTY_EXCLUSION_FIELDS = ("simplified_procedure", "slight_or_harm_eliminated")
"""The flags that decide the penalty exclusions (``aggregation.exclude_simplified_procedure``,
``aggregation.exclude_slight_or_remedied``) for administrative penalties."""

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
RULE_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class Category(StrEnum):
    """Basic, untrustworthiness and other information (the three kinds the regulations name)."""

    basic = "basic"
    untrustworthiness = "untrustworthiness"
    other = "other"


class Origin(StrEnum):
    public = "public"      # public credit information (held by state organs and units with public duties)
    market = "market"      # market credit information (from market actors)


class DisclosureClass(StrEnum):
    public = "public"          # lawful disclosure to the public
    shared = "shared"          # government sharing and inquiry by duty
    authorized = "authorized"  # only the subject itself, or a third party with written authorization


class FieldType(StrEnum):
    string = "string"
    text = "text"
    date = "date"
    integer = "integer"
    decimal = "decimal"
    boolean = "boolean"
    enum = "enum"
    multi_enum = "multi_enum"    # several of the choices, stored as their codes joined by ";" in choices' order


class PersonalData(StrEnum):
    """What a string or free-text field does with a natural person's personal data found in it
    (identity, passport and mobile numbers: ``xinyong.domain.subjects.personal_data``)."""

    refuse = "refuse"            # the default: the row is refused, naming the field and what was found
    mask = "mask"                # accepted and stored masked
    name = "name"                # the field holds a natural person's name (e.g. a legal representative)
    identifier = "identifier"    # the field holds a natural person's identity or document number


PERSONAL_DATA_LABELS = {
    PersonalData.refuse: ("含个人信息的拒收", "refused when it holds personal data"),
    PersonalData.mask: ("个人信息脱敏后保存", "personal data stored masked"),
    PersonalData.name: ("自然人姓名（对本人以外脱敏）", "a natural person's name (masked to all but the person)"),
    PersonalData.identifier: ("自然人证件号码（对本人以外脱敏）",
                              "a natural person's identifier (masked to all but the person)"),
}


CATEGORY_LABELS = {
    Category.basic: ("基础信息", "basic information"),
    Category.untrustworthiness: ("失信信息", "untrustworthiness information"),
    Category.other: ("其他信息", "other information"),
}
ORIGIN_LABELS = {
    Origin.public: ("公共信用信息", "public credit information"),
    Origin.market: ("市场信用信息", "market credit information"),
}
DISCLOSURE_LABELS = {
    DisclosureClass.public: ("依法公开", "lawful disclosure"),
    DisclosureClass.shared: ("政务共享、依职责查询", "government sharing and inquiry by duty"),
    DisclosureClass.authorized: ("本人查询或经书面授权查询", "self inquiry or with written authorization"),
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool
    label_zh: str
    label_en: str
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    personal_data: PersonalData = PersonalData.refuse
    # Served only to the subject, to duty inquiries and to the upstream platform (exchange), never in
    # lawful disclosure nor to an authorized inquiry: dropped from the record, not masked (a legal
    # representative's 法定代表人证件号码, which the double-publicity standard carries for exchange).
    duty_only: bool = False


@dataclass(frozen=True)
class CatalogItemSpec:
    code: str
    name_zh: str
    name_en: str
    category: Category
    origin: Origin
    subject_kinds: tuple[str, ...]       # values of xinyong.domain.subjects.identifiers.SubjectKind
    fields: tuple[FieldSpec, ...]
    legal_document_required: bool        # untrustworthiness items: aggregation.legal_effect_document
    disclosure_class: DisclosureClass
    display_rule: str | None             # a rule key, e.g. "display.untrustworthy.organisation"
    counts_from_field: str | None        # which field dates the display period
    sharing_category: str
    usage_authorization: str
    data_format: str
    update_period: str
    allowed_by: str                      # cite of the article that allows the item
    positive: bool = False               # commendations, volunteering, donations (positive_withholdable)
    consent_categories: tuple[str, ...] = ()  # vocabulary keys carried only with written consent
    penalty_item: bool = False           # administrative penalty: aggregation.exclude_* apply

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


def item_problems(item: CatalogItemSpec, *, known_rule_keys: Iterable[str] | None = None,
                  known_vocabulary: Iterable[str] | None = None,
                  law: CatalogLaw | None = None) -> list[Refusal]:
    """Every reason an item spec is not fit for a catalog (empty when it is), under ``law`` (the
    catalog rules in force; None: a regulation silent on all of them)."""
    law = law or CatalogLaw()
    problems: list[Refusal] = []
    where = f"items.{item.code}"

    def bad(reason: str, zh: str, en: str, at: str = "") -> None:
        problems.append(Refusal(f"{where}.{at}" if at else where, reason, f"目录事项 {item.code}：{zh}",
                                f"catalog item {item.code}: {en}"))

    if not CODE_PATTERN.match(item.code or ""):
        bad("bad_code", "代码须为小写字母开头的字母、数字、下划线（2-64位）",
            "the code must be 2-64 lower-case letters, digits or underscores, starting with a letter", "code")
    for attr, zh in (("name_zh", "中文名称"), ("name_en", "英文名称"), ("allowed_by", "设定依据条款"),
                     ("sharing_category", "共享类别"), ("usage_authorization", "使用授权"),
                     ("data_format", "数据格式"), ("update_period", "更新周期")):
        if not str(getattr(item, attr) or "").strip():
            bad("required", f"{zh}不能为空", f"{attr} is required", attr)
    if not item.subject_kinds:
        bad("required", "须列明适用的主体类型", "at least one subject kind is required", "subject_kinds")
    for kind in item.subject_kinds:
        if kind not in SUBJECT_KINDS:
            bad("unknown_subject_kind", f"未知的主体类型 {kind}", f"unknown subject kind {kind}",
                "subject_kinds")
    if len(set(item.subject_kinds)) != len(item.subject_kinds):
        bad("duplicate", "主体类型重复", "a subject kind is listed twice", "subject_kinds")
    if not item.fields:
        bad("required", "须列明字段", "at least one field is required", "fields")
    names = [f.name for f in item.fields]
    for name in sorted({n for n in names if names.count(n) > 1}):
        bad("duplicate_field", f"字段 {name} 重复", f"field {name} is listed twice", "fields")
    for spec in item.fields:
        if not CODE_PATTERN.match(spec.name or ""):
            bad("bad_field_name", f"字段名 {spec.name!r} 不合规范", f"field name {spec.name!r} is not valid",
                "fields")
        if not spec.label_zh.strip() or not spec.label_en.strip():
            bad("required", f"字段 {spec.name} 须有中英文标签",
                f"field {spec.name} needs labels in zh and en", f"fields.{spec.name}")
        if spec.type in (FieldType.enum, FieldType.multi_enum) and not spec.choices:
            bad("enum_without_choices", f"枚举字段 {spec.name} 须列明可选值",
                f"enum field {spec.name} needs its choices", f"fields.{spec.name}")
        if spec.type not in (FieldType.enum, FieldType.multi_enum) and spec.choices:
            bad("choices_not_enum", f"只有枚举字段可列可选值（{spec.name}）",
                f"only enum fields have choices ({spec.name})", f"fields.{spec.name}")
        if spec.max_length is not None and (spec.max_length <= 0
                                            or spec.type not in (FieldType.string, FieldType.text)):
            bad("bad_max_length", f"字段 {spec.name} 的最大长度无效",
                f"field {spec.name}: max_length must be positive and only on string or text",
                f"fields.{spec.name}")
        if spec.personal_data is not PersonalData.refuse and spec.type not in (FieldType.string, FieldType.text):
            bad("bad_personal_data", f"字段 {spec.name}：只有文本字段可以声明个人信息的处理方式",
                f"field {spec.name}: only string or text fields declare how personal data is handled",
                f"fields.{spec.name}")
    if item.category is Category.untrustworthiness:
        if not item.legal_document_required:
            zh, en = basis(law.legal_effect_document)
            bad("legal_document_required", f"失信信息须以具有法律效力的文书为依据（{zh}）",
                f"untrustworthiness information rests on a document with legal effect ({en})",
                "legal_document_required")
        if item.positive:
            bad("positive_untrustworthiness", "失信信息不能标为正面信息",
                "an untrustworthiness item cannot be positive", "positive")
    if item.legal_document_required:
        for name in LEGAL_DOCUMENT_FIELDS:
            spec = item.field(name)
            if spec is None or not spec.required:
                bad("legal_document_field", f"须以必填字段 {name} 记载法律文书",
                    f"the legal-effect document needs the required field {name}", "fields")
        spec = item.field("document_date")
        if spec is not None and spec.type is not FieldType.date:
            bad("legal_document_field", "document_date 须为日期字段", "document_date must be a date field",
                "fields.document_date")
    exclusions = law.penalty_exclusions
    if item.penalty_item and exclusions:       # where no exclusion is in force the flags decide nothing
        for name in PENALTY_EXCLUSION_FIELDS:
            spec = item.field(name)
            if spec is None or spec.type is not FieldType.boolean:
                bad("penalty_flag_field", f"行政处罚事项须有布尔字段 {name}（{exclusions}）",
                    f"a penalty item needs the boolean field {name} ({exclusions})", "fields")
    if item.counts_from_field is not None:
        spec = item.field(item.counts_from_field)
        # Not necessarily required: a conduct still going on has no end date, its period not yet begun.
        if spec is None or spec.type is not FieldType.date:
            bad("counts_from_field", f"起算字段 {item.counts_from_field} 须为本事项的日期字段",
                f"counts_from_field {item.counts_from_field} must be a date field of this item",
                "counts_from_field")
    if item.display_rule is not None:
        if not RULE_KEY_PATTERN.match(item.display_rule):
            bad("bad_display_rule", f"展示期限规则 {item.display_rule} 不是规则键",
                f"display rule {item.display_rule} is not a rule key", "display_rule")
        elif known_rule_keys is not None and item.display_rule not in set(known_rule_keys):
            bad("unknown_display_rule", f"规则库中没有 {item.display_rule}",
                f"the rule registry has no key {item.display_rule}", "display_rule")
        if item.counts_from_field is None:
            bad("counts_from_field", "有展示期限规则的事项须指明起算字段",
                "an item with a display rule names the field that starts its period", "counts_from_field")
    if item.positive and item.category is not Category.other:
        bad("positive_category", "正面信息（表彰、志愿服务、捐赠）属于其他信息",
            "positive information (commendations, volunteer service, donations) is other information",
            "category")
    if len(set(item.consent_categories)) != len(item.consent_categories):
        bad("duplicate", "同意类别重复", "a consent category is listed twice", "consent_categories")
    if known_vocabulary is not None:
        vocabulary = set(known_vocabulary)
        for key in item.consent_categories:
            if key not in vocabulary:
                bad("unknown_consent_category", f"信息类别词表中没有 {key}",
                    f"the data-category vocabulary has no key {key}", "consent_categories")
    return problems


def check_item(item: CatalogItemSpec, **known: Iterable[str] | None) -> None:
    """Raise the first problem of ``item_problems`` (a refused item stores nothing)."""
    problems = item_problems(item, **known)  # type: ignore[arg-type]
    if problems:
        raise problems[0]


UNTRUSTWORTHY_DISPLAY = "display.untrustworthy."
PENALTY_DISPLAY = "display.penalty."
PENALTY_SEVERITIES = ("minor", "general", "serious")
SEVERITY_FIELD = "severity"


def display_rule_for(item: CatalogItemSpec, subject_kind: str,
                     values: Mapping[str, Any] | None = None) -> str | None:
    """The rule key that times the display of one record of ``item`` about a subject of ``subject_kind``.

    The item names a key; two families resolve per record:
    - ``display.untrustworthy.*``: ``.natural_person`` for natural persons, ``.organisation`` for the
      other kinds (the regulations draw that line in their inquiry and display limits);
    - ``display.penalty.*``: the tier the record's ``severity`` field gives (minor, general, serious:
      the national publicity tiers), else the key the item names.
    """
    key = item.display_rule
    if key is None:
        return None
    if key.startswith(UNTRUSTWORTHY_DISPLAY):
        suffix = "natural_person" if subject_kind == _NATURAL_PERSON else "organisation"
        return UNTRUSTWORTHY_DISPLAY + suffix
    if key.startswith(PENALTY_DISPLAY) and values is not None:
        severity = values.get(SEVERITY_FIELD)
        if isinstance(severity, str) and severity in PENALTY_SEVERITIES:
            return PENALTY_DISPLAY + severity
    return key


def display_rules(item: CatalogItemSpec) -> frozenset[str]:
    """Every rule key a record of the item may be timed by (over its subject kinds and tiers)."""
    keys = {display_rule_for(item, kind) for kind in item.subject_kinds}
    if item.display_rule and item.display_rule.startswith(PENALTY_DISPLAY) and item.field(SEVERITY_FIELD):
        keys |= {PENALTY_DISPLAY + s for s in PENALTY_SEVERITIES}
    return frozenset(k for k in keys if k)


def publicity_kind(item: CatalogItemSpec) -> str | None:
    """``penalty`` for an administrative penalty item, ``permit`` for an administrative permit item: the
    two kinds of double-publicity (双公示) information; None for any other item."""
    if item.penalty_item:
        return "penalty"
    if "permit" in item.code.split("_"):
        return "permit"
    return None


# ---------------------------------------------------------------------------------------------
# Plain data: dicts (YAML, JSON, storage) to specs and back
# ---------------------------------------------------------------------------------------------

_FIELD_KEYS = {f.name for f in fields(FieldSpec)}
_ITEM_KEYS = {f.name for f in fields(CatalogItemSpec)}


def field_from_dict(data: Mapping[str, Any], *, at: str = "fields") -> FieldSpec:
    unknown = set(data) - _FIELD_KEYS
    if unknown:
        raise Refusal(at, "unknown_key", f"字段定义含未知的键：{', '.join(sorted(unknown))}",
                      f"unknown keys in a field definition: {', '.join(sorted(unknown))}")
    try:
        return FieldSpec(
            name=str(data["name"]), type=FieldType(data["type"]), required=bool(data.get("required", False)),
            label_zh=str(data.get("label_zh", "")), label_en=str(data.get("label_en", "")),
            choices=tuple(str(c) for c in data.get("choices", ()) or ()),
            max_length=None if data.get("max_length") is None else int(data["max_length"]),
            personal_data=PersonalData(data.get("personal_data") or PersonalData.refuse.value),
            duty_only=_flag(data.get("duty_only", False), "duty_only"),
        )
    except KeyError as exc:
        raise Refusal(at, "required", f"字段定义缺少 {exc.args[0]}",
                      f"a field definition lacks {exc.args[0]}") from None
    except ValueError as exc:
        raise Refusal(at, "invalid", f"字段定义无效：{exc}",
                      f"invalid field definition: {exc}") from None


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, not {value!r}")
    return value


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def item_from_dict(data: Mapping[str, Any]) -> CatalogItemSpec:
    """Build a spec from plain data, refusing unknown keys and bad enum values (not yet ``check_item``)."""
    code = str(data.get("code", ""))
    at = f"items.{code}" if code else "items"
    unknown = set(data) - _ITEM_KEYS
    if unknown:
        raise Refusal(at, "unknown_key", f"目录事项含未知的键：{', '.join(sorted(unknown))}",
                      f"unknown keys in a catalog item: {', '.join(sorted(unknown))}")
    try:
        return CatalogItemSpec(
            code=code, name_zh=str(data["name_zh"]), name_en=str(data["name_en"]),
            category=Category(data["category"]), origin=Origin(data["origin"]),
            subject_kinds=tuple(str(k) for k in data["subject_kinds"]),
            fields=tuple(field_from_dict(f, at=f"{at}.fields") for f in data["fields"]),
            legal_document_required=bool(data["legal_document_required"]),
            disclosure_class=DisclosureClass(data["disclosure_class"]),
            display_rule=_optional(data.get("display_rule")),
            counts_from_field=_optional(data.get("counts_from_field")),
            sharing_category=str(data["sharing_category"]),
            usage_authorization=str(data["usage_authorization"]),
            data_format=str(data["data_format"]), update_period=str(data["update_period"]),
            allowed_by=str(data["allowed_by"]), positive=bool(data.get("positive", False)),
            consent_categories=tuple(str(c) for c in data.get("consent_categories", ()) or ()),
            penalty_item=bool(data.get("penalty_item", False)),
        )
    except Refusal:
        raise
    except KeyError as exc:
        raise Refusal(at, "required", f"目录事项缺少 {exc.args[0]}",
                      f"a catalog item lacks {exc.args[0]}") from None
    except (TypeError, ValueError) as exc:
        raise Refusal(at, "invalid", f"目录事项无效：{exc}", f"invalid catalog item: {exc}") from None


def field_to_dict(spec: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": spec.name, "type": spec.type.value, "required": spec.required,
                           "label_zh": spec.label_zh, "label_en": spec.label_en}
    if spec.choices:
        out["choices"] = list(spec.choices)
    if spec.max_length is not None:
        out["max_length"] = spec.max_length
    if spec.personal_data is not PersonalData.refuse:     # the default is left out: older versions keep
        out["personal_data"] = spec.personal_data.value   # the same content and digest
    if spec.duty_only:                                    # likewise left out when false
        out["duty_only"] = True
    return out


def item_to_dict(item: CatalogItemSpec) -> dict[str, Any]:
    return {
        "code": item.code, "name_zh": item.name_zh, "name_en": item.name_en,
        "category": item.category.value, "origin": item.origin.value,
        "subject_kinds": list(item.subject_kinds), "fields": [field_to_dict(f) for f in item.fields],
        "legal_document_required": item.legal_document_required,
        "disclosure_class": item.disclosure_class.value, "display_rule": item.display_rule,
        "counts_from_field": item.counts_from_field, "sharing_category": item.sharing_category,
        "usage_authorization": item.usage_authorization, "data_format": item.data_format,
        "update_period": item.update_period, "allowed_by": item.allowed_by, "positive": item.positive,
        "consent_categories": list(item.consent_categories), "penalty_item": item.penalty_item,
    }


def with_changes(item: CatalogItemSpec, **changes: Any) -> CatalogItemSpec:
    """A copy of ``item`` with some elements changed (for building the next version)."""
    return replace(item, **changes)


__all__ = [
    "CATEGORY_LABELS", "CatalogItemSpec", "Category", "DISCLOSURE_LABELS", "DisclosureClass", "FieldSpec",
    "FieldType", "LEGAL_DOCUMENT_FIELDS", "ORIGIN_LABELS", "Origin", "PENALTY_EXCLUSION_FIELDS",
    "PERSONAL_DATA_LABELS", "PersonalData", "SUBJECT_KINDS", "check_item", "display_rule_for", "display_rules",
    "field_from_dict", "field_to_dict", "item_from_dict", "item_problems", "item_to_dict", "publicity_kind",
    "with_changes",
]
