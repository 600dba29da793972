"""Duties: every step a regulation gives a time limit is a duty someone owes (``model``: who owes it,
its state, the liability a missed one engages, the due date of a period that may run into a year no
calendar covers)."""

from xinyong.domain.duties.model import (
    LIABLE_AS,
    Liability,
    Owner,
    count_due,
    liability_for,
)

__all__ = ["LIABLE_AS", "Liability", "Owner", "count_due", "liability_for"]
