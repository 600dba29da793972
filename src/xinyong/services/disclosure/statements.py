"""The statements that read credit records: the only module that names the ``records`` and
``record_versions`` tables for reading (see ``tests/unit/test_single_read_path.py``).

Each statement selects a record's current version with its catalog item and disclosure marks (withheld,
objection open, the providing unit's due date); the disclosure modules run them and decide with the
policy before anything is served: an inquiry, an explanation and a public listing (``inquiry``), the
subject's own marks (``marks``), the personal-data rescan (``rescan``). The statements of the hot path
are built once (``sql()``) and run on the session's Core connection with bound parameters.

Beside them, the two lookups the masking of a served record reads: the fields its catalog item declares
to hold a person's name or identifier (``declared_fields``), and the people responsible for an organisation
(``people_of``).
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, exists, func, or_, select

from xinyong.domain.catalog.items import PersonalData
from xinyong.domain.subjects.kinds import SubjectKind
from xinyong.store.models.access import ObjectionLabel, WithheldPositive
from xinyong.store.models.auth import User
from xinyong.store.models.catalog import CatalogItem
from xinyong.store.models.records import Record, RecordVersion
from xinyong.store.models.subjects import ResponsiblePerson, Subject, SubjectIdentifier

NATURAL_PERSON = SubjectKind.natural_person.value   # a str, compared with the kind column per row


def _record_columns() -> tuple[Any, ...]:
    r, v, c = Record, RecordVersion, CatalogItem
    withheld = exists().where(WithheldPositive.record_id == r.id, WithheldPositive.released_on.is_(None))
    objection = exists().where(ObjectionLabel.record_id == r.id, ObjectionLabel.closed_on.is_(None))
    provider_due = (select(func.min(ObjectionLabel.provider_due))
                    .where(ObjectionLabel.record_id == r.id, ObjectionLabel.closed_on.is_(None))
                    .scalar_subquery())
    return (r.id, r.subject_id, r.item_code, r.category, r.disclosure_class, r.status, r.current_version,
            r.unit_code, r.created_at, v.payload, v.decision_date, v.conduct_ended, v.document_date, c.name_zh,
            c.name_en, c.display_rule, c.counts_from_field, c.positive, c.penalty_item, c.id.label("catalog_item_id"),
            withheld.label("withheld"),
            objection.label("objection_open"), provider_due.label("provider_due"))


def _version_joins(stmt: Any, outer: bool) -> Any:
    r, v, c = Record, RecordVersion, CatalogItem
    on_version = and_(v.record_id == r.id, v.version == r.current_version)
    stmt = stmt.outerjoin(v, on_version) if outer else stmt.join(v, on_version)
    return stmt.outerjoin(c, and_(c.version_id == r.catalog_version_id, c.code == r.item_code))


def _record_query() -> Any:
    return _version_joins(select(*_record_columns()), outer=False)


def _with_subject_kind() -> Any:
    kind = select(Subject.kind).where(Subject.id == Record.subject_id).scalar_subquery()
    return _record_query().add_columns(kind.label("subject_kind"))


def _subject_records_query(by: str, items: bool) -> Any:
    """One round trip for an inquiry: the subject (by id or by identifier), its first identifier, and
    its records' current versions with their catalog items and disclosure marks (outer-joined, so a
    subject without records still comes back as one row)."""
    first = (select(SubjectIdentifier.id).where(SubjectIdentifier.subject_id == Subject.id)
             .order_by(SubjectIdentifier.id).limit(1).scalar_subquery())
    ident = SubjectIdentifier.__table__.alias("first_identifier")
    on_records = Record.subject_id == Subject.id
    if items:
        on_records = and_(on_records, Record.item_code.in_(bindparam("codes", expanding=True)))
    stmt = (select(Subject.id.label("s_id"), Subject.kind.label("s_kind"), Subject.display_name.label("s_name"),
                   ident.c.kind.label("s_ident_kind"), ident.c.value.label("s_ident_value"), *_record_columns())
            .select_from(Subject)
            .outerjoin(ident, ident.c.id == first)
            .outerjoin(Record, on_records))
    stmt = _version_joins(stmt, outer=True)
    if by == "id":
        stmt = stmt.where(Subject.id == bindparam("sid"))
    else:
        stmt = stmt.where(Subject.id == select(SubjectIdentifier.subject_id)
                          .where(SubjectIdentifier.kind == bindparam("kind"),
                                 SubjectIdentifier.value == bindparam("value")).scalar_subquery())
    return stmt.order_by(Record.id)


class Statements:
    """The statements of the hot path, built once (SQLAlchemy memoizes their cache keys) and run on the
    session's Core connection with bound parameters."""

    def __init__(self) -> None:
        self.subject_records = {(by, items): _subject_records_query(by, items)
                                for by in ("id", "identifier") for items in (False, True)}
        self.identifiers = (select(SubjectIdentifier.kind, SubjectIdentifier.value)
                            .where(SubjectIdentifier.subject_id == bindparam("sid"))
                            .order_by(SubjectIdentifier.id))
        self.user = (select(User.subject_id, User.real_name_verified_at, User.active)
                     .where(User.id == bindparam("uid")))
        self.record_by_id = _with_subject_kind().where(Record.id == bindparam("rid"))
        self.record_exists = select(Record.id).where(Record.id == bindparam("rid"))
        # a record as the workflows name it (objections, revocations, restorations): no content
        ref_columns = (Record.id, Record.subject_id, Record.unit_code, Record.item_code, Record.record_key,
                       Record.status, Record.category, Record.current_version)
        self.record_ref_by_id = select(*ref_columns).where(Record.id == bindparam("rid"))
        self.record_ref_by_key = select(*ref_columns).where(Record.unit_code == bindparam("unit"),
                                                            Record.record_key == bindparam("key"))
        self.people_of = (select(Subject.display_name)
                          .join(ResponsiblePerson, ResponsiblePerson.person_id == Subject.id)
                          .where(ResponsiblePerson.organisation_id == bindparam("oid"),
                                 Subject.kind == NATURAL_PERSON))


_STATEMENTS: Statements | None = None


def sql() -> Statements:
    global _STATEMENTS
    if _STATEMENTS is None:
        _STATEMENTS = Statements()
    return _STATEMENTS


def public_records(codes: Sequence[str], since: date | None, offset: int, limit: int, *,
                   until: date | None = None, subject_ids: Sequence[int] | None = None,
                   unit: str | None = None) -> Any:
    """Active public records of the given catalog items, of organisations only (never a natural
    person's), newest first: a page of a public listing; decided from ``since`` to ``until`` (the decision
    date, else the document's), of ``subject_ids``, from the providing unit ``unit``, where given."""
    stmt = (_with_subject_kind()
            .where(Record.item_code.in_(codes), Record.status == "active",
                   Record.disclosure_class == "public",
                   Record.subject_id.in_(select(Subject.id).where(Subject.kind != NATURAL_PERSON)))
            .order_by(Record.id.desc()).offset(offset).limit(limit))
    decided = func.coalesce(RecordVersion.decision_date, RecordVersion.document_date)
    if since is not None:
        stmt = stmt.where(decided >= since)
    if until is not None:
        stmt = stmt.where(decided <= until)
    if subject_ids is not None:
        stmt = stmt.where(Record.subject_id.in_(list(subject_ids)))
    if unit is not None:
        stmt = stmt.where(Record.unit_code == unit)
    return stmt


def public_penalties(decided_from: date | None) -> Any:
    """The active, public records of administrative penalty items about organisations (what the public
    sees of penalties) decided on or after ``decided_from``: their id, decision date and the two payload
    values their publicity end depends on (tier, stated 公示截止期), for the sweep to count whose publicity
    ended; no other content."""
    v = RecordVersion
    decided = func.coalesce(v.decision_date, v.document_date)
    stmt = (select(Record.id, decided.label("decided"), v.payload["severity"].as_string().label("severity"),
                   v.payload["publicity_until"].as_string().label("publicity_until"))
            .select_from(Record)
            .join(v, and_(v.record_id == Record.id, v.version == Record.current_version))
            .join(CatalogItem, and_(CatalogItem.version_id == Record.catalog_version_id,
                                    CatalogItem.code == Record.item_code))
            .where(CatalogItem.penalty_item.is_(True), Record.status == "active",
                   Record.disclosure_class == "public",
                   Record.subject_id.in_(select(Subject.id).where(Subject.kind != NATURAL_PERSON))))
    if decided_from is not None:
        stmt = stmt.where(decided >= decided_from)
    return stmt.order_by(Record.id)


BASIS_FIELD = "basis_document_number"
"""The payload field in which a record names the decision it rests on (a serious-list entry: the penalty
decision it was designated on): such a record follows that decision's restoration (the cascade)."""


def resting_on(status: str) -> Any:
    """The records in ``status`` that follow record ``rid`` (bound) out of service: ids only, no content.
    ``kind`` says why: ``listed``, a record of the same subject whose ``basis_document_number`` is the
    document number of ``rid``'s current version (a serious-list entry designated on it); ``responsible``,
    a record of a natural person responsible for ``rid``'s organisation (its legal representative …) on the
    same decision (the same document number, or naming it as its basis)."""
    base = RecordVersion.__table__.alias("base_version")
    other = RecordVersion.__table__.alias("other_version")
    origin = Record.__table__.alias("origin")
    responsible = select(ResponsiblePerson.person_id).where(ResponsiblePerson.organisation_id == origin.c.subject_id)
    names_it = other.c.payload[BASIS_FIELD].as_string() == base.c.document_number
    same_subject = Record.subject_id == origin.c.subject_id
    kind = case((same_subject, "listed"), else_="responsible").label("kind")
    return (select(Record.id, kind)
            .join(other, and_(other.c.record_id == Record.id, other.c.version == Record.current_version))
            .join(origin, origin.c.id == bindparam("rid"))
            .join(base, and_(base.c.record_id == origin.c.id, base.c.version == origin.c.current_version))
            .where(Record.id != origin.c.id, Record.status == status, base.c.document_number.is_not(None),
                   or_(and_(same_subject, names_it),
                       and_(Record.subject_id.in_(responsible),
                            or_(names_it, other.c.document_number == base.c.document_number))))
            .order_by(Record.id))


def records_after() -> Any:
    """Every record's current version in id order, a chunk at a time (bound ``after`` and ``n``)."""
    return _record_query().where(Record.id > bindparam("after")).order_by(Record.id).limit(bindparam("n"))


def shared_records() -> Any:
    """Records by id (bound ``ids``, a page of a change feed) with what the exchange with other platforms
    forwards (``sharing``): the current version, the record key, the subject's kind, name and first
    identifier, the item's sharing category."""
    first = (select(SubjectIdentifier.id).where(SubjectIdentifier.subject_id == Record.subject_id)
             .order_by(SubjectIdentifier.id).limit(1).scalar_subquery())
    ident = SubjectIdentifier.__table__.alias("shared_identifier")
    name = select(Subject.display_name).where(Subject.id == Record.subject_id).scalar_subquery()
    return (_with_subject_kind()
            .add_columns(Record.record_key, CatalogItem.sharing_category, name.label("subject_name"),
                         ident.c.kind.label("identifier_kind"), ident.c.value.label("identifier"))
            .outerjoin(ident, ident.c.id == first)
            .where(Record.id.in_(bindparam("ids", expanding=True))).order_by(Record.id))


def batch_record_ids() -> Any:
    """The records a batch wrote a version of (bound ``batch``): new records and corrections."""
    return (select(RecordVersion.record_id).where(RecordVersion.batch_id == bindparam("batch"))
            .order_by(RecordVersion.record_id))


_ROW_TYPES: dict[tuple[str, ...], Any] = {}    # per statement's keys (a handful of statements)


def plain_rows(result: Any) -> list[Any]:
    """A result's rows as named tuples with the same names. The policy reads some forty attributes of
    every record row; on a SQLAlchemy ``Row`` each costs about 0.3 µs (a mapping lookup), on a named
    tuple a few nanoseconds: a tenth of an inquiry's time in the writer."""
    keys = tuple(result.keys())
    if keys not in _ROW_TYPES:
        try:
            _ROW_TYPES[keys] = collections.namedtuple("PolicyRow", keys)._make
        except ValueError:          # a key that cannot be a name: the rows stay as they are
            _ROW_TYPES[keys] = None
    make = _ROW_TYPES[keys]
    rows = result.all()
    return [make(row) for row in rows] if make is not None else rows


_FIELDS: dict[int, tuple[dict[str, str], frozenset[str]]] = {}
NOTHING_DECLARED: dict[str, str] = {}
NOTHING_DUTY_ONLY: frozenset[str] = frozenset()
_HOLDS_PERSONAL = frozenset({PersonalData.name.value, PersonalData.identifier.value})


def _item_fields(connection: Connection, row: Any) -> tuple[dict[str, str], frozenset[str]]:
    """What the record's catalog item declares of its fields: those holding a natural person's name or
    identifier (field -> ``name`` / ``identifier``), and those served by duty only (``duty_only``). An item
    of a catalog version, once it can carry records, does not change: read once per item and kept."""
    item_id = row.catalog_item_id
    if item_id is None:
        return NOTHING_DECLARED, NOTHING_DUTY_ONLY
    found = _FIELDS.get(item_id)
    if found is None:
        fields = connection.execute(select(CatalogItem.fields).where(CatalogItem.id == item_id)).scalar() or []
        specs = [f for f in fields if isinstance(f, dict)]
        found = ({f["name"]: f["personal_data"] for f in specs if f.get("personal_data") in _HOLDS_PERSONAL},
                 frozenset(f["name"] for f in specs if f.get("duty_only") is True))
        if len(_FIELDS) > 10_000:
            _FIELDS.clear()
        _FIELDS[item_id] = found
    return found


def declared_fields(connection: Connection, row: Any) -> dict[str, str]:
    """The fields the record's catalog item declares to hold a natural person's name or identifier
    (field -> ``name`` / ``identifier``)."""
    return _item_fields(connection, row)[0]


def duty_only_fields(connection: Connection, row: Any) -> frozenset[str]:
    """The fields the record's catalog item serves by duty only (never in lawful disclosure nor to an
    authorized inquiry: a legal representative's identity number)."""
    return _item_fields(connection, row)[1]


def people_of(connection: Connection, organisation_id: int) -> tuple[str, ...]:
    """The names of the natural persons recorded as responsible for an organisation (its legal
    representative, principal, controller, as the regulations name them). Its records' text often names them;
    they are masked there for every viewer, the organisation included."""
    return tuple(connection.execute(sql().people_of, {"oid": organisation_id}).scalars())


__all__ = ["BASIS_FIELD", "NATURAL_PERSON", "NOTHING_DECLARED", "NOTHING_DUTY_ONLY", "Statements", "batch_record_ids",
           "declared_fields", "duty_only_fields", "people_of", "resting_on",
           "plain_rows", "public_records", "records_after", "shared_records", "sql"]
