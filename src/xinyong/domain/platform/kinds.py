"""What a credit subject can be and what identifies it: the one ``SubjectKind`` and the one
``IdentifierKind`` of the platform (their values are stored and shown as they are).

They sit in ``platform``, below every other domain process, so that the catalog (an item's subject
kinds) and the subjects (identifiers, masking) name the same kinds; ``domain.subjects.kinds`` hands
on these same two classes."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["IdentifierKind", "SubjectKind"]


class IdentifierKind(StrEnum):
    citizen_id = "citizen_id"    # 公民身份号码, GB 11643-1999
    uscc = "uscc"                # 统一社会信用代码, GB 32100-2015
    passport = "passport"        # 护照号码
    other_id = "other_id"        # 其他有效身份证件号码
    registration_no = "registration_no"  # 工商注册号 (GS15-2006): an individual business without a USCC


class SubjectKind(StrEnum):
    natural_person = "natural_person"            # 自然人
    legal_person = "legal_person"                # 法人
    unincorporated_org = "unincorporated_org"    # 非法人组织
    state_organ = "state_organ"                  # 国家机关
    individual_business = "individual_business"  # 个体工商户: a market entity whose operator is a natural person


SUBJECT_KIND_LABELS = {
    SubjectKind.natural_person: ("自然人", "natural person"),
    SubjectKind.legal_person: ("法人", "legal person"),
    SubjectKind.unincorporated_org: ("非法人组织", "unincorporated organisation"),
    SubjectKind.state_organ: ("国家机关", "state organ"),
    SubjectKind.individual_business: ("个体工商户", "individual business"),
}
"""A kind of subject as a message names it (the portal's pages have their own catalogs)."""
