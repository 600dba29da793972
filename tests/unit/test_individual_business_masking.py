"""An individual business's operator as others see them: the business's name with the operator's name
masked (or masked whole when it is a bare personal name), and the policy's masking of the operator's
declared name and identity number: shown to the business itself and to a duty inquiry, masked to the
public and to an authorized third party; personal data found outside the declared fields stays masked to
duty too."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.domain.disclosure.policy import (
    Authorization,
    Mode,
    PolicyRules,
    RecordFacts,
    Viewer,
    decide,
    mask_payload,
)
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.subjects.kinds import IdentifierKind
from xinyong.domain.subjects.masking import business_name_as_shown, looks_like_personal_name, mask_identifier

TODAY = date(2026, 3, 18)
BUSINESS = 7
RULES = PolicyRules(modes={m.value: f"Art. {i}" for i, m in enumerate(Mode, 1)},
                    duty_purposes={"inspection": "Art. 9"}, desensitise_natural_person=(True, "Art. 10"))
FACTS = RecordFacts(record_id=1, subject_id=BUSINESS, subject_kind="individual_business", item_code="admin_penalty",
                    category="other", disclosure_class="public",
                    personal_fields=("legal_representative", "legal_representative_id_number", "violation_facts"),
                    declared_personal=("legal_representative", "legal_representative_id_number"),
                    duty_only=("legal_representative_id_number",))
PAYLOAD = {"legal_representative": "孙磊", "legal_representative_id_number": "500103198002142352",
           "violation_facts": "经营者孙磊于店内无证经营", "document_number": "示市监罚〔2026〕201号"}
DECLARED = {"legal_representative": "name", "legal_representative_id_number": "identifier"}


@pytest.mark.parametrize("name, operators, shown", [
    ("孙磊小吃店", ("孙磊",), "孙*小吃店"),
    ("孙磊", ("孙磊",), "孙*"),
    ("周秀英", (), "周**"),               # a bare personal name, no operator known
    ("欧阳娜娜", (), "欧***"),
    ("老张面馆", (), "老张面馆"),          # a trade name
    ("李记烧烤", (), "李记烧烤"),
    ("示范区张记小吃店", ("赵强",), "示范区张记小吃店"),
])
def test_the_business_name_as_the_public_sees_it(name: str, operators: tuple[str, ...], shown: str) -> None:
    assert business_name_as_shown(name, operators) == shown


def test_what_a_bare_personal_name_is() -> None:
    assert looks_like_personal_name("王芳") and looks_like_personal_name("司马相如")
    assert not looks_like_personal_name("王") and not looks_like_personal_name("王记五金店")
    assert not looks_like_personal_name("John Smith")


def test_a_registration_number_is_public_like_a_uscc() -> None:
    assert mask_identifier("500103600123458", IdentifierKind.registration_no) == "500103600123458"
    assert mask_identifier("500103600123457", IdentifierKind.registration_no) != "500103600123457"


def _viewer(role: Role, mode: Mode, **kw) -> Viewer:  # type: ignore[no-untyped-def]
    return Viewer(Actor(role, "user:1", "org"), mode, **kw)


AUTH = Authorization(1, BUSINESS, "org", "loan", ("*",), date(2026, 1, 1), date(2026, 12, 31))
VIEWERS = {
    "public": _viewer(Role.public, Mode.lawful_disclosure),
    "authorized": _viewer(Role.duty_department, Mode.authorized, authorization=AUTH),
    "duty": _viewer(Role.duty_department, Mode.duty, purpose="inspection"),
    "self": _viewer(Role.subject, Mode.self, own_subject_id=BUSINESS),
}


@pytest.mark.parametrize("who, masked", [
    ("public", ("legal_representative", "violation_facts")),
    ("authorized", ("legal_representative", "violation_facts")),
    ("duty", ("violation_facts",)),
    ("self", ()),
])
def test_who_sees_the_operator(who: str, masked: tuple[str, ...]) -> None:
    decision = decide(VIEWERS[who], FACTS, RULES, TODAY)
    assert decision.visible and decision.masked == masked
    payload = {k: v for k, v in PAYLOAD.items() if k not in decision.withheld}
    served = mask_payload(payload, decision.masked, declared=DECLARED)
    if who in ("public", "authorized"):
        assert served["legal_representative"] == "孙*"
        # The legal representative's number is for duty and the upstream platform only: left out, not masked.
        assert decision.withheld == ("legal_representative_id_number",)
        assert "legal_representative_id_number" not in served
        assert ("duty_only_withheld", "Art. 10") in [(r.code, r.cite) for r in decision.reasons]
        assert "孙磊" not in str(served) and "500103198002142352" not in str(served)
    else:
        assert decision.withheld == ()
        assert served["legal_representative_id_number"] == "500103198002142352"
        assert served["legal_representative"] == "孙磊"
    if who == "duty":
        assert ("personal_data_by_duty", "Art. 9") in [(r.code, r.cite) for r in decision.reasons]
        assert "孙磊" not in served["violation_facts"]        # free text stays masked to duty


def test_the_public_sees_an_individual_business_at_all() -> None:
    natural_person_hidden = PolicyRules(modes=RULES.modes, natural_person_public=(False, "Art. 3"))
    assert decide(VIEWERS["public"], FACTS, natural_person_hidden, TODAY).visible
