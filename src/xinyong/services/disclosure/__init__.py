"""Disclosure: the one read path of credit records through the access policy, with the inquiry log
written before anything is served — inquiries, explanations and public listings (``inquiry``), what
they answer and disclosure's own refusals (``results``), the rule values the policy reads and records'
display periods (``rules_in_force``), the statements that read records (``statements``), the inquiry
log's group-commit writer (``writer``), withheld positive information and objection labels (``marks``),
the personal-data rescan (``rescan``); written authorizations (``authorizations``), the inquiry log
and its retention (``inquiry_log``), organisation lookup and double publicity (``public``),
departments' registered duty purposes (``duty_purposes``); a record as the workflows name it, by
id or as ``unit/record_key``, without its content, and its minimum publicity period (``references``)."""

from xinyong.services.disclosure.inquiry import explain, inquire, inquire_async, public_listing
from xinyong.services.disclosure.marks import (
    close_objection_label,
    label_objection,
    release_positive,
    withhold_positive,
)
from xinyong.services.disclosure.references import MinimumPublicity, RecordRef, minimum_publicity, resolve_record
from xinyong.services.disclosure.rescan import scan_personal_data

__all__ = [
    "close_objection_label",
    "explain",
    "inquire",
    "inquire_async",
    "label_objection",
    "MinimumPublicity",
    "minimum_publicity",
    "public_listing",
    "RecordRef",
    "resolve_record",
    "release_positive",
    "scan_personal_data",
    "withhold_positive",
]
