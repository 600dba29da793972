"""What goes into and comes out of the row validator: the envelope columns every row carries
(``ENVELOPE``, their labels and lengths), the reason codes (``REASONS``), a refused row's ``RowError``
and the catalog's ``ItemRefusal`` (values reported in a batch, not exceptions), and a row that passed
(``ValidRecord``) with its ``content_digest``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from xinyong.domain.audit.canonical import canonical_bytes
from xinyong.domain.catalog.items import LEGAL_DOCUMENT_FIELDS, CatalogItemSpec

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
    # Rows laid out in a national standard (``standard_rows``): what the standard implies.
    "code_invalid": ("代码无效（校验码或格式错误）", "the code is invalid (check character or format)"),
    "placeholder_not_allowed": ("只有个体工商户可用占位代码，自然人不填统一社会信用代码",
                                "only an individual business gives the placeholder code; a natural person no USCC"),
    "decision_date_in_future": ("决定日期晚于接收之日", "the decision date is after the day of receipt"),
    "decision_before_subject": ("决定日期早于主体存在之日（自然人出生、组织成立）",
                                "the decision date is before the subject existed (born or established)"),
    "date_order": ("日期先后顺序有误", "the dates are in the wrong order"),
    "publicity_until_inconsistent": ("公示截止期与公示规则不符",
                                     "the end of publicity does not fit the publicity rules"),
    "personal_data_in_text": ("文本字段含有自然人的个人信息", "a text field holds a natural person's personal data"),
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
MAX_ENVELOPE_LENGTH = {"item": 64, "record_key": 128, "identifier": 64, "identifier_kind": 32,
                       "subject_name": 200, "subject_kind": 32, "consent_reference": 128,
                       "prior_notice_reference": 128, "correction_reason": 500}
# Any accepted column name of the envelope, case-folded, and the envelope name it stands for.
ENVELOPE_ALIASES = {alias.casefold(): name
                    for name, aliases in ENVELOPE.items() for alias in (name, *aliases)}


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

    The same content gives the same digest whatever the file format, column order or labels (and the
    same as before ``canonical_bytes`` wrote it by orjson: SHA-256 of ``canonical_json``'s UTF-8).
    """
    return hashlib.sha256(canonical_bytes({"item": item_code, "subject": identifier, "fields": payload})).hexdigest()
