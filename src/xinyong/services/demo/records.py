"""Demo step: a providing unit's submissions, in every bulk format, through the ordinary import.

``demo/files/`` holds what the demo market regulator submits, in this order: ``standard-penalties.csv``
(UTF-8 with BOM, the full headers), ``standard-permits.xlsx`` (the short headers) and
``standard-penalties.jsonl`` (element codes), laid out in the national double-publicity standard as
departments send them; then ``registrations.xlsx`` (registrations),
``penalties.csv`` (UTF-8: administrative penalties), ``permits-gb18030.csv`` (GB18030, Chinese column
labels: administrative permits) and ``corrections.jsonl`` (a correction with its reason, one without,
an unchanged row, a malformed line); and from another department, ``commendations.jsonl``
(``development-reform``: 张明's and two companies' commendations). Each file mixes good rows with
rows that show a rejection reason (``demo/files/README.md`` lists them); which of those are refused
depends on the regulation in force — a forbidden-data or simplified-procedure row is refused only where
the rule file has the rule (and under a prior-notice rule, aggregation.prior_notice, a standard penalty row whose
subject the unit recorded no notice for: the standard has no column for the notice's reference, so the notice is
found by subject and item).

The written notices the penalty rows cite (``aggregation.prior_notice``) are recorded first, as a unit
would. A newcomer sees
the result with ``xinyong batches show 1`` … and ``xinyong batches errors N -o errors.csv``, or imports a
file again by hand: ``xinyong import src/xinyong/demo/files/penalties.csv --unit market-regulation``.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.aggregation import batches, notices
from xinyong.services.identity import units
from xinyong.services.platform.bootstrap import Platform

UNIT = "market-regulation"
# First, as departments send them: the national double-publicity layout, no column renamed. Imported
# before the others so that the demo's own records stay the newest (first in public listings).
FILES = ("standard-penalties.csv", "standard-permits.xlsx", "standard-penalties.jsonl",
         "registrations.xlsx", "penalties.csv", "permits-gb18030.csv", "corrections.jsonl")
# Then other departments' submissions: (file, the unit that sends it). Commendations (positive information),
# so that 张明 and the demo companies have a record worth seeing beside their penalties.
OTHER_FILES = (("commendations.jsonl", "development-reform"),)
NOTICES = (  # (identifier, subject name, reference): the written notices before delivery (aggregation.prior_notice)
    ("91500000MA5U0AB10L", "示范建设工程有限公司", "示市监告〔2025〕1号"),
    ("91500103MA60XY2K06", "示范食品贸易有限公司", "示市监告〔2025〕2号"),
    ("510107197811213459", "王芳", "示市监告〔2025〕3号"),
)
NOTICES_SERVED_ON = date(2025, 6, 1)


def load_records(platform: Platform) -> dict[str, Any]:
    """Record the demo notices and import the demo files for the demo unit (if the catalog step made it)."""
    with platform.sessions() as session:
        try:
            units.get_unit(session, UNIT)
        except Refusal as refused:
            if refused.reason != "unit_not_found":
                raise
            return {"records_note": f"no demo unit {UNIT}: no demo submissions"}
    actor = Actor(Role.providing_unit, "demo", UNIT)
    for identifier, name, reference in NOTICES:
        try:
            with platform.unit_of_work(actor) as uow:
                notices.record_prior_notice(uow, unit_code=UNIT, identifier=identifier, subject_name=name,
                                            item_code="admin_penalty", reference=reference,
                                            served_on=NOTICES_SERVED_ON)
        except Refusal as exc:
            if exc.reason != "duplicate":
                raise
    summary = {"batches": 0, "records_accepted": 0, "rows_rejected": 0}
    folder = resources.files("xinyong.demo").joinpath("files")
    sent = [(name, UNIT) for name in FILES] + [f for f in OTHER_FILES if _granted(platform, f[1], "commendation")]
    for name, unit in sent:
        sender = actor if unit == UNIT else Actor(Role.providing_unit, "demo", unit)
        with resources.as_file(folder.joinpath(name)) as path:
            batch = batches.import_file(platform, sender, unit, path, filename=name)
        summary["batches"] += 1
        summary["records_accepted"] += batch.accepted
        summary["rows_rejected"] += batch.rejected
    return summary


def _granted(platform: Platform, unit: str, item: str) -> bool:
    """The demo unit exists and may send the item (the jurisdiction's catalog has it)."""
    with platform.sessions() as session:
        try:
            return item in units.get_unit(session, unit).items
        except Refusal:
            return False
