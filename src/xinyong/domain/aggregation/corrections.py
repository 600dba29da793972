"""Corrected values (an objection's outcome ``corrected`` or ``supplemented``) as the record's catalog
fields store them: each value goes through the same converter as an imported cell (a date as ISO, an
amount as exact decimal text, a choice among the item's choices …), so a correction cannot store what an
import would have refused: a natural person's identity, passport or mobile number written into a string
or free-text field is refused, or masked where the catalog stores the field masked. A value the field
refuses is a ``Refusal`` naming the field and its label in both languages, raised before anything is
written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xinyong.domain.aggregation.convert import Invalid, converter, is_blank
from xinyong.domain.catalog.items import FieldType, PersonalData, field_from_dict
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.personal_data import FOUND_LABELS, find, kinds_found, mask_text

__all__ = ["corrected_values"]


def corrected_values(fields: list[Mapping[str, Any]], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` converted field by field (``fields`` as the catalog item stores them, every changed
    name among them). An empty value clears an optional field (``None``: the writer drops it, as an
    import leaves a blank optional cell out) and is refused for a required one."""
    specs = {f["name"]: field_from_dict(f) for f in fields}
    out: dict[str, Any] = {}
    for name, raw in changes.items():
        spec = specs[name]
        if is_blank(raw):
            if spec.required:
                raise Refusal(f"corrections.{name}", "field_required", f"{spec.label_zh}为必填项，不能更正为空",
                              f"{spec.label_en} is required and cannot be corrected to empty")
            out[name] = None
            continue
        try:
            value = converter(spec)(raw)
        except Invalid as wrong:
            raise Refusal(f"corrections.{name}", wrong.code, f"{spec.label_zh}{wrong.zh}",
                          f"{spec.label_en} {wrong.en}") from None
        out[name] = _without_personal_numbers(spec, value)
    return out


def _without_personal_numbers(spec: Any, value: Any) -> Any:
    if spec.type not in (FieldType.string, FieldType.text) or spec.personal_data is PersonalData.identifier:
        return value
    found = find(value, numbers_only=True)
    if not found:
        return value
    if spec.personal_data is PersonalData.mask:
        return mask_text(value, numbers_only=True)
    kinds = kinds_found(found)
    raise Refusal(f"corrections.{spec.name}", "personal_data_in_text",
                  f"{spec.label_zh}含有自然人的{'、'.join(FOUND_LABELS[k][0] for k in kinds)}，该字段不得载有个人信息",
                  f"{spec.label_en} holds a natural person's {', '.join(FOUND_LABELS[k][1] for k in kinds)}; "
                  "this field may not carry personal data")
