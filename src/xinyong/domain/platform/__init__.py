"""The platform's plain foundations: the injected clock and the business time zone (``clock``); the one
way every process refuses a request (``refusal``); what a credit subject and an identifier can be
(``kinds``); the one test of a citizen identity number (``citizen``)."""

from xinyong.domain.platform.clock import Clock, FixedClock, SystemClock, business_date, business_tz
from xinyong.domain.platform.kinds import IdentifierKind, SubjectKind
from xinyong.domain.platform.refusal import Refusal

__all__ = [
    "Refusal","Clock", "FixedClock", "IdentifierKind", "SubjectKind", "SystemClock", "business_date", "business_tz"]
