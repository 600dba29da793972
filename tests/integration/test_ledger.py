"""The audit ledger on a real database (SQLite by default, PostgreSQL with XINYONG_TEST_DATABASE_URL):
appends through the unit of work, automatic and on-demand checkpoints, the database's own refusal of
updates and deletes, verification of tampered rows, concurrent writers, and ``xinyong audit``."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from ledger_tamper import ENTRIES, entry, rehash, rewrite, tamper
from xinyong.domain.audit.chain import GENESIS_HASH
from xinyong.domain.audit.checkpoints import key_id
from xinyong.domain.audit.facts import FactsRefused
from xinyong.domain.audit.verification import ProblemKind
from xinyong.domain.identity.actors import Actor
from xinyong.services.audit import anchors, checkpoints, config, keys, ledger, verification
from xinyong.settings import reset_settings

ACTOR = Actor.system("test")
ACTIONS = ("subject.registered", "record.accepted", "inquiry.served")


# --------------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture
def keys_dir(platform):  # type: ignore[no-untyped-def]
    return platform.settings.data_dir / "keys"


@pytest.fixture
def signed(platform, keys_dir):  # type: ignore[no-untyped-def]
    """Automatic checkpoints every 5 entries, signed with a key under the test's data folder."""
    config.configure(platform.engine, key_file=keys_dir / keys.KEY_FILENAME, every=5)
    return platform


def _append(platform, n: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    for i in range(start, start + n):
        with platform.unit_of_work(ACTOR) as uow:
            uow.record(ACTIONS[i % 3], "subject", 100 + i, {"n": i, "digest": f"{i:064x}"})


def _verify(platform, **kwargs):  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        return verification.verify(session, keys.load_public_keys(platform.settings.data_dir / "keys"), **kwargs)


def _rows(platform, sql: str, **params):  # type: ignore[no-untyped-def]
    with platform.engine.connect() as conn:
        return conn.execute(text(sql), params).mappings().all()


# --------------------------------------------------------------------------------------------------
# Appending


def test_events_recorded_through_the_unit_of_work_form_a_verified_chain(platform):
    _append(platform, 12)
    report = _verify(platform)
    assert report.ok and report.entries == 12 and report.problem is None and report.head_seq == 12
    with platform.sessions() as session:
        assert ledger.head(session).seq == 12
        assert ledger.count(session) == 12
        assert ledger.count(session, action_prefix="subject") == 4
        assert ledger.count(session, action_prefix="inquiry.served") == 4
        assert ledger.count(session, action_prefix="record.") == 4
        assert ledger.count(session, action_prefix="subjects") == 0
        (only,) = ledger.entries(session, entity="subject", entity_id=101)
        assert only.seq == 2 and only.action == "record.accepted" and only.actor == "system:test"
        assert only.facts_dict() == {"n": 1, "digest": f"{1:064x}"}
        assert only.at == platform.clock.now()
        assert [e.seq for e in ledger.entries(session)] == list(range(1, 13))
        first = ledger.get(session, 1)
        assert first is not None and first.prev_hash == GENESIS_HASH


def test_personal_facts_are_refused_and_nothing_is_written(platform):
    _append(platform, 2)
    with pytest.raises(FactsRefused), platform.unit_of_work(ACTOR) as uow:
        uow.record("subject.registered", "subject", 1, {"name": "张三"})
    with platform.sessions() as session:
        assert ledger.count(session) == 2 and ledger.head(session).seq == 2


def test_a_rolled_back_transaction_leaves_no_gap(platform):
    _append(platform, 3)
    with pytest.raises(RuntimeError), platform.unit_of_work(ACTOR) as uow:
        uow.record("record.accepted", "record", 9, {})
        uow.record("record.accepted", "record", 10, {})
        raise RuntimeError("the change failed after its ledger entries were written")
    _append(platform, 1, start=3)
    with platform.sessions() as session:
        assert [e.seq for e in ledger.entries(session)] == [1, 2, 3, 4]
    assert _verify(platform).ok


def test_several_entries_in_one_transaction_chain_in_order(platform):
    with platform.unit_of_work(ACTOR) as uow:
        for i in range(4):
            uow.record("record.accepted", "record", i, {"i": i})
    assert _verify(platform).entries == 4


# --------------------------------------------------------------------------------------------------
# Checkpoints and keys


def test_checkpoints_are_made_automatically_every_n_entries(signed, keys_dir):
    _append(signed, 12)
    with signed.sessions() as session:
        cps = checkpoints.checkpoints(session)
    assert [cp.seq for cp in cps] == [5, 10]
    report = _verify(signed)
    assert report.ok and report.checkpoints == 2
    private = keys_dir / keys.KEY_FILENAME
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    public = keys.load_public_key(keys_dir / keys.PUBLIC_KEY_FILENAME)
    assert {cp.key_id for cp in cps} == {key_id(public)}


def test_an_unusable_key_skips_the_automatic_checkpoint_but_not_the_write(platform, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    config.configure(platform.engine, key_file=blocker / keys.KEY_FILENAME, every=2)
    _append(platform, 5)
    with platform.sessions() as session:
        assert ledger.count(session) == 5 and checkpoints.checkpoints(session) == []
    assert _verify(platform).ok


def test_a_checkpoint_on_demand_signs_the_head_once(platform, keys_dir):
    key = keys.load_or_create_signing_key(keys_dir / keys.KEY_FILENAME)
    with platform.sessions.begin() as session:
        assert checkpoints.checkpoint(session, key, at=platform.clock.now()) is None  # empty ledger
    _append(platform, 3)
    with platform.sessions.begin() as session:
        first = checkpoints.checkpoint(session, key, at=platform.clock.now())
    with platform.sessions.begin() as session:
        again = checkpoints.checkpoint(session, key, at=platform.clock.now() + timedelta(hours=1))
    assert first is not None and first.seq == 3 and again == first
    anchor = keys.anchor_path(platform.settings.data_dir)
    anchors.write_anchor(anchor, first)
    assert anchors.read_anchor(anchor) == first
    report = _verify(platform, anchor=first)
    assert report.ok and report.checkpoints == 1 and report.anchored_seq == 3  # the stored one is the anchored one


def test_the_signing_key_is_created_once_even_by_racing_threads(tmp_path):
    path = tmp_path / "keys" / keys.KEY_FILENAME
    ids: list[str] = []
    barrier = threading.Barrier(8)

    def load() -> None:
        barrier.wait()
        ids.append(key_id(keys.load_or_create_signing_key(path)))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and len(ids) == 8
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert key_id(keys.load_public_key(path.with_name(keys.PUBLIC_KEY_FILENAME))) == ids[0]
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


# --------------------------------------------------------------------------------------------------
# The database refuses changes by itself


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entries SET actor = 'operator:someone-else' WHERE seq = 2",
    "UPDATE ledger_entries SET facts = '{}'",
    "DELETE FROM ledger_entries WHERE seq = 6",
    "DELETE FROM ledger_entries",
    "UPDATE ledger_checkpoints SET signature = '00'",
    "DELETE FROM ledger_checkpoints",
    "DELETE FROM ledger_head",
    "UPDATE ledger_head SET seq = 3",
    "UPDATE ledger_head SET entry_hash = '" + "1" * 64 + "'",
    "INSERT INTO ledger_entries (seq, at, actor, action, entity, entity_id, facts, prev_hash, entry_hash) "
    "VALUES (99, CURRENT_TIMESTAMP, 'x', 'record.accepted', 'record', '1', '{}', '" + "2" * 64 + "', '"
    + "3" * 64 + "')",
    "INSERT INTO ledger_checkpoints (seq, entry_hash, at, key_id, signature) "
    "VALUES (4, '" + "4" * 64 + "', CURRENT_TIMESTAMP, 'k', 's')",
])
def test_the_database_itself_refuses_updates_and_deletes_of_ledger_rows(signed, statement):
    _append(signed, 6)
    with pytest.raises(DBAPIError, match="audit ledger"), signed.engine.begin() as conn:
        conn.execute(text(statement))
    report = _verify(signed)
    assert report.ok and report.entries == 6


def _statements_recording_five(platform) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    """The statements sent while one transaction records five events, each with whether it was an
    executemany."""
    from sqlalchemy import event

    statements: list[tuple[str, bool]] = []

    def watch(_conn, _cursor, statement, _params, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, executemany))

    event.listen(platform.engine, "before_cursor_execute", watch)
    try:
        with platform.unit_of_work(ACTOR) as uow:
            for i in range(5):
                uow.record("record.accepted", "record", i, {"i": i})
    finally:
        event.remove(platform.engine, "before_cursor_execute", watch)
    return statements


def test_on_postgresql_a_run_of_entries_is_appended_in_one_round_trip(platform):
    """Several entries of one transaction reach PostgreSQL as one call of the database's append
    function (each entry still inserted and the head moved by its own statement inside it)."""
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs the statements in process: there is no round trip to save")
    statements = [statement for statement, _many in _statements_recording_five(platform)]
    assert len([s for s in statements if "xinyong_ledger_append" in s]) == 1
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT INTO LEDGER_ENTRIES",
                                                                         "UPDATE LEDGER_HEAD"))]
    report = _verify(platform)
    assert report.ok and report.entries == 5


def test_on_sqlite_a_run_of_entries_is_one_statement_and_the_head_follows_each_entry(platform):
    """On SQLite the entries of one transaction are inserted by one executemany: the database moves
    the head after each insert (migration 0008), so each entry is still checked against the head it
    follows, and the head ends on the last entry."""
    if platform.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL appends through its function (the test above)")
    _append(platform, 2)
    statements = [(" ".join(statement.split()).upper(), many)
                  for statement, many in _statements_recording_five(platform)]
    assert [many for s, many in statements if s.startswith("INSERT INTO LEDGER_ENTRIES")] == [True]
    assert not [s for s, _ in statements if s.startswith("UPDATE LEDGER_HEAD")]
    with platform.engine.connect() as conn:
        head = conn.execute(text("SELECT seq, entry_hash FROM ledger_head")).one()
    assert tuple(head) == (7, entry(platform, 7)["entry_hash"])
    report = _verify(platform)
    assert report.ok and report.entries == 7


def test_on_sqlite_an_entry_out_of_order_in_a_run_refuses_the_whole_run(platform):
    """One executemany of entries where the third does not follow the second: the database refuses
    it, the transaction is rolled back, and neither the entries nor the head moved."""
    if platform.engine.dialect.name != "sqlite":
        pytest.skip("the run is one statement on SQLite only")
    _append(platform, 3)
    last = entry(platform, 3)
    first = rehash({**last, "seq": 4, "entity_id": "a"}, last["entry_hash"])
    second = rehash({**last, "seq": 5, "entity_id": "b"}, first["entry_hash"])
    stray = rehash({**last, "seq": 6, "entity_id": "c"}, "9" * 64)
    with pytest.raises(DBAPIError, match="audit ledger"), platform.engine.begin() as conn:
        conn.execute(insert(ENTRIES), [first, second, stray])
    with platform.engine.connect() as conn:
        assert conn.execute(text("SELECT seq FROM ledger_head")).scalar() == 3
    report = _verify(platform)
    assert report.ok and report.entries == 3


def test_on_postgresql_the_append_function_cannot_break_the_chain(platform):
    """Calling the append function directly with an entry that does not follow the head is refused
    by the same triggers as the two statements would be, and nothing is written."""
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("the function exists on PostgreSQL only")
    _append(platform, 3)
    forged = [{"seq": 5, "at": "2026-01-01T00:00:00+00:00", "actor": "x", "action": "record.accepted",
               "entity": "record", "entity_id": "1", "facts": "{}", "prev_hash": "2" * 64,
               "entry_hash": "3" * 64}]
    with pytest.raises(DBAPIError, match="audit ledger"), platform.engine.begin() as conn:
        conn.execute(text("SELECT xinyong_ledger_append(CAST(:e AS jsonb))"), {"e": json.dumps(forged)})
    report = _verify(platform)
    assert report.ok and report.entries == 3


# --------------------------------------------------------------------------------------------------
# Tampering (with the triggers switched off, as an owner could) is found and named


@pytest.mark.parametrize(("column", "value"), [
    ("actor", "operator:someone-else"), ("action", "record.revoked"), ("entity_id", "999"),
    ("facts", '{"n":6,"digest":"x"}'), ("prev_hash", "f" * 64), ("entry_hash", "e" * 64),
])
def test_a_modified_column_is_named(signed, column, value):
    _append(signed, 12)
    tamper(signed, (f"UPDATE ledger_entries SET {column} = :v WHERE seq = 7", {"v": value}))
    report = _verify(signed)
    assert (report.ok, report.problem, report.first_bad_seq) == (False, ProblemKind.modified, 7)
    assert report.entries == 6 and report.last_good_seq == 6


def test_a_modified_time_is_named(signed):
    _append(signed, 12)
    later = signed.clock.now() + timedelta(microseconds=1)
    tamper(signed, update(ENTRIES).where(ENTRIES.c.seq == 8).values(at=later))
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq) == (ProblemKind.modified, 8)


@pytest.mark.parametrize(("column", "value", "kind"), [("at", "not a time", ProblemKind.modified),
                                                    ("seq", "seven", ProblemKind.missing)])
def test_a_value_sqlite_would_not_even_parse_is_named_not_a_crash(signed, column, value, kind):
    if signed.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's column types refuse such values themselves")
    _append(signed, 12)
    tamper(signed, (f"UPDATE ledger_entries SET {column} = :v WHERE seq = 7", {"v": value}))
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq) == (kind, 7)


def test_a_deleted_entry_is_named(signed):
    _append(signed, 12)
    tamper(signed, ("DELETE FROM ledger_entries WHERE seq = 7", {}))
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq) == (ProblemKind.missing, 7)


def test_a_renumbered_entry_is_named(signed):
    _append(signed, 12)
    tamper(signed, ("UPDATE ledger_entries SET seq = 1000 WHERE seq = 4", {}))
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq) == (ProblemKind.missing, 4)


def test_a_truncated_tail_is_caught_by_the_head(signed):
    _append(signed, 12)
    tamper(signed, ("DELETE FROM ledger_entries WHERE seq > 10", {}))
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq) == (ProblemKind.missing, 11)


def test_swapped_rows_are_named_as_reordered(signed):
    _append(signed, 12)
    a, b = entry(signed, 4), entry(signed, 9)
    park = {**a, "prev_hash": "p" * 64, "entry_hash": "q" * 64, "seq": 4}
    tamper(signed, rewrite(park), rewrite({**a, "seq": 9}), rewrite({**b, "seq": 4}))
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq) == (ProblemKind.reordered, 4)


def test_a_re_hashed_forgery_is_named(signed):
    _append(signed, 12)
    row = entry(signed, 7)
    tamper(signed, rewrite(rehash(row, row["prev_hash"], facts='{"n":0}')))
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq) == (ProblemKind.forged, 7)


def test_a_consistently_rewritten_tail_is_caught_by_the_signed_checkpoint(signed):
    """Entry 7 changed, every later entry and the head re-hashed to match: only the checkpoint at 10,
    signed with a key the attacker does not have, still shows it."""
    _append(signed, 12)
    prev = entry(signed, 6)["entry_hash"]
    statements = []
    for seq in range(7, 13):
        row = rehash(entry(signed, seq), prev, **({"action": "record.revoked"} if seq == 7 else {}))
        statements.append(rewrite(row))
        prev = row["entry_hash"]
    statements.append(("UPDATE ledger_head SET entry_hash = :h", {"h": prev}))
    tamper(signed, *statements)
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq, report.last_good_seq) == (ProblemKind.forged, 6, 5)


def test_a_truncation_after_the_last_checkpoint_is_caught_by_the_anchor(signed, keys_dir):
    """Delete the last entries, their checkpoint and rewind the head: nothing inside the database
    disagrees any more; the anchor kept beside the key does."""
    _append(signed, 12)
    key = keys.load_or_create_signing_key(keys_dir / keys.KEY_FILENAME)
    with signed.sessions.begin() as session:
        anchor = checkpoints.checkpoint(session, key, at=signed.clock.now())
    assert anchor is not None and anchor.seq == 12
    anchors.write_anchor(keys.anchor_path(signed.settings.data_dir), anchor)
    ten = entry(signed, 10)
    tamper(signed, ("DELETE FROM ledger_entries WHERE seq > 10", {}),
            ("DELETE FROM ledger_checkpoints WHERE seq > 10", {}),
            ("UPDATE ledger_head SET seq = 10, entry_hash = :h", {"h": ten["entry_hash"]}))
    assert _verify(signed).ok  # inside the database the shortened ledger is consistent...
    report = _verify(signed, anchor=anchors.read_anchor(keys.anchor_path(signed.settings.data_dir)))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.missing, 11)  # ...the anchor is not


def test_a_bad_checkpoint_signature_is_named(signed):
    _append(signed, 12)
    tamper(signed, ("UPDATE ledger_checkpoints SET signature = :s WHERE seq = 5", {"s": "00" * 64}))
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq) == (ProblemKind.bad_signature, 5)


def test_a_changed_head_is_a_head_mismatch(signed):
    _append(signed, 12)
    tamper(signed, ("UPDATE ledger_head SET entry_hash = :h", {"h": "a" * 64}))
    report = _verify(signed)
    assert report.problem == ProblemKind.head_mismatch


def test_an_entry_slipped_in_after_the_head_is_forged(signed):
    _append(signed, 12)
    last = entry(signed, 12)
    extra = rehash({**last, "seq": 13, "entity_id": "x"}, last["entry_hash"])
    tamper(signed, insert(ENTRIES).values(extra))
    report = _verify(signed)
    assert (report.problem, report.first_bad_seq) == (ProblemKind.forged, 13)


# --------------------------------------------------------------------------------------------------
# Concurrency and streaming


def test_concurrent_writers_build_one_gap_free_chain(signed):
    threads, errors = [], []
    barrier = threading.Barrier(8)

    def writer(w: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                with signed.unit_of_work(Actor.system(f"writer{w}")) as uow:
                    uow.record("record.accepted", "record", f"{w}-{i}", {"w": w, "i": i})
                    if i % 5 == 0:
                        uow.record("inquiry.served", "record", f"{w}-{i}", {"w": w})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    for w in range(8):
        threads.append(threading.Thread(target=writer, args=(w,)))
        threads[-1].start()
    for t in threads:
        t.join()
    assert errors == []
    total = 8 * (15 + 3)
    with signed.sessions() as session:
        assert [e.seq for e in ledger.entries(session)] == list(range(1, total + 1))
        assert [cp.seq for cp in checkpoints.checkpoints(session)] == list(range(5, total + 1, 5))
    report = _verify(signed)
    assert report.ok and report.entries == total and report.checkpoints == total // 5


def test_verifying_while_others_append_raises_no_false_alarm(signed):
    _append(signed, 10)
    stop = threading.Event()
    errors: list[Exception] = []

    def writer() -> None:
        i = 10
        try:
            while not stop.is_set():
                _append(signed, 1, start=i)
                i += 1
                stop.wait(0.002)  # a busy writer, not a tight loop (SQLite readers queue for the lock)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = [_verify(signed, batch_size=3) for _ in range(8)]
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert all(r.ok for r in reports), [r for r in reports if not r.ok]
    assert _verify(signed).ok


def test_verification_streams_in_batches_and_reports_progress(signed):
    _append(signed, 23)
    seen: list[tuple[int, int]] = []
    report = _verify(signed, batch_size=4, on_progress=lambda done, total: seen.append((done, total)))
    assert report.ok and report.entries == 23
    assert [d for d, _ in seen] == [4, 8, 12, 16, 20, 23] and {t for _, t in seen} == {23}


def test_verification_inside_an_open_transaction(signed):
    _append(signed, 7)
    public = keys.load_public_keys(signed.settings.data_dir / "keys")
    with signed.sessions.begin() as session:
        assert verification.verify(session, public, batch_size=2).ok
        assert session.in_transaction()


# --------------------------------------------------------------------------------------------------
# xinyong audit


@pytest.fixture
def cli(platform, database_url, monkeypatch):  # type: ignore[no-untyped-def]
    from xinyong.cli import app

    monkeypatch.setenv("XINYONG_DATA_DIR", str(platform.settings.data_dir))
    monkeypatch.setenv("XINYONG_DATABASE_URL", database_url)
    reset_settings()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, ["audit", *args])
    reset_settings()


def test_audit_checkpoint_and_verify_on_an_intact_ledger(signed, cli):
    _append(signed, 7)
    made = cli("checkpoint", "--json")
    assert made.exit_code == 0, made.output
    body = json.loads(made.stdout)
    assert body["checkpoint"]["seq"] == 7
    assert anchors.read_anchor(keys.anchor_path(signed.settings.data_dir)).seq == 7
    result = cli("verify", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["ok"] is True and body["entries"] == 7 and body["problem"] is None
    assert body["first_bad_seq"] is None and body["message_zh"] and body["message_en"]
    people = cli("verify")
    assert people.exit_code == 0 and "intact" in people.stdout


def test_audit_verify_names_the_first_bad_entry_and_exits_one(signed, cli):
    _append(signed, 9)
    tamper(signed, ("UPDATE ledger_entries SET actor = 'operator:mallory' WHERE seq = 3", {}))
    result = cli("verify", "--json")
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert (body["ok"], body["problem"], body["first_bad_seq"]) == (False, "modified", 3)
    assert body["entry"]["seq"] == 3 and body["entry"]["actor"] == "operator:mallory"
    people = cli("verify")
    assert people.exit_code == 1 and "TAMPERED" in people.stdout and "mallory" in people.stdout


@pytest.mark.parametrize("args", [
    ["verify", "--public-key", "/nonexistent/key.pem"],
    ["verify", "--anchor", "/nonexistent/anchor.json"],
    ["verify", "--batch-size", "0"],
    ["verify", "--no-such-option"],
])
def test_audit_verify_usage_errors_exit_two(platform, cli, args):
    assert cli(*args).exit_code == 2
