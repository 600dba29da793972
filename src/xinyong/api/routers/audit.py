"""``/api/v1/audit``: the ledger's signed checkpoints, published, and the witness that keeps another
instance's.

- ``GET /api/v1/audit/checkpoints``: the signed tree heads of this instance's ledger — size (``seq``:
  the number of entries the checkpoint covers), head hash (``entry_hash``: the hash of entry ``seq``),
  signing time (``at``), Ed25519 ``signature`` over the canonical JSON of ``{seq, entry_hash, at,
  key_id}`` — with the public keys that verify them, oldest first, ``since`` a size and at most
  ``limit`` at a time (``next_since`` pages on). Public: anyone may keep copies.
- ``POST /api/v1/audit/witness``: another instance sends its checkpoint; it is kept only if it is
  signed by a key listed in ``XINYONG_LEDGER_WITNESS_FOR`` and extends what is held for that key
  (403 for another key, 422 for a bad signature or a malformed checkpoint, 409 for one older than the
  newest held or — the alarm — one of a size held with another head hash).
- ``GET /api/v1/audit/witness?key_id=``: what this instance keeps for that key (404: nothing).
"""

from __future__ import annotations

from typing import Literal

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from xinyong.api.deps import get_platform
from xinyong.api.errors import ErrorBody, error_response
from xinyong.api.responses import JSONResponse
from xinyong.domain.audit.checkpoints import Checkpoint
from xinyong.services.audit import anchors, checkpoints, keys
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

MAX_SEQ = 2**53 - 1  # exact as a JSON number (a double)
_HEX64 = "^[0-9a-f]{64}$"


class CheckpointOut(BaseModel):
    seq: int = Field(description="Size: the number of ledger entries the checkpoint covers")
    entry_hash: str = Field(description="Head hash: SHA-256 of entry `seq`")
    at: str = Field(description="When it was signed (UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ)")
    key_id: str = Field(description="First 16 hex digits of SHA-256 over the raw public key")
    signature: str = Field(description="Ed25519 signature (hex) over canonical JSON of {seq, entry_hash, at, key_id}")


class PublicKeyOut(BaseModel):
    key_id: str
    public_key: str = Field(description="The raw Ed25519 public key, hex (as XINYONG_LEDGER_WITNESS_FOR takes it)")
    pem: str


class CheckpointPage(BaseModel):
    public_keys: list[PublicKeyOut]
    checkpoints: list[CheckpointOut]
    next_since: int | None = Field(description="Pass as `since` for the next page; null on the last page")


class CheckpointIn(BaseModel):
    seq: int = Field(ge=1, le=MAX_SEQ)
    entry_hash: str = Field(pattern=_HEX64)
    at: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
    key_id: str = Field(pattern="^[0-9a-f]{16}$")
    signature: str = Field(pattern="^[0-9a-f]{128}$")


class WitnessAnswer(BaseModel):
    admission: Literal["accepted", "held"]
    checkpoint: CheckpointOut


class WitnessPage(BaseModel):
    key_id: str
    checkpoints: list[CheckpointOut]
    next_since: int | None


def _out(cp: Checkpoint) -> dict[str, object]:
    return {key: (str(value) if key != "seq" else value) for key, value in cp.to_dict().items()}


def _page(cps: list[Checkpoint], limit: int) -> int | None:
    return cps[-1].seq if len(cps) == limit and cps else None


@router.get("/checkpoints", response_model=CheckpointPage)
def published_checkpoints(platform: Platform = Depends(get_platform),
                          since: int = Query(0, ge=0, le=MAX_SEQ, description="Only checkpoints of a larger size"),
                          limit: int = Query(100, ge=1, le=1000)) -> JSONResponse:
    """The ledger's signed checkpoints (signed tree heads) with the public keys that verify them."""
    public_keys = keys.load_public_keys(platform.settings.data_dir / "keys")
    with platform.sessions() as session:
        cps = checkpoints.checkpoints(session, since=since, limit=limit)
    public = [{"key_id": kid, "public_key": key.public_bytes(serialization.Encoding.Raw,
                                                              serialization.PublicFormat.Raw).hex(),
               "pem": key.public_bytes(serialization.Encoding.PEM,
                                       serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")}
              for kid, key in sorted(public_keys.items())]
    return JSONResponse({"public_keys": public, "checkpoints": [_out(cp) for cp in cps],
                         "next_since": _page(cps, limit)})


@router.post("/witness", response_model=WitnessAnswer, status_code=201,
             responses={200: {"model": WitnessAnswer}, 403: {"model": ErrorBody}, 409: {"model": ErrorBody},
                        422: {"model": ErrorBody}})
def witness_checkpoint(body: CheckpointIn, platform: Platform = Depends(get_platform)) -> JSONResponse:
    """Keep another instance's signed checkpoint (201 new, 200 held already)."""
    trusted = anchors.trusted_keys(platform.settings.ledger_witness_for)
    verdict = anchors.receive(platform.settings.data_dir, trusted, body.model_dump())
    return JSONResponse({"admission": verdict.value, "checkpoint": body.model_dump()},
                        status_code=201 if verdict.value == "accepted" else 200)


@router.get("/witness", response_model=WitnessPage, responses={404: {"model": ErrorBody}})
def witnessed_checkpoints(platform: Platform = Depends(get_platform),
                          key_id: str = Query(pattern="^[0-9a-f]{16}$"),
                          since: int = Query(0, ge=0, le=MAX_SEQ),
                          limit: int = Query(100, ge=1, le=1000)) -> JSONResponse:
    """The checkpoints this instance keeps as a witness for the key ``key_id``."""
    cps = anchors.held(platform.settings.data_dir, key_id, since=since, limit=limit)
    if cps is None:
        return error_response(404, "key_id", "not_witnessed", f"本实例未保存密钥 {key_id} 的检查点",
                              f"this instance keeps no checkpoints of key {key_id}")
    return JSONResponse({"key_id": key_id, "checkpoints": [_out(cp) for cp in cps], "next_since": _page(cps, limit)})
