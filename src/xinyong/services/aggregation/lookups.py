"""What the row validator asks storage, for one batch (``BatchLookups``: the catalog item in force and
granted to the unit, a recorded written consent, a recorded prior notice, an organisation's establishment
date from its registration record), and the items a providing
unit may submit (``granted_items``: an unknown or inactive unit is refused, ``unit_not_found``, 404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.domain.aggregation.rows import ItemRefusal
from xinyong.domain.aggregation.standard_rows import ESTABLISHED_FIELD
from xinyong.domain.catalog.items import CatalogItemSpec
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal
from xinyong.services.catalog import CatalogIndex
from xinyong.store.models.records import Consent, PriorNotice, Record, RecordVersion
from xinyong.store.models.subjects import SubjectIdentifier

_ANSWERS_LIMIT = 100_000
_CATALOG_CODES = {"not_in_catalog": "item_unknown", "not_in_force": "item_not_in_force"}


class BatchLookups:
    """The validator's ``RowLookups`` for one batch: one unit, its granted items, the day of receipt."""

    def __init__(self, session: Session, index: CatalogIndex, unit_code: str, granted: frozenset[str],
                 on: date) -> None:
        self.session = session
        self.index = index
        self.unit_code = unit_code
        self.granted = granted
        self.on = on
        self._answers: dict[tuple[Any, ...], Any] = {}
        # Called before every read of the database (the record writer's ``wait``: the chunks handed
        # over are stored first, and the session is this thread's again).
        self.before_read: Callable[[], None] = _nothing

    def item(self, code: str) -> CatalogItemSpec | ItemRefusal:
        try:
            spec = self.index.item(code, self.on)
        except Refusal as refusal:
            return ItemRefusal(_CATALOG_CODES.get(refusal.reason, "item_unknown"), refusal.message_zh,
                               refusal.message_en)
        if code not in self.granted:
            return ItemRefusal("unit_not_granted", f"本单位未获准报送信息事项“{spec.name_zh}”（{code}）",
                               f"this unit ({self.unit_code}) may not submit the item {spec.name_en} ({code})")
        return spec

    def consent_recorded(self, reference: str, identifier: str, categories: frozenset[str]) -> bool:
        return self._once(("consent", reference, identifier, categories),
                          lambda: self._consent_recorded(reference, identifier, categories))

    def notice_recorded(self, reference: str, identifier: str, item_code: str) -> bool:
        return self._once(("notice", reference, identifier, item_code),
                          lambda: self._notice_recorded(reference, identifier, item_code))

    def notice_for(self, identifier: str, item_code: str) -> str | None:
        return self._once(("latest notice", identifier, item_code), lambda: self._notice_for(identifier, item_code))

    def _once(self, key: tuple[Any, ...], read: Callable[[], Any]) -> Any:
        """A question asked once per batch, its answer kept for the batch's later rows (which name the
        same subjects over and over): a batch writes no consents and no notices, and an establishment
        date is the registration record's when first asked."""
        if key in self._answers:
            return self._answers[key]
        self.before_read()
        found = read()
        if len(self._answers) >= _ANSWERS_LIMIT:
            self._answers.clear()
        self._answers[key] = found
        return found

    def _consent_recorded(self, reference: str, identifier: str, categories: frozenset[str]) -> bool:
        rows = self.session.execute(
            select(Consent.categories)
            .join(SubjectIdentifier, SubjectIdentifier.subject_id == Consent.subject_id)
            .where(SubjectIdentifier.value == identifier, Consent.reference == reference,
                   Consent.given_on <= self.on, Consent.withdrawn_on.is_(None))
        ).scalars().all()
        return any(categories <= set(found) for found in rows)

    def _notice_recorded(self, reference: str, identifier: str, item_code: str) -> bool:
        return self.session.execute(
            select(PriorNotice.id)
            .join(SubjectIdentifier, SubjectIdentifier.subject_id == PriorNotice.subject_id)
            .where(SubjectIdentifier.value == identifier, PriorNotice.reference == reference,
                   PriorNotice.unit_code == self.unit_code, PriorNotice.item_code == item_code,
                   PriorNotice.served_on <= self.on).limit(1)
        ).first() is not None

    def _notice_for(self, identifier: str, item_code: str) -> str | None:
        return self.session.execute(
            select(PriorNotice.reference)
            .join(SubjectIdentifier, SubjectIdentifier.subject_id == PriorNotice.subject_id)
            .where(SubjectIdentifier.value == identifier, PriorNotice.unit_code == self.unit_code,
                   PriorNotice.item_code == item_code, PriorNotice.served_on <= self.on)
            .order_by(PriorNotice.served_on.desc(), PriorNotice.id.desc()).limit(1)
        ).scalar()

    def established_on(self, identifier: str) -> date | None:
        """The day the subject with this identifier was established, from its basic-information record that
        states one (``established_on``: an enterprise registration); None where the platform has none.
        Read once per subject and batch."""
        return self._once(("established", identifier), lambda: self._established_on(identifier))

    def _established_on(self, identifier: str) -> date | None:
        payloads = self.session.execute(
            select(RecordVersion.payload)
            .join(Record, (Record.id == RecordVersion.record_id) & (Record.current_version == RecordVersion.version))
            .join(SubjectIdentifier, SubjectIdentifier.subject_id == Record.subject_id)
            .where(SubjectIdentifier.value == identifier, Record.category == "basic", Record.status == "active")
        ).scalars().all()
        return min((d for d in (_iso_date((p or {}).get(ESTABLISHED_FIELD)) for p in payloads) if d), default=None)


def _nothing() -> None:
    return None


def _iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def granted_items(session: Session, unit_code: str) -> frozenset[str]:
    """The items the active providing unit ``unit_code`` may submit; refused if there is no such unit."""
    from xinyong.services.identity import units
    try:
        view = units.get_unit(session, unit_code)
    except Refusal as refused:
        if refused.reason != "unit_not_found":
            raise
        raise _unit_unknown(unit_code) from None
    if not view.active:
        raise _unit_unknown(unit_code)
    return frozenset(view.items)


def _unit_unknown(unit_code: str) -> Refusal:
    return Refusal("unit", "unit_not_found", f"没有代码为 {unit_code[:64]} 的在用信息提供单位",
                   f"there is no active providing unit {unit_code[:64]!r}", status=NOT_FOUND)
