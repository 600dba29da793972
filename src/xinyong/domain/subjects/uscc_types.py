"""What the first two characters of a Unified Social Credit Code say (GB 32100-2015 with its
amendments): the registration authority (position 1) and the organisation type (position 2), and so
which kinds of subject the code can identify. ``identifiers`` checks the code; ``classify_uscc`` is
its reading of these two positions."""

from __future__ import annotations

from typing import Any

from xinyong.domain.subjects.kinds import SubjectKind

__all__ = ["classify_uscc"]

_ORGS = (SubjectKind.legal_person, SubjectKind.unincorporated_org)
_ALL_ORGS = (SubjectKind.legal_person, SubjectKind.unincorporated_org, SubjectKind.state_organ)

# Position 1: registration authority (登记管理部门代码), GB 32100-2015 with its amendments.
_AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "institutional establishment authorities"),
    "2": ("外交", "foreign affairs"),
    "3": ("司法行政", "judicial administration"),
    "4": ("文化", "culture"),
    "5": ("民政", "civil affairs"),
    "6": ("旅游", "tourism"),
    "7": ("宗教", "religious affairs"),
    "8": ("工会", "trade unions"),
    "9": ("工商", "industry and commerce (market regulation)"),
    "A": ("中央军委改革和编制办公室", "military reform and establishment office"),
    "N": ("农业", "agriculture and rural affairs"),
    "Y": ("其他", "other registration authorities"),
}
_OTHER = ("其他", "other")

# (authority, type) -> (Chinese, English, the subject kinds it can be, most likely first).
# Where a type covers both legal persons and organisations without legal personality (an "enterprise"
# may be a company, a partnership, a sole proprietorship or a branch), the plausible set is returned.
# Individual businesses (个体工商户, type 92) are a subject kind of their own: a market entity named by its
# business, whose operator is a natural person (Civil Code arts. 54-56). Their permits and penalties are
# published under the business's name; the operator's name and identity number stay personal data (the
# access policy masks them, and a business registered under the operator's bare name, see ``masking``).
_ORG_TYPES: dict[tuple[str, str], tuple[str, str, tuple[SubjectKind, ...]]] = {
    ("1", "1"): ("机关", "state organ", (SubjectKind.state_organ,)),
    ("1", "2"): ("事业单位", "public institution", (SubjectKind.legal_person,)),
    ("1", "3"): ("中央编办直接管理机构编制的群众团体", "mass organisation with a central establishment",
                 (SubjectKind.legal_person,)),
    ("1", "9"): (*_OTHER, _ALL_ORGS),
    ("2", "1"): ("外国常驻新闻机构", "resident foreign news organisation", (SubjectKind.unincorporated_org,)),
    ("2", "9"): (*_OTHER, _ORGS),
    ("3", "1"): ("律师执业机构", "law firm", (SubjectKind.unincorporated_org, SubjectKind.legal_person)),
    ("3", "2"): ("公证处", "notary office", (SubjectKind.legal_person,)),
    ("3", "3"): ("基层法律服务所", "grassroots legal service office", _ORGS),
    ("3", "4"): ("司法鉴定机构", "forensic appraisal institution", _ORGS),
    ("3", "5"): ("仲裁委员会", "arbitration commission", (SubjectKind.legal_person,)),
    ("3", "9"): (*_OTHER, _ORGS),
    ("4", "1"): ("外国在华文化中心", "foreign cultural centre", (SubjectKind.unincorporated_org,)),
    ("4", "9"): (*_OTHER, _ORGS),
    ("5", "1"): ("社会团体", "social organisation", (SubjectKind.legal_person,)),
    ("5", "2"): ("民办非企业单位", "private non-enterprise unit", _ORGS),
    ("5", "3"): ("基金会", "foundation", (SubjectKind.legal_person,)),
    ("5", "9"): (*_OTHER, _ORGS),
    ("6", "1"): ("外国旅游部门常驻代表机构", "resident office of a foreign tourism authority",
                 (SubjectKind.unincorporated_org,)),
    ("6", "2"): ("境外地区旅游部门常驻内地（大陆）代表机构",
                 "resident office of a regional tourism authority",
                 (SubjectKind.unincorporated_org,)),
    ("6", "9"): (*_OTHER, _ORGS),
    ("7", "1"): ("宗教活动场所", "venue for religious activities", _ORGS),
    ("7", "2"): ("宗教院校", "religious school", (SubjectKind.legal_person,)),
    ("7", "9"): (*_OTHER, _ORGS),
    ("8", "1"): ("基层工会", "grassroots trade union", (SubjectKind.legal_person,)),
    ("8", "9"): (*_OTHER, _ORGS),
    ("9", "1"): ("企业", "enterprise", _ORGS),
    ("9", "2"): ("个体工商户", "individual business", (SubjectKind.individual_business,)),
    ("9", "3"): ("农民专业合作社", "farmers' specialised cooperative", (SubjectKind.legal_person,)),
    ("A", "1"): ("军队事业单位", "military public institution", (SubjectKind.legal_person,)),
    ("A", "9"): (*_OTHER, _ORGS),
    ("N", "1"): ("组级集体经济组织", "group-level collective economic organisation",
                 (SubjectKind.legal_person,)),
    ("N", "2"): ("村级集体经济组织", "village-level collective economic organisation",
                 (SubjectKind.legal_person,)),
    ("N", "3"): ("乡镇级集体经济组织", "township-level collective economic organisation",
                 (SubjectKind.legal_person,)),
    ("N", "9"): (*_OTHER, _ORGS),
    ("Y", "1"): ("其他", "other (not subdivided)", _ALL_ORGS),
}


def classify_uscc(s: str) -> tuple[tuple[SubjectKind, ...], dict[str, Any], bool]:
    """Subject kinds and details from positions 1 and 2; the flag says whether the pair is in the table.

    A pair missing from the table is not refused (new authorities and types have been added by
    amendment, and a table must not refuse a real code); it gets the plausible set of organisations.
    """
    authority, org_type = s[0], s[1]
    details: dict[str, Any] = {"registration_authority": authority, "org_type": org_type,
                               "division": s[2:8], "organisation_code": s[8:17]}
    if authority in _AUTHORITIES:
        details["registration_authority_zh"], details["registration_authority_en"] = _AUTHORITIES[authority]
    known = _ORG_TYPES.get((authority, org_type))
    if known is None:
        return _ALL_ORGS, details, False
    details["org_type_zh"], details["org_type_en"] = known[0], known[1]
    return known[2], details, True
