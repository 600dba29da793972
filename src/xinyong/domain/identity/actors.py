"""Who is acting: every service call names its actor, and the audit ledger records it.

``Actor`` is the one type for who asks (a role, a principal, an organisation); ``Caller`` is a signed-in
caller of the API or the portal: its actor and what its credentials are bound to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    public = "public"                      # anonymous member of the public
    subject = "subject"                    # a real-name verified credit subject, about itself
    providing_unit = "providing_unit"      # department, court, public enterprise submitting records
    duty_department = "duty_department"    # a department inquiring by duty at a point of service
    service_institution = "service_institution"  # credit service institution under an agreement
    operator = "operator"                  # the platform operator (the center)
    competent_department = "competent_department"  # supervisor
    administrator = "administrator"
    system = "system"                      # the platform itself: sweeps, migrations, demo loading


CITIZEN_ROLES = frozenset({Role.public, Role.subject})
"""The roles of a natural person's own account: one not yet verified (``public``) or a credit subject.
Only such an account, with no organisation, may bind itself to a person by real-name verification;
an organisation's account (a department, a unit, an institution, the operator) never can."""


@dataclass(frozen=True)
class Actor:
    role: Role
    principal: str                         # user or token id, never a personal identifier
    organisation: str | None = None        # unit / department / institution code

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(Role.system, what)

    def label(self) -> str:
        org = f"@{self.organisation}" if self.organisation else ""
        return f"{self.role.value}:{self.principal}{org}"


@dataclass(frozen=True)
class Caller:
    """Who calls the API or the portal: the actor, and what the credentials are bound to.

    ``user_id`` for an account (a user token or a portal session), ``subject_id`` for an account bound to
    a credit subject, ``unit_code`` for a providing unit's token. ``username``, ``verified_at`` and
    ``verified_method`` (the real-name verification) are read with a portal session; a bearer token's
    lookup leaves them None. ``secret`` is the portal session's secret (the seed of its CSRF tokens),
    never shown in ``repr``."""

    actor: Actor
    user_id: int | None = None
    username: str | None = None
    subject_id: int | None = None
    unit_code: str | None = None
    verified_at: datetime | None = None
    verified_method: str | None = None
    secret: str | None = field(default=None, repr=False)

    @property
    def verified(self) -> bool:
        """A real-name verified credit subject (as read with a portal session: ``verified_at`` is set)."""
        return self.actor.role is Role.subject and self.subject_id is not None and self.verified_at is not None
