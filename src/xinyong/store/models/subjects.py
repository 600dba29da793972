"""Credit subjects (信用主体) and their identifiers.

A subject is a natural person, a legal person, an unincorporated organisation or a state organ.
Natural persons are keyed by citizen identity number, or by passport or other valid ID where they
have none; organisations and state organs by the Unified Social Credit Code as the sole key
(as the regulations key subjects). Each identifier value is unique per kind: the same code can never name two subjects.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.domain.subjects.kinds import IdentifierKind, SubjectKind
from xinyong.store.base import Base, UTCDateTime, utcnow

SUBJECT_KINDS = tuple(kind.value for kind in SubjectKind)   # the CHECK constraints' lists, in the enums' order
IDENTIFIER_KINDS = tuple(kind.value for kind in IdentifierKind)
RESPONSIBLE_ROLES = ("legal_representative", "principal_responsible", "actual_controller", "directly_responsible")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Subject(Base):
    __tablename__ = "subjects"
    __table_args__ = (CheckConstraint(_in("kind", SUBJECT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    identifiers: Mapped[list[SubjectIdentifier]] = relationship(
        back_populates="subject", cascade="all, delete-orphan", order_by="SubjectIdentifier.id"
    )
    responsible_persons: Mapped[list[ResponsiblePerson]] = relationship(
        foreign_keys="ResponsiblePerson.organisation_id", back_populates="organisation",
        cascade="all, delete-orphan", order_by="ResponsiblePerson.id",
    )


class SubjectIdentifier(Base):
    __tablename__ = "subject_identifiers"
    __table_args__ = (
        UniqueConstraint("kind", "value"),
        CheckConstraint(_in("kind", IDENTIFIER_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[str] = mapped_column(String(64), nullable=False)
    issuing_country: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    subject: Mapped[Subject] = relationship(back_populates="identifiers")


class ResponsiblePerson(Base):
    """A natural person responsible for an organisation (legal representative and the like)."""

    __tablename__ = "responsible_persons"
    __table_args__ = (
        UniqueConstraint("organisation_id", "person_id", "role"),
        CheckConstraint(_in("role", RESPONSIBLE_ROLES), name="role"),
        CheckConstraint("organisation_id <> person_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False,
                                                 index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False,
                                           index=True)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organisation: Mapped[Subject] = relationship(foreign_keys=[organisation_id],
                                                 back_populates="responsible_persons")
    person: Mapped[Subject] = relationship(foreign_keys=[person_id])
