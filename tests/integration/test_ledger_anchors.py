"""The ledger against someone who holds the database (issue 12, part 3): every checkpoint is kept outside
the database (the append-only anchor file, witnesses) and published; ``xinyong audit verify`` sees
checkpoint rows deleted, a rewritten tail, a truncated chain, a forged row appended, a corrupted value
in any column — on SQLite and PostgreSQL, with the ledger's triggers switched off as an owner could —
and raises no alarm on an untouched ledger.

The deployment here: a checkpoint every 5 entries, at least every 300 s while entries arrive, the
anchor file under the data folder and one folder witness elsewhere.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from sqlalchemy import insert
from typer.testing import CliRunner

from ledger_tamper import ENTRIES, entry, rehash, rewrite_from, tamper, unguarded
from xinyong.domain.audit.checkpoints import key_id, sign_checkpoint
from xinyong.domain.identity.actors import Actor
from xinyong.services.audit import anchors, checkpoints, config, keys, ledger, verification
from xinyong.settings import reset_settings

ACTOR = Actor.system("test")
EVERY, SECONDS = 5, 300


def _append(platform, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        with platform.unit_of_work(ACTOR) as uow:
            uow.record("record.accepted", "record", 100 + i, {"n": i})


@pytest.fixture
def witness_dir(tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "witness-folder"
    folder.mkdir()
    return folder


@pytest.fixture
def anchored(platform, witness_dir):  # type: ignore[no-untyped-def]
    data = platform.settings.data_dir
    config.configure(platform.engine, key_file=keys.key_path(data), every=EVERY, seconds=SECONDS,
                     anchor_file=keys.anchor_path(data), witnesses=[str(witness_dir)])
    return platform


@pytest.fixture
def cli(platform, database_url, witness_dir, monkeypatch):  # type: ignore[no-untyped-def]
    from xinyong.cli import app

    monkeypatch.setenv("XINYONG_DATA_DIR", str(platform.settings.data_dir))
    monkeypatch.setenv("XINYONG_DATABASE_URL", database_url)
    monkeypatch.setenv("XINYONG_LEDGER_CHECKPOINT_EVERY", str(EVERY))
    monkeypatch.setenv("XINYONG_LEDGER_CHECKPOINT_SECONDS", str(SECONDS))
    monkeypatch.setenv("XINYONG_LEDGER_WITNESSES", str(witness_dir))
    reset_settings()
    runner = CliRunner()

    def verify(*args: str) -> dict:
        result = runner.invoke(app, ["audit", "verify", "--json", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (0, 1), result.output
        body = json.loads(result.stdout)
        assert body["ok"] is (result.exit_code == 0)
        people = runner.invoke(app, ["audit", "verify", *args])  # the same, for people: no traceback either
        assert people.exit_code == result.exit_code and "Traceback" not in people.output, people.output
        return body

    yield verify
    reset_settings()


def _kinds(body: dict) -> list[tuple[str, int | None]]:
    return [(p["problem"], p["seq"]) for p in body["problems"]]


def _quiet_then_one_more(platform, n: int) -> None:  # type: ignore[no-untyped-def]
    """``n`` entries, then five quiet minutes, then one more: the time bound signs it."""
    _append(platform, n)
    platform.clock.advance(seconds=SECONDS + 1)
    _append(platform, 1)


# --------------------------------------------------------------------------------------------------
# Every checkpoint leaves the database, after its commit


def test_every_checkpoint_is_kept_in_the_anchor_file_and_the_folder_witness(anchored, witness_dir):
    _append(anchored, 12)
    with anchored.sessions() as session:
        in_db = checkpoints.checkpoints(session)
    assert [cp.seq for cp in in_db] == [5, 10]
    kept, notes = anchors.read_checkpoints(keys.anchor_path(anchored.settings.data_dir))
    assert kept == in_db and notes == []
    (witnessed,) = witness_dir.iterdir()
    assert witnessed.name == f"{in_db[0].key_id}.jsonl"
    assert anchors.read_checkpoints(witnessed)[0] == in_db


def test_a_checkpoint_whose_transaction_rolled_back_is_not_anchored(anchored):
    _append(anchored, 4)
    with pytest.raises(RuntimeError), anchored.unit_of_work(ACTOR) as uow:
        uow.record("record.accepted", "record", 5, {})
        uow.write_ledger()  # entry 5 and its checkpoint, in the transaction that then fails
        raise RuntimeError("the change failed after its ledger entries were written")
    assert not keys.anchor_path(anchored.settings.data_dir).exists()
    _append(anchored, 1)
    kept, _ = anchors.read_checkpoints(keys.anchor_path(anchored.settings.data_dir))
    with anchored.sessions() as session:
        assert kept == checkpoints.checkpoints(session) and [cp.seq for cp in kept] == [5]


def test_entries_get_a_checkpoint_at_least_every_few_minutes_while_they_arrive(anchored):
    _append(anchored, 2)
    anchored.clock.advance(seconds=SECONDS - 1)
    _append(anchored, 1)
    with anchored.sessions() as session:
        assert checkpoints.checkpoints(session) == []
    anchored.clock.advance(seconds=1)
    _append(anchored, 1)
    with anchored.sessions() as session:
        (cp,) = checkpoints.checkpoints(session)
    assert (cp.seq, cp.at) == (4, anchored.clock.now())
    assert anchors.read_checkpoints(keys.anchor_path(anchored.settings.data_dir))[0] == [cp]


def test_the_server_signs_a_quiet_tail(anchored):
    _append(anchored, 3)
    assert checkpoints.checkpoint_if_due(anchored) is None  # not yet five minutes
    anchored.clock.advance(seconds=SECONDS)
    cp = checkpoints.checkpoint_if_due(anchored)
    assert cp is not None and (cp.seq, cp.at) == (3, anchored.clock.now())
    anchored.clock.advance(seconds=SECONDS * 3)
    assert checkpoints.checkpoint_if_due(anchored) is None  # nothing new to sign
    assert anchors.read_checkpoints(keys.anchor_path(anchored.settings.data_dir))[0] == [cp]


# --------------------------------------------------------------------------------------------------
# No false alarm


def test_an_untouched_ledger_verifies_with_no_problem_and_no_warning(anchored, cli):
    _quiet_then_one_more(anchored, 12)
    anchored.clock.advance(seconds=SECONDS)
    assert checkpoints.checkpoint_if_due(anchored) is None  # the head is signed already
    _append(anchored, 7)
    with anchored.sessions() as session:
        signed = len(checkpoints.checkpoints(session))
    body = cli()
    assert (body["ok"], body["problems"], body["warnings"]) == (True, [], [])
    assert body["entries"] == 20 and body["anchored_seq"] == 20 and body["checkpoints"] == signed
    assert cli("--no-anchor", "--no-witnesses")["ok"]


# --------------------------------------------------------------------------------------------------
# The probe's mutations, each detected


def test_checkpoint_rows_deleted_and_the_chain_rewritten_are_detected(anchored, cli):
    _append(anchored, 12)
    tamper(anchored, ("DELETE FROM ledger_checkpoints", {}),
           *rewrite_from(anchored, 7, 12, action="record.revoked"))
    body = cli()
    assert (body["problem"], body["first_bad_seq"], body["last_good_seq"]) == ("forged", 6, 5)
    assert ("checkpoint_missing", 5) in _kinds(body)  # the anchored ones are gone from the database
    # Without any copy outside the database, the emptied checkpoint table still shows.
    alone = cli("--no-anchor", "--no-witnesses")
    assert (alone["problem"], alone["first_bad_seq"]) == ("checkpoint_missing", 5)


def test_an_emptied_checkpoint_table_alone_is_detected(anchored, cli):
    _append(anchored, 12)
    tamper(anchored, ("DELETE FROM ledger_checkpoints", {}))
    body = cli()
    assert (body["problem"], body["first_bad_seq"]) == ("checkpoint_missing", 5)
    assert "missing from the database" in body["message_en"]


def test_a_tail_rewritten_after_the_last_checkpoint_in_the_database_is_detected(anchored, cli):
    """Entries 11-13 after the checkpoint at 10 rewritten (head too), the checkpoint the time bound
    made at 13 deleted from the database: its anchored copy, and the time bound, still show it."""
    _quiet_then_one_more(anchored, 12)
    tamper(anchored, ("DELETE FROM ledger_checkpoints WHERE seq > 10", {}),
           *rewrite_from(anchored, 11, 13, entity_id="999"))
    body = cli()
    assert (body["problem"], body["first_bad_seq"], body["last_good_seq"]) == ("forged", 11, 10)
    assert ("checkpoint_missing", 13) in _kinds(body)
    alone = cli("--no-anchor", "--no-witnesses")
    assert (alone["problem"], alone["first_bad_seq"]) == ("overdue_checkpoint", 13)


def test_a_truncated_chain_is_detected_even_with_the_checkpoint_table_emptied(anchored, cli):
    _quiet_then_one_more(anchored, 12)
    ten = entry(anchored, 10)
    tamper(anchored, ("DELETE FROM ledger_entries WHERE seq > 10", {}),
           ("DELETE FROM ledger_checkpoints", {}),
           ("UPDATE ledger_head SET seq = 10, entry_hash = :h", {"h": ten["entry_hash"]}))
    body = cli()
    assert (body["problem"], body["first_bad_seq"], body["anchored_seq"]) == ("missing", 11, 13)
    assert "shorter than" in body["message_en"]


def test_a_forged_row_appended_with_the_head_moved_is_detected(anchored, cli):
    """Appended an hour after the last checkpoint, with the head moved to it: nothing in the chain
    disagrees, but no checkpoint covers an entry that late."""
    _append(anchored, 12)
    last = entry(anchored, 12)
    forged = rehash({**last, "seq": 13, "entity_id": "forged", "at": anchored.clock.now() + timedelta(hours=1)},
                    last["entry_hash"])
    tamper(anchored, insert(ENTRIES).values(forged),
           ("UPDATE ledger_head SET seq = 13, entry_hash = :h", {"h": forged["entry_hash"]}))
    body = cli()
    assert (body["problem"], body["first_bad_seq"]) == ("overdue_checkpoint", 13)
    assert cli("--no-anchor", "--no-witnesses")["problem"] == "overdue_checkpoint"


def test_a_checkpoint_row_replaced_with_another_head_is_detected(anchored, cli):
    """A database checkpoint that disagrees with its anchored copy (signed with a stolen key, even)."""
    _append(anchored, 12)
    key = keys.load_or_create_signing_key(keys.key_path(anchored.settings.data_dir))
    other = sign_checkpoint(key, seq=5, entry_hash="e" * 64, at=anchored.clock.now())
    tamper(anchored, ("UPDATE ledger_checkpoints SET entry_hash = :h, signature = :s WHERE seq = 5",
                      {"h": other.entry_hash, "s": other.signature}))
    body = cli()
    assert ("checkpoint_mismatch", 5) in _kinds(body)
    assert body["problem"] == "forged" and body["first_bad_seq"] == 1  # entry 5 is not what was signed


# A value corrupted in each column: (column, (value, field named) on SQLite, the same on PostgreSQL).
# SQLite keeps whatever it is given (a number in a text column as text; bytes as bytes) but a NULL in
# a NOT NULL column; PostgreSQL's types refuse a
# malformed time or a number in a text column, so there the value is one its type allows (a plain
# modification: no field to name) or a NULL (the owner drops the NOT NULL first).
CORRUPTIONS = [
    ("seq", ("seven", None), (1000, None)),
    ("at", ("not a time", "at"), ("2026-03-18T02:00:00.000001+00:00", None)),
    ("at", (12345, "at"), (None, "at")),
    ("actor", (b"\x00\x01", "actor"), ("", "actor")),
    ("action", ("NOT AN ACTION", "action"), ("NOT AN ACTION", "action")),
    ("entity", (3.5, "entity"), (None, "entity")),
    ("entity_id", (b"7", "entity_id"), ("7 ", None)),
    ("facts", ("{not json", "facts"), ("{not json", "facts")),
    ("facts", ("[1, 2]", "facts"), ("[1, 2]", "facts")),
    ("facts", (b"{}", "facts"), (None, "facts")),
    ("prev_hash", (0, "prev_hash"), (None, "prev_hash")),
    ("prev_hash", ("zz", "prev_hash"), ("zz", "prev_hash")),
    ("entry_hash", (0, "entry_hash"), (None, "entry_hash")),
    ("entry_hash", ("E" * 64, "entry_hash"), ("E" * 64, "entry_hash")),
]


@pytest.fixture
def nullable(anchored):  # type: ignore[no-untyped-def]
    """On PostgreSQL, what an owner does to store a NULL: drop the NOT NULL (restored afterwards)."""
    changed: list[str] = []

    def drop(column: str) -> None:
        if anchored.engine.dialect.name == "postgresql":
            with anchored.engine.begin() as conn:
                conn.exec_driver_sql(f"ALTER TABLE ledger_entries ALTER COLUMN {column} DROP NOT NULL")
            changed.append(column)

    yield drop
    if changed:
        with unguarded(anchored.engine), anchored.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM ledger_entries")
            for column in changed:
                conn.exec_driver_sql(f"ALTER TABLE ledger_entries ALTER COLUMN {column} SET NOT NULL")


@pytest.mark.parametrize(("column", "on_sqlite", "on_postgresql"), CORRUPTIONS,
                         ids=[f"{c[0]}={c[1][0]!r}|{c[2][0]!r}" for c in CORRUPTIONS])
def test_a_corrupted_value_in_any_column_is_named_never_a_traceback(anchored, cli, nullable, column, on_sqlite,
                                                                    on_postgresql):
    _append(anchored, 12)
    value, field = on_postgresql if anchored.engine.dialect.name == "postgresql" else on_sqlite
    if value is None:
        nullable(column)
    tamper(anchored, (f"UPDATE ledger_entries SET {column} = :v WHERE seq = 7", {"v": value}))
    body = cli()
    assert (body["first_bad_seq"], body["problem"]) == (7, "missing" if column == "seq" else "modified")
    assert body["field"] == field, body
    if field:
        assert field in body["message_en"] and field in body["message_zh"]
    if column != "seq":
        assert body["entry"]["seq"] == 7


# --------------------------------------------------------------------------------------------------
# Published, and witnessed by another instance


def _public_hex(platform) -> str:  # type: ignore[no-untyped-def]
    key = keys.load_public_key(keys.public_key_path(keys.key_path(platform.settings.data_dir)))
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def test_signed_checkpoints_are_published_with_their_public_key(anchored, client):
    _append(anchored, 12)
    page = client.get("/api/v1/audit/checkpoints", params={"limit": 1})
    assert page.status_code == 200
    body = page.json()
    (first,) = body["checkpoints"]
    assert first["seq"] == 5 and body["next_since"] == 5
    (key,) = body["public_keys"]
    assert key["key_id"] == first["key_id"] and key["public_key"] == _public_hex(anchored)
    # Anyone can check the signature with the published key alone.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    signed = json.dumps({k: first[k] for k in ("seq", "entry_hash", "at", "key_id")}, sort_keys=True,
                        separators=(",", ":")).encode()
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(key["public_key"])).verify(bytes.fromhex(first["signature"]),
                                                                                   signed)
    rest = client.get("/api/v1/audit/checkpoints", params={"since": 5}).json()
    assert [cp["seq"] for cp in rest["checkpoints"]] == [10] and rest["next_since"] is None


@pytest.fixture
def other_instance(platform, tmp_path):  # type: ignore[no-untyped-def]
    """A second Xinyong instance that witnesses this one's key (XINYONG_LEDGER_WITNESS_FOR)."""
    from xinyong.api.app import create_app
    from xinyong.services.platform.bootstrap import Platform

    keys.load_or_create_signing_key(keys.key_path(platform.settings.data_dir))
    settings = platform.settings.model_copy(update={"data_dir": tmp_path / "other", "ledger_checkpoint_seconds": 0,
                                                    "ledger_witness_for": [_public_hex(platform)]})
    other = Platform(settings=settings, engine=platform.engine, clock=platform.clock)
    config.configure_from_settings(platform.engine, platform.settings)  # the engine is shared: keep ours
    with TestClient(create_app(other)) as client:
        yield client


def test_an_instance_witnesses_another_over_http_and_verify_reads_it(platform, other_instance):
    data = platform.settings.data_dir
    config.configure(platform.engine, key_file=keys.key_path(data), every=EVERY, seconds=SECONDS,
                     anchor_file=None, witnesses=["http://testserver"], http=other_instance)
    _append(platform, 12)
    assert anchors.drain(30)
    with platform.sessions() as session:
        in_db = checkpoints.checkpoints(session)
    key = keys.load_public_keys(data / "keys")
    held = other_instance.get("/api/v1/audit/witness", params={"key_id": in_db[0].key_id}).json()
    assert [cp["seq"] for cp in held["checkpoints"]] == [5, 10]
    outside, warnings = anchors.collect(anchor_files=[], witnesses=anchors.parse_witnesses(["http://testserver"]),
                                        key_ids=key, stored=in_db, client=other_instance)
    assert [cp for _, cp in outside] == in_db and warnings == []
    tamper(platform, ("DELETE FROM ledger_checkpoints", {}), *rewrite_from(platform, 3, 12, entity_id="x"))
    with platform.sessions() as session:
        report = verification.verify(session, key, anchored=outside)
    assert (report.problem.value, report.first_bad_seq) == ("forged", 1)
    assert ("checkpoint_missing", 5) in [(p.kind.value, p.seq) for p in report.problems]


def test_a_witness_keeps_only_signed_checkpoints_that_extend_what_it_holds(platform, other_instance):
    key = keys.load_or_create_signing_key(keys.key_path(platform.settings.data_dir))
    now = platform.clock.now()

    def send(seq: int, digest: str, signer=key):  # type: ignore[no-untyped-def]
        return other_instance.post("/api/v1/audit/witness",
                                   json=sign_checkpoint(signer, seq=seq, entry_hash=digest, at=now).to_dict())

    assert send(10, "a" * 64).status_code == 201
    assert send(10, "a" * 64).json()["admission"] == "held"
    assert send(20, "b" * 64).status_code == 201
    fork = send(20, "c" * 64)  # the same size, another head: both signed, both cannot be true
    assert fork.status_code == 409 and fork.json()["detail"]["reason"] == "inconsistent"
    stale = send(15, "d" * 64)
    assert stale.status_code == 409 and stale.json()["detail"]["reason"] == "stale"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = send(30, "e" * 64, Ed25519PrivateKey.generate())
    assert stranger.status_code == 403 and stranger.json()["detail"]["field"] == "key_id"
    forged = sign_checkpoint(key, seq=30, entry_hash="f" * 64, at=now).to_dict() | {"entry_hash": "0" * 64}
    bad = other_instance.post("/api/v1/audit/witness", json=forged)
    assert bad.status_code == 422 and bad.json()["detail"]["reason"] == "bad_signature"
    held = other_instance.get("/api/v1/audit/witness", params={"key_id": key_id(key)})
    assert [(cp["seq"], cp["entry_hash"]) for cp in held.json()["checkpoints"]] == [(10, "a" * 64), (20, "b" * 64)]


class _Log:
    """Stands in for a module's logger and keeps what it was told."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def error(self, event: str, **fields: object) -> None:
        self.events.append({"event": event, "log_level": "error", **fields})

    def info(self, event: str, **fields: object) -> None:
        self.events.append({"event": event, "log_level": "info", **fields})


def test_an_unreachable_witness_neither_loses_the_checkpoint_nor_fails_the_write(platform, tmp_path, cli,
                                                                                monkeypatch):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("x")
    data = platform.settings.data_dir
    config.configure(platform.engine, key_file=keys.key_path(data), every=EVERY, seconds=SECONDS,
                     anchor_file=keys.anchor_path(data), witnesses=[str(blocked), "http://127.0.0.1:9"])
    logged = _Log()
    monkeypatch.setattr(anchors, "log", logged)
    _append(platform, 6)  # the checkpoint at 5 cannot reach either witness
    assert anchors.drain(30)
    failures = [e for e in logged.events if e["log_level"] == "error" and e.get("seq") == 5]
    assert [e.get("witness") for e in failures if e.get("witness")] == ["http://127.0.0.1:9/api/v1/audit/witness"]
    assert [e["path"] for e in failures if str(blocked) in e.get("path", "")], failures
    with platform.sessions() as session:
        assert ledger.count(session) == 6 and [cp.seq for cp in checkpoints.checkpoints(session)] == [5]
    assert [cp.seq for cp in anchors.read_checkpoints(keys.anchor_path(data))[0]] == [5]
    body = cli("--witness", "http://127.0.0.1:9")
    assert body["ok"] is True
    assert any("http://127.0.0.1:9" in w["message_en"] and "cannot be read" in w["message_en"]
               for w in body["warnings"]), body["warnings"]
