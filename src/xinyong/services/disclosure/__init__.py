"""Disclosure: the one read path of credit records through the access policy, with the inquiry log
written before anything is served (``access``: inquiries, explanations, public listings, withheld
positive information, objection labels, the personal-data rescan); written authorizations
(``authorizations``), the inquiry log and its retention (``inquiry_log``), organisation lookup and
double publicity (``public``), departments' registered duty purposes (``duty_purposes``)."""

from xinyong.services.disclosure.access import (
    close_objection_label,
    explain,
    inquire,
    inquire_async,
    label_objection,
    public_listing,
    release_positive,
    scan_personal_data,
    withhold_positive,
)

__all__ = [
    "close_objection_label",
    "explain",
    "inquire",
    "inquire_async",
    "label_objection",
    "public_listing",
    "release_positive",
    "scan_personal_data",
    "withhold_positive",
]
