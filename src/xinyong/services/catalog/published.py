"""The catalog as read: versions and their items, comments and assessments; the version in force on a
date; the question every submission asks, "is this item in the catalog in force on this date?"
(``aggregation.catalog_required``: ``item_in_force`` refuses with 404 ``not_in_catalog`` or
``not_in_force``); the catalog in force as published, with its providing units; and ``CatalogIndex``
for bulk work (a jurisdiction's versions loaded once, answering in memory).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.domain.catalog import lifecycle as dc_life
from xinyong.domain.catalog.items import CatalogItemSpec
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal
from xinyong.services.catalog.items import spec_of
from xinyong.services.catalog.views import (
    IN_FORCE_STATES,
    AssessmentView,
    CommentView,
    PublishedCatalog,
    PublishedItem,
    UnitRef,
    VersionView,
    assessment_view,
    comment_view,
    load_version,
    view,
)
from xinyong.store.models.catalog import CatalogItem, CatalogVersion, ProvidingUnit, UnitItemGrant

__all__ = ["CatalogIndex", "get_version", "get_version_by_number", "item_history", "item_in_force",
           "list_versions", "providing_units_by_item", "published_catalog", "version_assessments",
           "version_comments", "version_in_force", "version_items"]


def list_versions(session: Session, jurisdiction: str) -> list[VersionView]:
    rows = session.scalars(select(CatalogVersion).where(CatalogVersion.jurisdiction == jurisdiction)
                           .order_by(CatalogVersion.number)).all()
    return [view(session, r) for r in rows]


def get_version(session: Session, version_id: int) -> VersionView:
    return view(session, load_version(session, version_id))


def get_version_by_number(session: Session, jurisdiction: str, number: int) -> VersionView:
    row = session.scalars(select(CatalogVersion).where(CatalogVersion.jurisdiction == jurisdiction,
                                                       CatalogVersion.number == number)).first()
    if row is None:
        raise Refusal("version", "version_not_found", f"{jurisdiction} 没有第{number}版目录",
                      f"{jurisdiction} has no catalog version {number}", status=NOT_FOUND)
    return view(session, row)


def version_items(session: Session, version_id: int) -> list[CatalogItemSpec]:
    return [spec_of(i) for i in load_version(session, version_id).items]


def version_comments(session: Session, version_id: int) -> list[CommentView]:
    return [comment_view(c) for c in load_version(session, version_id).comments]


def version_assessments(session: Session, version_id: int) -> list[AssessmentView]:
    return [assessment_view(a) for a in load_version(session, version_id).assessments]


def _governing_row(session: Session, jurisdiction: str, on: date) -> CatalogVersion | None:
    rows = session.scalars(
        select(CatalogVersion).where(CatalogVersion.jurisdiction == jurisdiction,
                                     CatalogVersion.state.in_(IN_FORCE_STATES),
                                     CatalogVersion.in_force_from <= on)
    ).all()
    return dc_life.governing(((r, r.in_force_from, r.superseded_from) for r in rows), on)


def version_in_force(session: Session, jurisdiction: str, on: date) -> VersionView | None:
    """The version that governs ``on`` (a record's date), or None."""
    row = _governing_row(session, jurisdiction, on)
    return view(session, row) if row is not None else None


def _refuse(session: Session, jurisdiction: str, item_code: str, on: date,
            governing: CatalogVersion | None) -> Refusal:
    known = session.scalar(
        select(func.count(CatalogItem.id)).join(CatalogVersion)
        .where(CatalogVersion.jurisdiction == jurisdiction, CatalogItem.code == item_code)
    )
    return _refusal(item_code, on, known=bool(known),
                    number=governing.number if governing is not None else None)


def _refusal(item_code: str, on: date, *, known: bool, number: int | None) -> Refusal:
    day = on.isoformat()
    if not known:
        return Refusal("item_code", "not_in_catalog", f"信息事项 {item_code} 未列入目录，不得归集",
                       f"item {item_code} is in no catalog: information not in the catalog must "
                       "not be aggregated", status=NOT_FOUND)
    if number is None:
        return Refusal("item_code", "not_in_force", f"{day} 没有施行中的目录版本",
                       f"no catalog version is in force on {day}", status=NOT_FOUND)
    return Refusal("item_code", "not_in_force", f"信息事项 {item_code} 不在 {day} 施行的目录版本（第{number}版）中",
                   f"item {item_code} is not in the catalog version in force on {day} "
                   f"(version {number})", status=NOT_FOUND)


def item_in_force(session: Session, jurisdiction: str, item_code: str, on: date) -> CatalogItemSpec:
    """The item as the version in force on ``on`` defines it; a ``Refusal`` (404 ``not_in_catalog`` or
    ``not_in_force``) if there is none."""
    row = _governing_row(session, jurisdiction, on)
    if row is not None:
        item = session.scalars(select(CatalogItem).where(CatalogItem.version_id == row.id,
                                                         CatalogItem.code == item_code)).first()
        if item is not None:
            return spec_of(item)
    raise _refuse(session, jurisdiction, item_code, on, row)


def providing_units_by_item(session: Session, codes: Iterable[str] | None = None) -> dict[str, list[UnitRef]]:
    stmt = (select(UnitItemGrant.item_code, ProvidingUnit.code, ProvidingUnit.name_zh, ProvidingUnit.name_en)
            .join(ProvidingUnit).where(UnitItemGrant.revoked_at.is_(None), ProvidingUnit.active.is_(True))
            .order_by(ProvidingUnit.code))
    if codes is not None:
        stmt = stmt.where(UnitItemGrant.item_code.in_(list(codes)))
    out: dict[str, list[UnitRef]] = {}
    for item_code, code, name_zh, name_en in session.execute(stmt):
        out.setdefault(item_code, []).append(UnitRef(code, name_zh, name_en))
    return out


def published_catalog(session: Session, jurisdiction: str, on: date) -> PublishedCatalog:
    """The catalog in force on ``on`` as published: items with their providing units."""
    row = _governing_row(session, jurisdiction, on)
    if row is None:
        raise Refusal("on", "not_in_force", f"{on.isoformat()} 没有施行中的目录版本",
                      f"no catalog version is in force on {on.isoformat()}", status=NOT_FOUND)
    units = providing_units_by_item(session, [i.code for i in row.items])
    items = tuple(PublishedItem(spec_of(i), tuple(units.get(i.code, ()))) for i in row.items)
    return PublishedCatalog(view(session, row), on, items)


def item_history(session: Session, jurisdiction: str,
                 item_code: str) -> list[tuple[VersionView, CatalogItemSpec]]:
    """Every version that has the item, oldest first, with the item as that version defines it."""
    rows = session.execute(
        select(CatalogVersion, CatalogItem).join(CatalogItem)
        .where(CatalogVersion.jurisdiction == jurisdiction, CatalogItem.code == item_code)
        .order_by(CatalogVersion.number)
    ).all()
    return [(view(session, v), spec_of(i)) for v, i in rows]


@dataclass
class CatalogIndex:
    """A jurisdiction's versions that took effect, loaded once, answering ``item(code, on)`` in memory.

    For bulk work (a million-row import asks the same question a million times). Build it with
    ``CatalogIndex.load(session, jurisdiction)`` at the start of a batch.
    """

    jurisdiction: str
    periods: list[tuple[int, int, date, date | None]]            # (version id, number, from, until)
    items: dict[int, dict[str, CatalogItemSpec]]
    known_codes: frozenset[str]

    @classmethod
    def load(cls, session: Session, jurisdiction: str) -> CatalogIndex:
        rows = session.scalars(select(CatalogVersion)
                               .where(CatalogVersion.jurisdiction == jurisdiction)).all()
        periods: list[tuple[int, int, date, date | None]] = []
        items: dict[int, dict[str, CatalogItemSpec]] = {}
        known: set[str] = set()
        for row in rows:
            known.update(i.code for i in row.items)
            if row.state in IN_FORCE_STATES and row.in_force_from is not None:
                periods.append((row.id, row.number, row.in_force_from, row.superseded_from))
                items[row.id] = {i.code: spec_of(i) for i in row.items}
        return cls(jurisdiction, periods, items, frozenset(known))

    def version_on(self, on: date) -> tuple[int, int] | None:
        return dc_life.governing((((vid, number), start, until) for vid, number, start, until in self.periods), on)

    def item(self, item_code: str, on: date) -> CatalogItemSpec:
        found = self.version_on(on)
        if found is not None:
            spec = self.items[found[0]].get(item_code)
            if spec is not None:
                return spec
        raise _refusal(item_code, on, known=item_code in self.known_codes,
                       number=found[1] if found is not None else None)
