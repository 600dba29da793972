"""The audit ledger's pure logic on plain data: encoding, hashing, checkpoints, and verification that
names the first modified, removed, reordered or forged entry, with no false alarms."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.audit.canonical import LedgerError, canonical_json, compute_hash, encode_time
from xinyong.domain.audit.chain import GENESIS_HASH, Entry, Head, make_chain, make_entry
from xinyong.domain.audit.checkpoints import Checkpoint, key_id, sign_checkpoint, signature_valid
from xinyong.domain.audit.facts import FactsRefused, encode_facts
from xinyong.domain.audit.verification import ProblemKind, verify_chain
from xinyong.domain.platform.citizen import citizen_id_check_character
from xinyong.domain.subjects.identifiers import is_citizen_id

T0 = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
ACTIONS = ("subject.registered", "record.accepted", "inquiry.served")
FIELDS = ("seq", "at", "actor", "action", "entity", "entity_id", "facts", "prev_hash", "entry_hash")


def _events(n: int, start: int = 0) -> list[dict]:
    return [
        {"at": T0 + timedelta(seconds=i, microseconds=7 * i), "actor": f"operator:u{i % 3}@CQ00{i % 2}",
         "action": ACTIONS[i % 3], "entity": "subject", "entity_id": str(1000 + i),
         "facts": {"n": i, "digest": hashlib.sha256(str(i).encode()).hexdigest()[:16], "状态": "有效"}}
        for i in range(start, start + n)
    ]


CHAIN = make_chain(_events(50))


def _head(chain: list[Entry]) -> Head:
    return Head(chain[-1].seq, chain[-1].entry_hash) if chain else Head.genesis()


def _checkpoints(chain: list[Entry], *seqs: int, key: Ed25519PrivateKey = KEY) -> list[Checkpoint]:
    return [sign_checkpoint(key, seq=s, entry_hash=chain[s - 1].entry_hash, at=T0 + timedelta(hours=s))
            for s in seqs]


def _verify(chain, *, cps=(), head=None, keys=None):  # type: ignore[no-untyped-def]
    return verify_chain(chain, checkpoints=cps, public_keys=keys or KEY.public_key(), head=head,
                        check_head=head is not None)


# --------------------------------------------------------------------------------------------------
# Encoding


def test_the_hash_is_sha256_over_sorted_compact_utf8_json_pinned_by_a_known_vector():
    facts = canonical_json({"状态": "有效", "kind": "legal_person"})
    assert facts == '{"kind":"legal_person","状态":"有效"}'
    digest = compute_hash(seq=1, at=datetime(2026, 3, 18, 2, 0, 0, 123456, tzinfo=UTC), actor="system:demo",
                          action="subject.registered", entity="subject", entity_id="7", facts=facts,
                          prev_hash=GENESIS_HASH)
    # Independently: printf '%s' '<the canonical JSON>' | sha256sum
    assert digest == "f26ac45c68751984555df4ea5888af8842812cf35b306093a5ede4f15a051750"


@given(seq=st.integers(min_value=-(2**63), max_value=2**63), at=st.datetimes(timezones=st.just(UTC)),
       text=st.lists(st.text(), min_size=5, max_size=5), entity_id=st.none() | st.text())
@settings(max_examples=200, deadline=None)
def test_the_fast_encoding_is_exactly_the_canonical_json(seq, at, text, entity_id):
    actor, action, entity, facts, prev_hash = text
    expected = canonical_json({"seq": seq, "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": actor,
                               "action": action, "entity": entity, "entity_id": entity_id, "facts": facts,
                               "prev_hash": prev_hash})
    assert compute_hash(seq=seq, at=at, actor=actor, action=action, entity=entity, entity_id=entity_id,
                        facts=facts, prev_hash=prev_hash) == hashlib.sha256(expected.encode()).hexdigest()


def test_times_are_encoded_in_utc_with_microseconds_and_naive_times_are_refused():
    beijing = timezone(timedelta(hours=8))
    assert encode_time(datetime(2026, 3, 18, 10, 0, tzinfo=beijing)) == "2026-03-18T02:00:00.000000Z"
    assert encode_time(datetime(2026, 3, 18, 2, 0, 0, 5, tzinfo=UTC)) == "2026-03-18T02:00:00.000005Z"
    with pytest.raises(LedgerError):
        encode_time(datetime(2026, 3, 18, 2, 0))  # noqa: DTZ001 - the point of the test


def test_the_chain_starts_from_the_genesis_hash_and_links_every_entry():
    assert CHAIN[0].seq == 1 and CHAIN[0].prev_hash == GENESIS_HASH == "0" * 64
    for before, after in zip(CHAIN, CHAIN[1:], strict=False):
        assert after.seq == before.seq + 1 and after.prev_hash == before.entry_hash
        assert after.intact()


@pytest.mark.parametrize("facts", [
    {"name": "张三"}, {"Display-Name": "x"}, {"nested": {"citizen_id": "x"}}, {"phone": "x"},
    {"who": "11010519491231002X"}, {"list": ["13800138000"]}, {"contact": "someone@example.com"},
    {"bad": float("nan")}, {"bad": object()}, {1: "non-string key"}, {"big": "x" * 5000},
])
def test_facts_with_personal_content_or_not_small_json_are_refused(facts):
    with pytest.raises(FactsRefused) as info:
        encode_facts(facts)
    assert info.value.message_zh and info.value.message_en


def test_facts_of_ids_codes_counts_and_hashes_are_accepted_and_canonical():
    text = encode_facts({"subject_id": 7, "identifier_kind": "uscc", "identifier_sha256": "ab" * 32,
                         "kind": "legal_person", "count": 3, "ratio": 0.5, "ok": True, "none": None,
                         "items": [1, 2]})
    assert text == canonical_json(json.loads(text))
    assert " " not in text


def _numbered(body17: str) -> str:
    return body17 + citizen_id_check_character(body17)


@pytest.mark.parametrize(("value", "a_citizen_number"), [
    ("11010519491231002X", True),                        # the standard's own example
    (" 11010519491231002x\n", True),                     # lower-case x, white space around it
    ("１１０１０５１９４９１２３１００２X", True),              # full-width digits
    (_numbered("93000020000101001"), True),              # a foreign permanent resident's number
    ("110105194912310020", False),                       # a wrong check character
    (_numbered("00010519491231002"), False),             # no province-level address code
    (_numbered("11010519490230002"), False),             # 30 February: no such day
    (_numbered("11010518491231002"), False),             # born before 1850
    ("110105491231002", False),                          # 15 digits, first generation
    ("110105-19491231-002X", False),                     # not as written: separators
    ("ORDER-202603180001", False),
])
def test_facts_refuse_exactly_what_is_citizen_id_accepts(value, a_citizen_number):
    assert is_citizen_id(value) is a_citizen_number
    if a_citizen_number:
        with pytest.raises(FactsRefused, match="citizen identity number"):
            encode_facts({"reference": value})
    else:
        assert json.loads(encode_facts({"reference": value})) == {"reference": value}


@pytest.mark.parametrize(("field", "value"), [
    ("action", "Subject Registered"), ("action", "subject"), ("entity", "Subject"), ("actor", ""),
    ("entity_id", ""),
])
def test_malformed_events_are_refused(field, value):
    event = {**_events(1)[0], field: value}
    with pytest.raises(LedgerError):
        make_entry(Head.genesis(), **event)


# --------------------------------------------------------------------------------------------------
# Checkpoints


def test_a_checkpoint_signs_seq_hash_time_and_key_id():
    (cp,) = _checkpoints(CHAIN, 10)
    assert cp.key_id == key_id(KEY.public_key()) and len(cp.key_id) == 16
    assert cp.payload() == canonical_json({"seq": 10, "entry_hash": CHAIN[9].entry_hash,
                                           "at": encode_time(cp.at), "key_id": cp.key_id}).encode()
    assert signature_valid(cp, {cp.key_id: KEY.public_key()})
    assert not signature_valid(cp, {cp.key_id: OTHER_KEY.public_key()})
    assert Checkpoint.from_dict(cp.to_dict()) == cp


def test_an_empty_ledger_cannot_be_checkpointed():
    with pytest.raises(LedgerError):
        sign_checkpoint(KEY, seq=0, entry_hash=GENESIS_HASH, at=T0)


# --------------------------------------------------------------------------------------------------
# No false alarms


def test_a_clean_chain_verifies_with_its_checkpoints_and_head():
    report = _verify(CHAIN, cps=_checkpoints(CHAIN, 10, 20, 50), head=_head(CHAIN))
    assert report.ok and report.entries == 50 and report.checkpoints == 3
    assert report.problem is None and report.first_bad_seq is None and report.last_good_seq == 50
    assert report.message_zh and report.message_en


def test_an_empty_chain_verifies():
    assert _verify([], head=Head.genesis()).ok
    assert _verify([]).ok


@given(st.integers(min_value=0, max_value=40), st.lists(st.integers(min_value=1, max_value=40), max_size=5))
@settings(max_examples=60, deadline=None)
def test_no_false_alarms_for_any_length_and_any_checkpoints(n, cp_seqs):
    chain = CHAIN[:n]
    cps = _checkpoints(chain, *sorted({s for s in cp_seqs if s <= n}))
    report = _verify(chain, cps=cps, head=_head(chain))
    assert report.ok, report


# --------------------------------------------------------------------------------------------------
# Any modified byte


CHAIN_CHECKPOINTS = _checkpoints(CHAIN, 25, 50)


def _field_bytes(entry: Entry, name: str) -> bytes:
    value = getattr(entry, name)
    if name == "seq":
        return str(value).encode()
    if name == "at":
        return encode_time(value).encode()
    return value.encode("utf-8")


def _with_byte(entry: Entry, name: str, position: int, new: int) -> Entry | None:
    """``entry`` with one byte of one field's stored form replaced (None if that is not storable)."""
    data = bytearray(_field_bytes(entry, name))
    if data[position] == new:
        return None
    data[position] = new
    if name == "seq":
        try:
            seq = int(data.decode("ascii"))
        except ValueError:
            return None  # not an integer: an integer column cannot hold it
        return None if seq == entry.seq else entry.replace(seq=seq)
    return entry.replace(**{name: bytes(data).decode("utf-8", "surrogateescape")})


def _assert_detected_at(chain: list[Entry], index: int, tampered: Entry) -> None:
    bad = [*chain[:index], tampered, *chain[index + 1:]]
    report = _verify(bad, cps=CHAIN_CHECKPOINTS, head=_head(chain))
    assert not report.ok
    assert report.first_bad_seq == index + 1, (tampered, report)
    renumbered = tampered.seq != index + 1
    expected = {ProblemKind.missing, ProblemKind.reordered} if renumbered else {ProblemKind.modified}
    assert report.problem in expected, report


def test_every_single_byte_modification_of_every_field_of_every_entry_is_detected():
    checked = 0
    for index, entry in enumerate(CHAIN):
        for name in FIELDS:
            for position in range(len(_field_bytes(entry, name))):
                original = _field_bytes(entry, name)[position]
                tampered = _with_byte(entry, name, position, original ^ 0x01)
                if tampered is None:
                    continue
                _assert_detected_at(CHAIN, index, tampered)
                checked += 1
    assert checked > 50 * 200


@given(index=st.integers(min_value=0, max_value=49), name=st.sampled_from(FIELDS), data=st.data())
@settings(max_examples=400, deadline=None)
def test_any_modified_byte_anywhere_is_detected_at_its_entry(index, name, data):
    entry = CHAIN[index]
    raw = _field_bytes(entry, name)
    position = data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="position")
    new = data.draw(st.integers(min_value=0, max_value=255).filter(lambda b: b != raw[position]),
                    label="byte")
    tampered = _with_byte(entry, name, position, new)
    if tampered is not None:
        _assert_detected_at(CHAIN, index, tampered)


# --------------------------------------------------------------------------------------------------
# Removed, reordered, forged


@pytest.mark.parametrize("index", [0, 1, 24, 48])
def test_a_removed_entry_is_named(index):
    report = _verify(CHAIN[:index] + CHAIN[index + 1:], head=_head(CHAIN))
    assert (report.ok, report.problem, report.first_bad_seq) == (False, ProblemKind.missing, index + 1)
    assert report.entries == index


def test_a_removed_last_entry_is_caught_by_the_head():
    report = _verify(CHAIN[:-1], head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.missing, 50)


def test_a_truncated_tail_is_caught_by_a_later_checkpoint_even_without_the_head():
    report = verify_chain(CHAIN[:40], checkpoints=_checkpoints(CHAIN, 20, 45), public_keys=KEY.public_key())
    assert (report.problem, report.first_bad_seq) == (ProblemKind.missing, 41)


@pytest.mark.parametrize(("i", "j"), [(0, 1), (10, 11), (5, 30), (48, 49)])
def test_swapped_entries_are_named_as_reordered(i, j):
    swapped = CHAIN[:]
    swapped[i], swapped[j] = swapped[j], swapped[i]
    report = _verify(swapped, head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.reordered, i + 1)


@pytest.mark.parametrize(("i", "j"), [(0, 1), (10, 11), (5, 30), (47, 49)])
def test_swapped_contents_under_unchanged_numbers_are_named_as_reordered(i, j):
    """What a swap looks like in a table ordered by seq: two rows exchange everything but seq."""
    swapped = CHAIN[:]
    swapped[i], swapped[j] = CHAIN[j].replace(seq=i + 1), CHAIN[i].replace(seq=j + 1)
    report = _verify(swapped, head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.reordered, i + 1)


def _forge(entry: Entry, prev_hash: str, **changes) -> Entry:  # type: ignore[no-untyped-def]
    """What an attacker who can compute SHA-256 writes: changed content, consistently re-hashed."""
    forged = entry.replace(prev_hash=prev_hash, **changes)
    return forged.replace(entry_hash=forged.recomputed_hash())


@pytest.mark.parametrize("index", [0, 3, 25, 48])
def test_a_re_hashed_replacement_is_named_as_forged(index):
    chain = CHAIN[:]
    chain[index] = _forge(CHAIN[index], CHAIN[index].prev_hash, facts='{"n":-1}')
    report = _verify(chain, head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.forged, index + 1)


def test_a_forged_insertion_claiming_an_existing_seq_is_named():
    forged = _forge(CHAIN[10], CHAIN[9].entry_hash, action="record.revoked")
    report = _verify([*CHAIN[:10], forged, *CHAIN[10:]], head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.forged, 11)


def test_a_forged_insertion_with_renumbering_is_detected_at_the_insertion():
    forged = _forge(CHAIN[10], CHAIN[9].entry_hash, action="record.revoked")
    renumbered = [e.replace(seq=e.seq + 1) for e in CHAIN[10:]]
    report = _verify([*CHAIN[:10], forged, *renumbered], head=_head(CHAIN))
    assert not report.ok and report.first_bad_seq in (11, 12)


def test_a_consistently_rewritten_chain_diverges_from_the_signed_checkpoint():
    """An attacker rewrites entry 15 and re-hashes everything after it, head included: only the
    signature over entry 20's original hash, which they cannot re-sign, shows it."""
    rewritten = CHAIN[:14]
    prev = CHAIN[13].entry_hash
    for entry in CHAIN[14:]:
        changes = {"facts": '{"n":0}'} if entry.seq == 15 else {}
        forged = _forge(entry, prev, **changes)
        rewritten.append(forged)
        prev = forged.entry_hash
    cps = _checkpoints(CHAIN, 10, 20, 30)
    report = _verify(rewritten, cps=cps, head=_head(rewritten))
    assert (report.problem, report.first_bad_seq, report.last_good_seq) == (ProblemKind.forged, 11, 10)
    assert "20" in report.message_en and "检查点" in report.message_zh
    # Without checkpoints there is nothing it can be told apart from: that is what checkpoints are for.
    assert _verify(rewritten, head=_head(rewritten)).ok


def test_a_rewritten_tail_under_an_unchanged_head_is_a_head_mismatch():
    rewritten = [*CHAIN[:49], _forge(CHAIN[49], CHAIN[48].entry_hash, facts="{}")]
    report = _verify(rewritten, head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.head_mismatch, 50)


def test_entries_beyond_the_head_are_forged():
    extra = make_entry(_head(CHAIN), **_events(1, 50)[0])
    report = _verify([*CHAIN, extra], head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.forged, 51)


def test_a_missing_head_row_is_reported():
    report = verify_chain(CHAIN, check_head=True, head=None)
    assert report.problem == ProblemKind.head_mismatch


# --------------------------------------------------------------------------------------------------
# Signatures


def test_a_tampered_signature_is_a_bad_signature():
    (cp,) = _checkpoints(CHAIN, 20)
    flipped = cp.signature[:10] + ("0" if cp.signature[10] != "0" else "1") + cp.signature[11:]
    forged = Checkpoint(cp.seq, cp.entry_hash, cp.at, cp.key_id, flipped)
    report = _verify(CHAIN, cps=[forged], head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.bad_signature, 20)


def test_a_checkpoint_whose_hash_was_changed_no_longer_verifies():
    (cp,) = _checkpoints(CHAIN, 20)
    moved = Checkpoint(cp.seq, CHAIN[20].entry_hash, cp.at, cp.key_id, cp.signature)
    assert _verify(CHAIN, cps=[moved], head=_head(CHAIN)).problem == ProblemKind.bad_signature


def test_a_checkpoint_signed_by_another_key_is_a_bad_signature():
    cps = _checkpoints(CHAIN, 30, key=OTHER_KEY)
    report = _verify(CHAIN, cps=cps, head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.bad_signature, 30)
    assert "unknown key" in report.message_en
    # ...and verifies once that key is given too (a rotated, older key)
    assert _verify(CHAIN, cps=cps, head=_head(CHAIN), keys=[KEY.public_key(), OTHER_KEY.public_key()]).ok


def test_the_first_problem_wins():
    chain = CHAIN[:]
    chain[30] = chain[30].replace(actor="operator:x")
    del chain[10]
    report = _verify(chain, head=_head(CHAIN))
    assert (report.problem, report.first_bad_seq) == (ProblemKind.missing, 11)


def test_the_report_as_json_has_the_fields_scripts_read():
    body = _verify(CHAIN[:5] + CHAIN[6:], head=_head(CHAIN)).to_dict()
    wanted = {"ok", "entries", "checkpoints", "first_bad_seq", "problem", "message_en", "message_zh"}
    assert wanted <= set(body)
    assert body["ok"] is False and body["problem"] == "missing" and body["first_bad_seq"] == 6


# --------------------------------------------------------------------------------------------------
# Malformed values, checkpoints kept outside the database, the time bound, witnesses


@pytest.mark.parametrize(("field", "value"), [
    ("at", "not a time"), ("at", None), ("actor", 42), ("actor", ""), ("action", "Not An Action"),
    ("entity", None), ("entity_id", 7), ("facts", "{oops"), ("facts", "[]"), ("facts", None),
    ("prev_hash", None), ("prev_hash", "Z" * 64), ("entry_hash", None), ("entry_hash", "e" * 63),
])
def test_a_malformed_value_is_named_by_its_field_not_raised(field, value):
    chain = list(CHAIN[:10])
    chain[6] = chain[6].replace(**{field: value})
    report = _verify(chain)
    assert (report.ok, report.problem, report.first_bad_seq, report.field) == (False, ProblemKind.modified, 7, field)
    assert field in report.message_en and field in report.message_zh
    assert report.to_dict()["field"] == field


def test_anchored_checkpoints_the_database_lacks_or_holds_otherwise_are_problems():
    from xinyong.domain.audit.verification import check_checkpoints

    keys = {key_id(KEY): KEY.public_key()}
    five, ten = _checkpoints(CHAIN, 5, 10)
    other_ten = sign_checkpoint(KEY, seq=10, entry_hash="e" * 64, at=T0)
    forged = sign_checkpoint(OTHER_KEY, seq=15, entry_hash=CHAIN[14].entry_hash, at=T0)
    problems, valid = check_checkpoints([five, other_ten], [("file", five), ("file", ten), ("w", forged)], keys,
                                        last_seq=50, every=5)
    kinds = {(p.kind, p.seq) for p in problems}
    assert (ProblemKind.checkpoint_mismatch, 10) in kinds and (ProblemKind.bad_signature, 15) in kinds
    assert (ProblemKind.checkpoint_missing, 15) in kinds  # expected every 5 entries, and 15 is nowhere
    assert valid == [five, ten]
    assert check_checkpoints([five, ten], [("file", five), ("file", ten)], keys, last_seq=12, every=5) == ([],
                                                                                                         [five, ten])


def test_an_entry_later_than_the_time_bound_after_the_last_checkpoint_is_overdue():
    events = _events(12)
    for i, event in enumerate(events):
        event["at"] = T0 + timedelta(seconds=10 * i)
    chain = make_chain(events)
    cps = [sign_checkpoint(KEY, seq=5, entry_hash=chain[4].entry_hash, at=chain[4].at)]
    # Entry 12 is 110 s after the first entry and 70 s after the checkpoint at 5 (stamped at entry 5).
    assert verify_chain(chain, checkpoints=cps, public_keys=KEY.public_key(), seconds=71).ok
    late = verify_chain(chain, checkpoints=cps, public_keys=KEY.public_key(), seconds=70)
    assert (late.problem, late.first_bad_seq, late.last_good_seq) == (ProblemKind.overdue_checkpoint, 12, 5)
    assert verify_chain(chain, public_keys=KEY.public_key(), seconds=100).first_bad_seq == 11  # from entry 1


def test_a_witness_keeps_only_what_extends_what_it_holds():
    from xinyong.domain.audit.checkpoints import Admission, admit

    ten, twenty = _checkpoints(CHAIN, 10, 20)
    other_twenty = sign_checkpoint(KEY, seq=20, entry_hash="e" * 64, at=T0)
    assert admit(ten, None, None) is Admission.accepted
    assert admit(twenty, ten, None) is Admission.accepted
    assert admit(twenty, twenty, twenty) is Admission.held
    assert admit(other_twenty, twenty, twenty) is Admission.inconsistent
    assert admit(ten, twenty, None) is Admission.stale
