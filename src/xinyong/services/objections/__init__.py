"""Objections (异议): filed by a subject or its representative, or registered at the counter; the records
labelled, decided by the center or transferred to the providing unit, the written result, re-examination
where the regulation provides it; every step a duty with its due date: the steps (``handling``), a credit
service institution's steps on an objection made to it (``institutions``), corrections passed on to the
organisations that received copies (``corrections``) and the objection as read (``views``)."""

from xinyong.services.objections.corrections import acknowledge as acknowledge_correction
from xinyong.services.objections.corrections import forward as forward_corrections
from xinyong.services.objections.corrections import inbox as correction_inbox
from xinyong.services.objections.handling import (
    EVIDENCE_BYTES_MAX,
    EVIDENCE_FILES_MAX,
    GROUNDS_MAX,
    REEXAMINATION_OUTCOMES,
    acting_unit,
    add_evidence,
    decide,
    decide_reexamination,
    file_objection,
    grounds_digest,
    pause,
    refuse,
    request_reexamination,
    resume,
    transfer,
)
from xinyong.services.objections.institutions import decide as institution_decide
from xinyong.services.objections.institutions import label as institution_label
from xinyong.services.objections.views import (
    Evidence,
    ObjectionView,
    evidence_file,
    get_objection,
    list_objections,
)

__all__ = [
    "EVIDENCE_BYTES_MAX", "EVIDENCE_FILES_MAX", "GROUNDS_MAX", "REEXAMINATION_OUTCOMES", "acknowledge_correction",
    "acting_unit", "add_evidence", "correction_inbox", "decide", "decide_reexamination", "Evidence", "evidence_file",
    "file_objection", "forward_corrections", "get_objection", "grounds_digest", "institution_decide",
    "institution_label", "list_objections", "ObjectionView", "pause", "refuse", "request_reexamination", "resume",
    "transfer",
]
