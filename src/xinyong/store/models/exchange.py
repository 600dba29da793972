"""Exchange with other platforms (``services.exchange``): the peer platforms this one trades changes with,
and how far each exchange has come.

- ``exchange_peers``: a platform registered as a peer, by name. ``relation`` says which way the credit
  information flows: an ``upstream`` peer (the provincial or national platform) receives what this
  platform forwards (it pulls, or this platform pushes to it); a ``downstream`` peer (a municipal
  platform) sends to this one (this platform pulls from it, or it pushes here). ``unit_code`` is the
  providing unit that stands for a downstream peer on this platform: what it sends is imported as that
  unit's batches. ``token_sha256`` is the digest of the token the peer presents here (issued once,
  never stored in clear); the token this platform presents to the peer is not stored at all (it comes
  from the environment at each pull or push).
- ``exchange_cursors``: per peer and layout, the last cursor exchanged: for a pull from a downstream
  peer the peer's cursor consumed, for a push to an upstream peer this platform's cursor delivered, for
  a push received from a downstream peer the cursor it reached. A cursor is an audit-ledger sequence
  number of the sending platform.
- ``exchange_keys``: the key under which a record of this platform was first forwarded (``<文书号>#<主体>``
  as the standard derives it), so that its withdrawal finds the copy upstream even after its content was
  erased here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, UTCDateTime, utcnow

PEER_RELATIONS = ("upstream", "downstream")


class ExchangePeer(Base):
    __tablename__ = "exchange_peers"
    __table_args__ = (CheckConstraint("relation IN ('upstream', 'downstream')", name="relation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    relation: Mapped[str] = mapped_column(String(16), nullable=False)
    url: Mapped[str | None] = mapped_column(String(500))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("providing_units.code", ondelete="RESTRICT"))
    token_sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    token_hint: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExchangeCursor(Base):
    __tablename__ = "exchange_cursors"

    peer_id: Mapped[int] = mapped_column(ForeignKey("exchange_peers.id", ondelete="CASCADE"), primary_key=True)
    layout: Mapped[str] = mapped_column(String(32), primary_key=True)
    direction: Mapped[str] = mapped_column(String(16), primary_key=True)   # pull | push | received
    cursor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ExchangeKey(Base):
    __tablename__ = "exchange_keys"

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    layout: Mapped[str] = mapped_column(String(32), nullable=False)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    first_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
