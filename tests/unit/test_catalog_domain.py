"""The catalog's domain: item elements, the lifecycle rules, and which version governs a date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from xinyong.domain.catalog import items as dc_items
from xinyong.domain.catalog import law as dc_law
from xinyong.domain.catalog import lifecycle as dc_life
from xinyong.domain.catalog.items import (
    LEGAL_DOCUMENT_FIELDS,
    CatalogItemSpec,
    Category,
    DisclosureClass,
    FieldSpec,
    FieldType,
    Origin,
)
from xinyong.domain.catalog.law import AssessmentGround
from xinyong.domain.catalog.lifecycle import VersionState
from xinyong.domain.platform.refusal import Refusal

DOC_FIELDS = (
    FieldSpec("document_kind", FieldType.enum, True, "法律文书类型", "kind of legal document",
              choices=("administrative_penalty_decision",)),
    FieldSpec("document_number", FieldType.string, True, "文书编号", "document number", max_length=100),
    FieldSpec("document_date", FieldType.date, True, "文书日期", "document date"),
    FieldSpec("document_issuer", FieldType.string, True, "作出机关", "issuing body"),
)


def penalty(**changes) -> CatalogItemSpec:
    spec = CatalogItemSpec(
        code="admin_penalty", name_zh="行政处罚信息", name_en="Administrative penalties",
        category=Category.untrustworthiness, origin=Origin.public,
        subject_kinds=("legal_person", "natural_person"),
        fields=DOC_FIELDS + (
            FieldSpec("simplified_procedure", FieldType.boolean, True, "是否适用简易程序",
                      "simplified procedure"),
            FieldSpec("slight_or_harm_eliminated", FieldType.boolean, True, "是否轻微", "slight or remedied"),
            FieldSpec("severity", FieldType.enum, False, "失信程度", "severity",
                      choices=("minor", "general", "serious")),
            FieldSpec("conduct_ended", FieldType.date, False, "行为终止日期", "conduct ended on"),
        ),
        legal_document_required=True, disclosure_class=DisclosureClass.public,
        display_rule="display.untrustworthy.organisation", counts_from_field="conduct_ended",
        sharing_category="unconditional", usage_authorization="lawful disclosure", data_format="JSON",
        update_period="7 working days", allowed_by="Art. 9(2)(4)", penalty_item=True,
    )
    return replace(spec, **changes)


def commendation(**changes) -> CatalogItemSpec:
    spec = CatalogItemSpec(
        code="commendation", name_zh="表彰奖励信息", name_en="Commendations", category=Category.other,
        origin=Origin.public, subject_kinds=("natural_person",),
        fields=(FieldSpec("award_title", FieldType.string, True, "名称", "title"),
                FieldSpec("award_date", FieldType.date, True, "授予日期", "awarded on")),
        legal_document_required=False, disclosure_class=DisclosureClass.public, display_rule=None,
        counts_from_field=None, sharing_category="unconditional", usage_authorization="lawful disclosure",
        data_format="JSON", update_period="quarterly", allowed_by="Art. 8(2)", positive=True,
    )
    return replace(spec, **changes)


def reasons(spec: CatalogItemSpec, **known) -> set[str]:
    return {p.reason for p in dc_items.item_problems(spec, **known)}


# ---------------------------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------------------------

def test_well_formed_items_have_no_problems():
    assert dc_items.item_problems(penalty()) == []
    assert dc_items.item_problems(commendation()) == []


def test_dict_round_trip_keeps_every_element():
    for spec in (penalty(), commendation(consent_categories=("income",))):
        assert dc_items.item_from_dict(dc_items.item_to_dict(spec)) == spec


def test_unknown_keys_and_bad_enums_are_refused_with_both_languages():
    data = dc_items.item_to_dict(penalty())
    data["colour"] = "red"
    with pytest.raises(Refusal) as info:
        dc_items.item_from_dict(data)
    assert info.value.reason == "unknown_key" and "colour" in info.value.message_en and info.value.message_zh
    data = dc_items.item_to_dict(penalty())
    data["category"] = "bad"
    with pytest.raises(Refusal) as info:
        dc_items.item_from_dict(data)
    assert info.value.reason == "invalid"
    data = dc_items.item_to_dict(penalty())
    del data["allowed_by"]
    with pytest.raises(Refusal) as info:
        dc_items.item_from_dict(data)
    assert info.value.reason == "required"


def test_untrustworthiness_rests_on_a_legal_document():
    assert "legal_document_required" in reasons(penalty(legal_document_required=False))
    without_number = penalty(fields=tuple(f for f in penalty().fields if f.name != "document_number"))
    assert "legal_document_field" in reasons(without_number)
    assert set(LEGAL_DOCUMENT_FIELDS) <= set(penalty().field_names)


def test_penalty_items_carry_the_exclusion_flags_where_an_exclusion_is_in_force():
    no_flag = penalty(fields=tuple(f for f in penalty().fields if f.name != "simplified_procedure"))
    law = dc_law.CatalogLaw(exclude_simplified_procedure="GS Art. 14(1)(2)")
    problems = dc_items.item_problems(no_flag, law=law)
    assert [p.reason for p in problems] == ["penalty_flag_field"]
    assert "GS Art. 14(1)(2)" in problems[0].message_en
    assert "penalty_flag_field" not in reasons(no_flag)      # no exclusion in force: the flags decide nothing


def test_the_legal_document_cites_the_regulation_or_the_labelled_baseline():
    law = dc_law.CatalogLaw(legal_effect_document="CQ Art. 21")
    cited = dc_items.item_problems(penalty(legal_document_required=False), law=law)[0]
    assert cited.reason == "legal_document_required" and "CQ Art. 21" in cited.message_zh
    baseline = dc_items.item_problems(penalty(legal_document_required=False))[0]
    assert dc_law.PLATFORM_BASELINE in baseline.message_en and dc_law.PLATFORM_BASELINE in baseline.message_zh


def test_display_rule_needs_a_date_field_and_a_known_key():
    assert "counts_from_field" in reasons(penalty(counts_from_field="document_number"))
    assert "counts_from_field" in reasons(penalty(counts_from_field=None))
    assert "bad_display_rule" in reasons(penalty(display_rule="five years"))
    assert "unknown_display_rule" in reasons(penalty(), known_rule_keys=["display.penalty.general"])
    assert reasons(penalty(), known_rule_keys=["display.untrustworthy.organisation"]) == set()


def test_other_element_checks():
    assert "unknown_subject_kind" in reasons(penalty(subject_kinds=("alien",)))
    assert "positive_untrustworthiness" in reasons(penalty(positive=True))
    assert "positive_category" in reasons(commendation(category=Category.basic))
    enum_without_choices = commendation(fields=(FieldSpec("award_title", FieldType.enum, True, "名称", "t"),))
    assert "enum_without_choices" in reasons(enum_without_choices)
    assert "unknown_consent_category" in reasons(commendation(consent_categories=("hobbies",)),
                                                 known_vocabulary=["income"])
    assert "bad_code" in reasons(commendation(code="Bad Code"))
    with pytest.raises(Refusal):
        dc_items.check_item(commendation(code="X"))


def test_display_rule_resolves_per_subject_and_tier():
    spec = penalty()
    assert dc_items.display_rule_for(spec, "natural_person") == "display.untrustworthy.natural_person"
    assert dc_items.display_rule_for(spec, "legal_person") == "display.untrustworthy.organisation"
    national = penalty(display_rule="display.penalty.general", counts_from_field="document_date")
    assert dc_items.display_rule_for(national, "legal_person", {"severity": "serious"}) == "display.penalty.serious"
    assert dc_items.display_rule_for(national, "legal_person", {}) == "display.penalty.general"
    assert dc_items.display_rules(national) == {"display.penalty.minor", "display.penalty.general",
                                          "display.penalty.serious"}
    assert dc_items.display_rule_for(commendation(), "natural_person") is None


# ---------------------------------------------------------------------------------------------
# When an assessment is required (the grounds of catalog.assessment.*)
# ---------------------------------------------------------------------------------------------

def test_new_untrustworthiness_item_reduces_rights():
    assert dc_life.assessment_grounds([penalty(), commendation()]) == (AssessmentGround.rights_reduced,)
    assert dc_life.burdening_items([penalty(), commendation()]) == ("admin_penalty",)


def test_adding_only_positive_information_needs_no_assessment():
    previous = {"admin_penalty": penalty()}
    assert dc_life.assessment_grounds([penalty(), commendation()], previous) == ()


def test_changes_that_burden_subjects():
    previous = {"commendation": commendation(), "admin_penalty": penalty()}
    wider = commendation(disclosure_class=DisclosureClass.public)
    assert not dc_life.burdens_subjects(wider, previous["commendation"])
    narrower_before = commendation(disclosure_class=DisclosureClass.authorized)
    assert dc_life.burdens_subjects(commendation(), narrower_before)
    assert dc_life.burdens_subjects(commendation(subject_kinds=("natural_person", "legal_person")),
                               previous["commendation"])
    assert dc_life.burdens_subjects(penalty(allowed_by="Art. 9(2)"), previous["admin_penalty"])
    assert dc_life.burdens_subjects(commendation(consent_categories=("income",)), None)


def test_diverging_comments_and_significant_impact():
    grounds = dc_life.assessment_grounds([commendation()], {"commendation": commendation()},
                                    stances=["support", "oppose"], significant_impact=True)
    assert grounds == (AssessmentGround.opinions_diverge, AssessmentGround.significant_impact)
    assert not dc_life.diverging(["support", "neutral"])
    assert dc_life.diverging(["amend"])


def test_the_law_decides_which_grounds_require_an_assessment():
    facts = (AssessmentGround.rights_reduced, AssessmentGround.opinions_diverge)
    assert dc_law.CatalogLaw().required(facts) == ()
    law = dc_law.CatalogLaw(assessment={AssessmentGround.rights_reduced: "BJ Art. 10(2)"})
    assert law.required(facts) == (AssessmentGround.rights_reduced,)


# ---------------------------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------------------------

def test_a_draft_goes_to_comment_with_items_and_reasons():
    dc_life.check_open_comment(VersionState.draft, item_count=3, reason="why")
    with pytest.raises(Refusal) as info:
        dc_life.check_open_comment(VersionState.draft, item_count=0, reason="why")
    assert info.value.reason == "empty_version"
    with pytest.raises(Refusal) as info:
        dc_life.check_open_comment(VersionState.draft, item_count=3, reason=" ",
                              law=dc_law.CatalogLaw(reasons_required="SH Art. 10(1)"))
    assert info.value.reason == "reason_required" and "SH Art. 10(1)" in info.value.message_en
    with pytest.raises(Refusal) as info:          # a regulation without the rule: the baseline, labelled
        dc_life.check_open_comment(VersionState.draft, item_count=3, reason=" ")
    assert info.value.reason == "reason_required" and dc_law.PLATFORM_BASELINE in info.value.message_en
    with pytest.raises(Refusal) as info:
        dc_life.check_open_comment(VersionState.approved, item_count=3, reason="why")
    assert info.value.reason == "bad_transition"


def test_only_a_draft_is_edited():
    dc_life.check_editable(VersionState.draft)
    for state in VersionState:
        if state is not VersionState.draft:
            with pytest.raises(Refusal) as info:
                dc_life.check_editable(state)
            assert info.value.reason == "not_draft"


def test_approval_needs_comment_first():
    with pytest.raises(Refusal) as info:
        dc_life.check_approve(VersionState.draft, grounds=(), assessed=False)
    assert info.value.reason == "comment_required"
    assert "公开征求意见" in info.value.message_zh


def test_approval_refused_without_a_required_assessment_naming_the_reason():
    law = dc_law.CatalogLaw(assessment={AssessmentGround.rights_reduced: "XY Art. 10(2)",
                                    AssessmentGround.opinions_diverge: "XY Art. 10(1)"})
    with pytest.raises(Refusal) as info:
        dc_life.check_approve(VersionState.public_comment,
                         grounds=(AssessmentGround.rights_reduced, AssessmentGround.opinions_diverge),
                         assessed=False, law=law)
    err = info.value
    assert err.reason == "assessment_required"
    assert "XY Art. 10(2)" in err.message_en and "XY Art. 10(1)" in err.message_en
    assert "XY Art. 10(2)" in err.message_zh and "意见分歧" in err.message_zh
    assert err.to_dict()["field"] == "assessments"
    dc_life.check_approve(VersionState.expert_assessment, grounds=(AssessmentGround.rights_reduced,),
                     assessed=True)
    dc_life.check_approve(VersionState.public_comment, grounds=(), assessed=False)


def test_comments_only_while_open_and_within_the_period():
    dc_life.check_comment(VersionState.public_comment, received=date(2024, 1, 5), comment_opened=date(2024, 1, 1),
                     comment_closes=date(2024, 1, 31))
    with pytest.raises(Refusal) as info:
        dc_life.check_comment(VersionState.draft, received=date(2024, 1, 5), comment_opened=None)
    assert info.value.reason == "not_open_for_comment"
    with pytest.raises(Refusal) as info:
        dc_life.check_comment(VersionState.public_comment, received=date(2024, 2, 1),
                         comment_opened=date(2024, 1, 1), comment_closes=date(2024, 1, 31))
    assert info.value.reason == "comment_period_closed"
    with pytest.raises(Refusal) as info:
        dc_life.check_comment(VersionState.public_comment, received=date(2023, 12, 31),
                         comment_opened=date(2024, 1, 1))
    assert info.value.reason == "comment_before_opening"


def test_assessment_after_comment_and_before_approval():
    dc_life.check_assessment(VersionState.public_comment)
    dc_life.check_assessment(VersionState.expert_assessment)
    for state in (VersionState.draft, VersionState.approved, VersionState.in_force):
        with pytest.raises(Refusal):
            dc_life.check_assessment(state)


def test_in_force_only_after_approval_and_after_the_current_version():
    dc_life.check_in_force(VersionState.approved, in_force_from=date(2025, 1, 1), current_from=date(2024, 1, 1))
    with pytest.raises(Refusal) as info:
        dc_life.check_in_force(VersionState.approved, in_force_from=date(2024, 1, 1),
                          current_from=date(2024, 1, 1))
    assert info.value.reason == "in_force_not_after_current"
    with pytest.raises(Refusal) as info:
        dc_life.check_in_force(VersionState.public_comment, in_force_from=date(2025, 1, 1), current_from=None)
    assert info.value.reason == "bad_transition"


def test_terminal_states():
    for target in VersionState:
        for terminal in (VersionState.superseded, VersionState.withdrawn):
            with pytest.raises(Refusal):
                dc_life.check_transition(terminal, target)
    with pytest.raises(Refusal):
        dc_life.check_withdraw(VersionState.in_force)
    dc_life.check_withdraw(VersionState.approved)


def test_the_version_in_force_on_a_date_governs():
    periods = [("v1", date(2024, 1, 1), date(2025, 6, 1)), ("v2", date(2025, 6, 1), None),
               ("draft", None, None)]
    assert dc_life.governing(periods, date(2023, 12, 31)) is None
    assert dc_life.governing(periods, date(2024, 1, 1)) == "v1"
    assert dc_life.governing(periods, date(2025, 5, 31)) == "v1"
    assert dc_life.governing(periods, date(2025, 6, 1)) == "v2"
    assert dc_life.governing(periods, date(2030, 1, 1)) == "v2"


def test_every_state_and_ground_has_labels_in_both_languages():
    for state in VersionState:
        zh, en = dc_life.STATE_LABELS[state]
        assert zh and en
    for ground in AssessmentGround:
        zh, en = dc_law.GROUND_LABELS[ground]
        assert zh and en
