"""Accounts, API tokens, portal sessions, and the registry of credit service institutions.

Passwords are Argon2 hashes; tokens and session ids are stored only as SHA-256 digests of
high-entropy random values, so a copy of the database grants no access.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import text
from sqlalchemy.sql.naming import conv

from xinyong.store.base import Base, UTCDateTime, utcnow

ROLES = ("public", "subject", "providing_unit", "duty_department", "service_institution", "operator",
         "competent_department", "administrator", "system")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),
                      # one account per credit subject (migration 0010): a subject bound twice is refused
                      Index("uq_users_subject_id", "subject_id", unique=True,
                            sqlite_where=text("subject_id IS NOT NULL"),
                            postgresql_where=text("subject_id IS NOT NULL")))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    organisation: Mapped[str | None] = mapped_column(String(64))  # unit, department or institution code
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"))
    real_name_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    real_name_method: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    label: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PortalSession(Base):
    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    session_sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceInstitution(Base):
    """A credit service institution's permit or filing — the precondition of any agreement."""

    __tablename__ = "service_institutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # its USCC
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    filing_kind: Mapped[str] = mapped_column(String(16), nullable=False)  # permit | filing
    filing_number: Mapped[str] = mapped_column(String(100), nullable=False)
    filed_with: Mapped[str] = mapped_column(String(200), nullable=False)
    filed_on: Mapped[date] = mapped_column(Date, nullable=False)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class InstitutionAgreement(Base):
    """The agreement under which an institution may use public credit information."""

    __tablename__ = "institution_agreements"
    # The name migration 0005 gave it (the naming convention would append "_number").
    __table_args__ = (UniqueConstraint("institution_id", "number",
                                       name=conv("uq_institution_agreements_institution_id")),
                      CheckConstraint("valid_from <= valid_until", name="term"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("service_institutions.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(100), nullable=False)
    scope: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)     # catalog item codes
    purposes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)  # purpose keys
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
