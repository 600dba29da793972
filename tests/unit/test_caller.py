"""The signed-in caller: one type for the API and the portal."""

from __future__ import annotations

from datetime import UTC, datetime

from xinyong.domain.identity.actors import Actor, Caller, Role


def test_a_portal_sessions_secret_never_shows_in_the_callers_repr() -> None:
    caller = Caller(Actor(Role.subject, "user:7"), user_id=7, username="li", subject_id=3,
                    secret="s3cr3t-session-value")
    assert "s3cr3t-session-value" not in repr(caller) and "user:7" in repr(caller)


def test_verified_means_a_subject_bound_by_real_name() -> None:
    at = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
    assert Caller(Actor(Role.subject, "user:7"), user_id=7, subject_id=3, verified_at=at).verified
    assert not Caller(Actor(Role.subject, "user:7"), user_id=7, subject_id=3).verified
    assert not Caller(Actor(Role.public, "user:7"), user_id=7, verified_at=at).verified
    assert not Caller(Actor(Role.duty_department, "user:8", "dept"), user_id=8, subject_id=3, verified_at=at).verified
