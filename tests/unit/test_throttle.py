"""``services.throttle``: the ``limits`` moving window on an injected clock — parallel attempts cannot
overrun a window, and keys whose entries expired are dropped, so memory follows one window."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from xinyong.domain.platform.clock import FixedClock
from xinyong.services.identity.throttle import ClockStorage, SignInThrottle


def test_parallel_attempts_take_at_most_the_limit() -> None:
    throttle = SignInThrottle(FixedClock(datetime(2026, 3, 18, tzinfo=UTC)), per_account=5, per_address=100,
                              window_minutes=15)
    outcomes: list[object] = []
    start = threading.Barrier(40)

    def go() -> None:
        start.wait()
        outcomes.append(throttle.attempt("alice", "192.0.2.1"))

    threads = [threading.Thread(target=go) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(None) == 5
    refused = [o for o in outcomes if o is not None]
    assert all(o.by == "account" for o in refused) and sum(o.first for o in refused) == 1


def test_expired_keys_are_swept(monkeypatch) -> None:
    clock = FixedClock(datetime(2026, 3, 18, tzinfo=UTC))
    monkeypatch.setattr(ClockStorage, "SWEEP_EVERY", 10)
    throttle = SignInThrottle(clock, per_account=5, per_address=10_000, window_minutes=15)
    for n in range(500):
        throttle.attempt(f"name-{n}", "192.0.2.1")
    assert throttle.stats()["keys"] == 501
    clock.advance(minutes=16)
    for n in range(10):
        throttle.attempt(f"later-{n}", "192.0.2.2")
    assert throttle.stats()["keys"] <= 12
