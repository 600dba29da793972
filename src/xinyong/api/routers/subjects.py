"""``/api/v1/identifiers``: identifier checks (stores nothing)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel

from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier

router = APIRouter(prefix="/api/v1/identifiers", tags=["subjects"])


class IdentifierCheckOut(BaseModel):
    valid: bool
    kind: str | None
    identifier: str
    subject_kinds: list[str]
    reason: str | None
    message_zh: str
    message_en: str


@router.get("/check", response_model=IdentifierCheckOut)
def check(identifier: str = Query(..., min_length=1, max_length=64,
                                  description="Citizen identity number, USCC, passport or other ID"),
          kind: IdentifierKind | None = Query(None, description="The identifier kind, if known")) -> IdentifierCheckOut:
    """Whether an identifier is valid, what it identifies, and if not, why. Nothing is stored."""
    result = check_identifier(identifier, hint=kind)
    return IdentifierCheckOut(
        valid=result.valid, kind=result.kind.value if result.kind else None, identifier=result.identifier,
        subject_kinds=[k.value for k in result.subject_kinds],
        reason=result.reason.value if result.reason else None,
        message_zh=result.message_zh, message_en=result.message_en,
    )
