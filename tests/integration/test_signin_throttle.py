"""Sign-in throttling (``services.auth.sign_in``, ``services.throttle``) on a real database (SQLite, and
PostgreSQL with XINYONG_TEST_DATABASE_URL): failures counted per account and per client address in a
moving window on the injected clock; a throttled attempt is refused before any password hash; an
unknown account costs no Argon2 hash; refused sign-ins grow the ledger by a bounded number of entries.
No test sleeps: the platform's clock moves."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.identity import accounts as auth
from xinyong.services.identity.throttle import for_platform
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.ledger import LedgerEntry

PASSWORD = "correct horse battery"  # noqa: S105 - a test password
ACTOR = Actor.system("test-auth")
PER_ACCOUNT, PER_ADDRESS, WINDOW = 3, 6, 15
HERE, THERE = "192.0.2.1", "198.51.100.7"


@pytest.fixture
def small(settings, clock):  # type: ignore[no-untyped-def]
    """A platform with small thresholds (3 per account, 6 per address, 15 minutes) and two accounts."""
    p = Platform.from_settings(settings.model_copy(update={
        "signin_failures_per_account": PER_ACCOUNT, "signin_failures_per_address": PER_ADDRESS,
        "signin_window_minutes": WINDOW}), clock=clock)
    with p.unit_of_work(Actor.system("seed")) as uow:
        for name in ("alice", "bob"):
            auth.create_user(uow, username=name, role=Role.duty_department, password=PASSWORD, organisation="d")
    yield p
    p.engine.dispose()


class CountingHasher:
    """Stands in for the Argon2 hasher and counts every hash computed (verify, hash)."""

    def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
        self.real, self.calls = real, 0

    def verify(self, stored: str, password: str) -> bool:
        self.calls += 1
        return self.real.verify(stored, password)

    def hash(self, password: str) -> str:
        self.calls += 1
        return self.real.hash(password)

    def check_needs_rehash(self, stored: str) -> bool:
        return self.real.check_needs_rehash(stored)


@pytest.fixture
def hasher(monkeypatch):  # type: ignore[no-untyped-def]
    counting = CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", counting)
    return counting


def attempt(platform: Platform, username: str, password: str, address: str | None = HERE) -> str:
    """``ok``, or the reason the sign-in was refused."""
    try:
        auth.sign_in(platform, ACTOR, username, password, address)
    except Refusal as exc:
        return exc.reason
    return "ok"


def auth_entries(platform: Platform) -> int:
    with platform.sessions() as session:
        return session.scalar(select(func.count()).select_from(LedgerEntry)
                              .where(LedgerEntry.action.like("auth.%"))) or 0


def test_after_n_failures_even_the_right_password_is_throttled(small, hasher) -> None:  # type: ignore[no-untyped-def]
    assert [attempt(small, "alice", "wrong") for _ in range(PER_ACCOUNT)] == ["bad_credentials"] * PER_ACCOUNT
    calls = hasher.calls
    with pytest.raises(Refusal) as refused:
        auth.sign_in(small, ACTOR, "alice", PASSWORD, HERE)
    assert refused.value.reason == "sign_in_throttled" and refused.value.message_zh and refused.value.message_en
    retry_after = refused.value.extra["retry_after"]
    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == str(retry_after)
    assert 0 < retry_after <= WINDOW * 60
    assert hasher.calls == calls                                # refused before any password hash
    assert attempt(small, "alice", PASSWORD, THERE) == "sign_in_throttled"       # per account, any address


def test_another_account_and_another_address_are_unaffected(small) -> None:  # type: ignore[no-untyped-def]
    for _ in range(PER_ACCOUNT + 2):
        attempt(small, "alice", "wrong")
    assert attempt(small, "alice", PASSWORD) == "sign_in_throttled"
    assert attempt(small, "bob", PASSWORD) == "ok"              # the same address, another account
    # the address's own limit: failures over many names from one address
    outcomes = [attempt(small, f"nobody-{n}", "wrong") for n in range(PER_ADDRESS)]
    assert outcomes.count("bad_credentials") == PER_ADDRESS - PER_ACCOUNT    # alice's 3 counted there too
    assert attempt(small, "bob", PASSWORD) == "sign_in_throttled"            # this address is spent
    assert attempt(small, "bob", PASSWORD, THERE) == "ok"                    # from another address: fine


def test_after_the_window_it_works_again(small, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(PER_ACCOUNT):
        attempt(small, "alice", "wrong")
    with pytest.raises(Refusal) as refused:
        auth.sign_in(small, ACTOR, "alice", PASSWORD, HERE)
    assert refused.value.reason == "sign_in_throttled"
    clock.advance(seconds=refused.value.extra["retry_after"] - 1)
    assert attempt(small, "alice", PASSWORD) == "sign_in_throttled"          # not quite yet
    clock.advance(seconds=1)
    assert attempt(small, "alice", PASSWORD) == "ok"
    clock.advance(minutes=WINDOW)
    assert attempt(small, "alice", "wrong") == "bad_credentials"             # counted afresh


def test_a_moving_window_not_a_fixed_one(small, clock) -> None:  # type: ignore[no-untyped-def]
    attempt(small, "alice", "wrong")
    clock.advance(minutes=10)
    attempt(small, "alice", "wrong")
    attempt(small, "alice", "wrong")
    assert attempt(small, "alice", PASSWORD) == "sign_in_throttled"
    clock.advance(minutes=5, seconds=1)              # the first failure left the window; the others not
    assert attempt(small, "alice", "wrong") == "bad_credentials"
    assert attempt(small, "alice", PASSWORD) == "sign_in_throttled"


def test_a_successful_sign_in_is_unaffected_and_counts_nothing(small) -> None:  # type: ignore[no-untyped-def]
    for _ in range(PER_ACCOUNT - 1):
        attempt(small, "alice", "wrong")
    assert attempt(small, "alice", PASSWORD) == "ok"            # and the account's failures are forgotten
    assert [attempt(small, "alice", "wrong") for _ in range(PER_ACCOUNT)] == ["bad_credentials"] * PER_ACCOUNT
    for _ in range(PER_ADDRESS + 2):                            # successes never fill the address's window
        assert attempt(small, "bob", PASSWORD) == "ok"


def test_an_unknown_account_costs_no_argon2_hash(small, hasher) -> None:  # type: ignore[no-untyped-def]
    assert attempt(small, "no-such-user", "whatever") == "bad_credentials"
    assert hasher.calls == 0
    assert attempt(small, "alice", "wrong") == "bad_credentials"
    assert hasher.calls == 1                                    # a known account's password is checked
    for _ in range(PER_ACCOUNT):
        attempt(small, "no-such-user", "whatever")
    assert attempt(small, "no-such-user", "whatever") == "sign_in_throttled"     # throttled like a real one
    assert hasher.calls == 1


def test_refusals_grow_the_ledger_by_a_bounded_amount(small, hasher) -> None:  # type: ignore[no-untyped-def]
    before = auth_entries(small)
    outcomes = [attempt(small, "alice", "wrong") for _ in range(1000)]
    assert outcomes.count("bad_credentials") == PER_ACCOUNT and outcomes.count("sign_in_throttled") == 997
    assert hasher.calls == PER_ACCOUNT
    # one entry per counted failure, one for the first throttled refusal of the window
    assert auth_entries(small) - before == PER_ACCOUNT + 1
    spray = [attempt(small, f"guess-{n}", "wrong", THERE) for n in range(1000)]
    assert spray.count("bad_credentials") == PER_ADDRESS
    assert auth_entries(small) - before == PER_ACCOUNT + 1 + PER_ADDRESS + 1
    # memory holds what counted (alice, the two addresses, the guesses that were counted, two "refused
    # once" marks), not the thousand names tried
    assert for_platform(small).stats()["keys"] == 1 + 2 + PER_ADDRESS + 2
    with small.sessions() as session:
        facts = [e.facts_dict() for e in session.scalars(select(LedgerEntry)
                                                        .where(LedgerEntry.action == "auth.throttled"))]
    assert [f["by"] for f in facts] == ["account", "address"]
    assert all(set(f) == {"username_sha256", "by", "window_minutes"} for f in facts)   # digests, no names


def test_the_default_thresholds_come_from_the_settings(platform) -> None:  # type: ignore[no-untyped-def]
    throttle = for_platform(platform)
    s = platform.settings
    assert (throttle.account.amount, throttle.address.amount, throttle.window_minutes) == \
        (s.signin_failures_per_account, s.signin_failures_per_address, s.signin_window_minutes) == (5, 20, 15)
