"""Credit subjects' identifiers and personal data: what a subject and an identifier can be
(``kinds``); GB 11643 and GB 32100 checks, and the one citizen-number test (``identifiers``); what a
USCC's authority and type characters say (``uscc_types``); a person's identifier and name masked
(``masking``); natural persons' personal data inside free text, found and masked (``personal_data``)."""

from xinyong.domain.subjects.identifiers import check_identifier, is_citizen_id
from xinyong.domain.subjects.kinds import IdentifierKind, SubjectKind
from xinyong.domain.subjects.masking import mask_identifier, mask_name

__all__ = ["IdentifierKind", "SubjectKind", "check_identifier", "is_citizen_id", "mask_identifier", "mask_name"]
