"""Credit subjects' identifiers: GB 11643 and GB 32100 checks and masking (``identifiers``); natural
persons' personal data inside free text, found and masked (``personal_data``)."""

from xinyong.domain.subjects.identifiers import (
    IdentifierKind,
    SubjectKind,
    check_identifier,
    mask_identifier,
    mask_name,
)

__all__ = ["IdentifierKind", "SubjectKind", "check_identifier", "mask_identifier", "mask_name"]
