"""Sign-in throttling: failed sign-ins counted per account and per client address in a moving window
(the ``limits`` library's moving-window strategy), on the platform's injected clock.

An attempt first takes a slot in both windows; an attempt that finds either window full is refused
before any password is checked, with the seconds until a slot frees (``Retry-After``). A failed
attempt keeps its slots; a successful one gives the address's slot back and clears the account's
failures. The slots are taken under one lock, so parallel attempts cannot overrun a window.

The counts live in this process's memory (``ClockStorage``): several server processes each keep
their own, so the effective limit is the configured one times the number of processes. Keys are a
digest of the username tried (known or not: an unknown name is throttled like a known one) and the
client address as the server sees it (behind a reverse proxy, the proxy's).
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter

from xinyong.domain.platform.clock import Clock


class ClockStorage(Storage, MovingWindowSupport):
    """An in-memory ``limits`` storage whose time is a :class:`Clock` (the platform's injected clock),
    not the wall clock: tests move time instead of sleeping. Thread-safe; keys whose entries have all
    expired are dropped as it goes, so memory follows the attempts of one window, not of all time."""

    STORAGE_SCHEME = None           # built with a clock, never from a URI
    SWEEP_EVERY = 1024

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock
        self._lock = threading.RLock()
        self._events: dict[str, list[float]] = {}           # key -> entry times, oldest first
        self._expiry: dict[str, float] = {}                 # key -> its window, seconds
        self._counters: dict[str, tuple[int, float]] = {}   # fixed-window API: key -> (count, expires at)
        self._since_sweep = 0

    def now(self) -> float:
        return self._clock.now().timestamp()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    # -- the moving window ------------------------------------------------------------------------
    def _live(self, key: str, now: float, expiry: float) -> list[float]:
        events = self._events.get(key)
        if not events:
            return []
        cut = now - expiry
        drop = 0
        while drop < len(events) and events[drop] <= cut:
            drop += 1
        if drop:
            del events[:drop]
        if not events:
            self._events.pop(key, None)
            self._expiry.pop(key, None)
        return events

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        with self._lock:
            now = self.now()
            self._sweep(now)
            events = self._live(key, now, expiry)
            if amount > limit or len(events) + amount > limit:
                return False
            self._events.setdefault(key, events).extend([now] * amount)
            self._expiry[key] = expiry
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        with self._lock:
            now = self.now()
            events = self._live(key, now, expiry)
            return (events[0], len(events)) if events else (now, 0)

    def release(self, key: str) -> None:
        """Give back the newest entry of ``key`` (an attempt that did not count after all)."""
        with self._lock:
            events = self._events.get(key)
            if events:
                events.pop()
                if not events:
                    self._events.pop(key, None)
                    self._expiry.pop(key, None)

    def _sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < self.SWEEP_EVERY:
            return
        self._since_sweep = 0
        for key in [k for k, events in self._events.items() if events[-1] <= now - self._expiry.get(k, 0)]:
            self._events.pop(key, None)
            self._expiry.pop(key, None)
        for key in [k for k, (_n, until) in self._counters.items() if until <= now]:
            self._counters.pop(key, None)

    # -- the fixed-window API every storage provides ----------------------------------------------
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self._lock:
            now = self.now()
            count, until = self._counters.get(key, (0, now + expiry))
            if until <= now:
                count, until = 0, now + expiry
            self._counters[key] = (count + amount, until)
            return count + amount

    def get(self, key: str) -> int:
        with self._lock:
            count, until = self._counters.get(key, (0, 0.0))
            return count if until > self.now() else 0

    def get_expiry(self, key: str) -> float:
        with self._lock:
            return self._counters.get(key, (0, self.now()))[1]

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            cleared = len(self._events) + len(self._counters)
            self._events.clear()
            self._expiry.clear()
            self._counters.clear()
            return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)
            self._expiry.pop(key, None)
            self._counters.pop(key, None)


@dataclass(frozen=True)
class Throttled:
    """A refused attempt: which window is full, the whole seconds until a slot frees, and whether it
    is the first refusal of that key in its window (the one a caller records in the ledger)."""

    by: str                 # account, address
    retry_after: int
    first: bool


def account_key(username: str) -> str:
    return hashlib.sha256(username.encode()).hexdigest()


def for_platform(platform: Any) -> SignInThrottle:
    """The platform's sign-in throttle: failed sign-ins per account and per client address, on the
    platform's clock, in memory (built on first use from ``XINYONG_SIGNIN_*``)."""
    throttle = platform.kept.get("signin_throttle")
    if throttle is None:
        s = platform.settings
        throttle = platform.kept.setdefault("signin_throttle", SignInThrottle(
            platform.clock, per_account=s.signin_failures_per_account,
            per_address=s.signin_failures_per_address, window_minutes=s.signin_window_minutes))
    return throttle


class SignInThrottle:
    """At most ``per_account`` failed sign-ins per account and ``per_address`` per client address in
    any ``window_minutes``."""

    def __init__(self, clock: Clock, *, per_account: int, per_address: int, window_minutes: int) -> None:
        self.storage = ClockStorage(clock)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.window_minutes = window_minutes
        self.account = RateLimitItemPerMinute(per_account, window_minutes, namespace="signin-account")
        self.address = RateLimitItemPerMinute(per_address, window_minutes, namespace="signin-address")
        self._noted = RateLimitItemPerMinute(1, window_minutes, namespace="signin-refused")
        self._lock = threading.Lock()

    @staticmethod
    def _address(address: str | None) -> str:
        return address or "-"

    def attempt(self, username: str, address: str | None) -> Throttled | None:
        """Take a slot for one attempt in both windows, or say why not (nothing is taken then)."""
        account, where = account_key(username), self._address(address)
        with self._lock:
            if not self.limiter.hit(self.account, account):
                return self._refused("account", self.account, account)
            if not self.limiter.hit(self.address, where):
                self.storage.release(self.account.key_for(account))
                return self._refused("address", self.address, where)
        return None

    def succeeded(self, username: str, address: str | None) -> None:
        """A successful sign-in: the account's failures are forgotten, the address's slot given back."""
        with self._lock:
            self.storage.clear(self.account.key_for(account_key(username)))
            self.storage.release(self.address.key_for(self._address(address)))

    def _refused(self, by: str, item: RateLimitItem, key: str) -> Throttled:
        stats = self.limiter.get_window_stats(item, key)
        retry_after = max(1, math.ceil(stats.reset_time - self.storage.now()))
        first = self.limiter.hit(self._noted, by, key)
        return Throttled(by, retry_after, first)

    def stats(self) -> dict[str, Any]:
        """How many keys the throttle holds (for tests and diagnostics)."""
        with self.storage._lock:
            return {"keys": len(self.storage._events)}
