"""The catalog (信用信息目录) and the providing units (信息提供单位) that submit under it.

- ``catalog_versions``: one row per version of a jurisdiction's catalog, with its lifecycle state,
  the proposer's reasons (``catalog.reasons_required``), the comment period, the approval and the dates it is in force
  (``in_force_from`` inclusive, ``superseded_from`` exclusive). Versions are never deleted: history
  is kept ("dynamic management").
- ``catalog_items``: the items of a version, each element of ``domain.catalog.CatalogItemSpec`` a
  column; the fields, subject kinds and consent categories as JSON.
- ``catalog_comments`` and ``catalog_assessments``: the public comment (``catalog.public_comment``)
  and the expert assessment (``catalog.assessment.*``) of a version.
- ``providing_units``, ``unit_credentials`` (API tokens: only the SHA-256 digest of a 32-byte random
  token is stored; revocable, scoped, last use kept) and ``unit_item_grants`` (which catalog items
  a unit may submit).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.store.base import Base, UTCDateTime, utcnow

VERSION_STATES = ("draft", "public_comment", "expert_assessment", "approved", "in_force", "superseded",
                  "withdrawn")
CATEGORIES = ("basic", "untrustworthiness", "other")
ORIGINS = ("public", "market")
DISCLOSURE_CLASSES = ("public", "shared", "authorized")
STANCES = ("support", "oppose", "amend", "neutral")
UNIT_KINDS = ("administrative_organ", "judicial_organ", "public_enterprise", "public_institution",
              "mass_organisation", "market_unit")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CatalogVersion(Base):
    __tablename__ = "catalog_versions"
    __table_args__ = (
        UniqueConstraint("jurisdiction", "number"),
        CheckConstraint(_in("state", VERSION_STATES), name="state"),
        CheckConstraint("superseded_from IS NULL OR in_force_from IS NOT NULL",
                        name="superseded_after_force"),
        CheckConstraint("superseded_from IS NULL OR superseded_from > in_force_from", name="period_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)      # 1, 2, 3 … per jurisdiction
    title_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")   # the proposer's reasons
    proposer: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(32), nullable=False, default="draft")
    significant_impact: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_versions.id", ondelete="RESTRICT"))
    comment_opened_on: Mapped[date | None] = mapped_column(Date)
    comment_closes_on: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    approved_by: Mapped[str | None] = mapped_column(String(200))         # the approving body
    approval_document: Mapped[str | None] = mapped_column(String(200))  # its document number
    in_force_from: Mapped[date | None] = mapped_column(Date)
    superseded_from: Mapped[date | None] = mapped_column(Date)          # exclusive: the successor's first day
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    items: Mapped[list[CatalogItem]] = relationship(back_populates="version", cascade="all, delete-orphan",
                                                    order_by="CatalogItem.position")
    comments: Mapped[list[CatalogComment]] = relationship(back_populates="version",
                                                          cascade="all, delete-orphan",
                                                          order_by="CatalogComment.id")
    assessments: Mapped[list[CatalogAssessment]] = relationship(back_populates="version",
                                                                cascade="all, delete-orphan",
                                                                order_by="CatalogAssessment.id")


class CatalogItem(Base):
    __tablename__ = "catalog_items"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("origin", ORIGINS), name="origin"),
        CheckConstraint(_in("disclosure_class", DISCLOSURE_CLASSES), name="disclosure_class"),
        CheckConstraint("category <> 'untrustworthiness' OR legal_document_required", name="legal_document"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_versions.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    origin: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_kinds: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    legal_document_required: Mapped[bool] = mapped_column(Boolean, nullable=False)
    disclosure_class: Mapped[str] = mapped_column(String(16), nullable=False)
    display_rule: Mapped[str | None] = mapped_column(String(100))
    counts_from_field: Mapped[str | None] = mapped_column(String(64))
    sharing_category: Mapped[str] = mapped_column(String(100), nullable=False)
    usage_authorization: Mapped[str] = mapped_column(String(200), nullable=False)
    data_format: Mapped[str] = mapped_column(String(200), nullable=False)
    update_period: Mapped[str] = mapped_column(String(100), nullable=False)
    allowed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    positive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    consent_categories: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    penalty_item: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    version: Mapped[CatalogVersion] = relationship(back_populates="items")


class CatalogComment(Base):
    """A comment received while the draft was open for public comment."""

    __tablename__ = "catalog_comments"
    __table_args__ = (CheckConstraint(_in("stance", STANCES), name="stance"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_versions.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    commenter_kind: Mapped[str] = mapped_column(String(32), nullable=False)   # department, expert, public …
    commenter: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    item_code: Mapped[str | None] = mapped_column(String(64))                 # the item it is about, if one
    stance: Mapped[str] = mapped_column(String(16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    version: Mapped[CatalogVersion] = relationship(back_populates="comments")


class CatalogAssessment(Base):
    """An assessment with experts and the groups concerned (``catalog.assessment.*``)."""

    __tablename__ = "catalog_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_versions.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    grounds: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)   # AssessmentGround values
    experts: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    groups_heard: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    conclusion: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    version: Mapped[CatalogVersion] = relationship(back_populates="assessments")


class ProvidingUnit(Base):
    __tablename__ = "providing_units"
    __table_args__ = (
        CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),
        CheckConstraint(_in("origin", ORIGINS), name="origin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    origin: Mapped[str] = mapped_column(String(16), nullable=False, default="public")
    uscc: Mapped[str | None] = mapped_column(String(18))        # the unit's own Unified Social Credit Code
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    credentials: Mapped[list[UnitCredential]] = relationship(back_populates="unit",
                                                             cascade="all, delete-orphan",
                                                             order_by="UnitCredential.id")
    grants: Mapped[list[UnitItemGrant]] = relationship(back_populates="unit", cascade="all, delete-orphan",
                                                       order_by="UnitItemGrant.item_code")


class UnitCredential(Base):
    """An API token of a providing unit: the SHA-256 digest only; the token is shown once."""

    __tablename__ = "unit_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("providing_units.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    hint: Mapped[str] = mapped_column(String(16), nullable=False)   # the token's prefix, to tell tokens apart
    label: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[ProvidingUnit] = relationship(back_populates="credentials")


class UnitItemGrant(Base):
    """A catalog item (by code, across versions) that a unit may submit; revoked grants are kept."""

    __tablename__ = "unit_item_grants"
    __table_args__ = (UniqueConstraint("unit_id", "item_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("providing_units.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    item_code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[ProvidingUnit] = relationship(back_populates="grants")
