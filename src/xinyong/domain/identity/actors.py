"""Who is acting: every service call names its actor, and the audit ledger records it."""

from __future__ import annotations

from dataclasses import dataclass
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
