"""The catalog and the providing units on a real database (SQLite, and PostgreSQL in CI).

Lifecycle with comments and the assessment the regulation in force requires (catalog.* rule keys,
cited from that regulation's own articles; none where it requires none); the version in force on a date
governs (a record dated before a revision takes effect is judged by the version it replaces); unit
tokens are stored as hashes only and a revoked token is refused; every demo catalog loads.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from xinyong.domain.catalog.law import AssessmentGround
from xinyong.domain.catalog.lifecycle import VersionState
from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import Refusal
from xinyong.services import catalog
from xinyong.services.audit import ledger
from xinyong.services.demo import catalog as demo_catalog
from xinyong.services.identity import units
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.catalog import CatalogItem, CatalogVersion, UnitCredential

ACTOR = Actor.system("test")
CQ = "chongqing-2021"
BJ = "beijing-draft"
SH = "shanghai-2017"
BASE = demo_catalog._read("_base.yaml")
CITES = {"admin_penalty": "Art. 18(1)(2)", "commendation": "Art. 18(1)(7)", "tax_arrears": "Art. 18(1)(3)",
         "volunteer_service": "Art. 18(1)(7)", "admin_permit": "Art. 18(1)(2)"}


def item(code: str, **changes):
    return demo_catalog.build_item({"use": code, "allowed_by": CITES.get(code, "Art. 18(1)(8)"), **changes},
                                   BASE)


def draft(platform, codes=("admin_penalty", "commendation"), jurisdiction=CQ, **kw) -> int:
    with platform.unit_of_work(ACTOR) as uow:
        version = catalog.create_version(uow, jurisdiction=jurisdiction, title_zh="目录", title_en="Catalog",
                                         reason=kw.pop("reason", "依照第十八条编制"), proposer="发展改革委",
                                         **kw)
        for code in codes:
            catalog.add_item(uow, version.id, item(code))
    return version.id


def open_for_comment(platform, version_id, opened=date(2023, 11, 1)) -> None:
    with platform.unit_of_work(ACTOR) as uow:
        catalog.open_comment(uow, version_id, opened_on=opened, closes_on=date(opened.year, 12, 1))


def assess(platform, version_id, held=date(2023, 12, 5)) -> None:
    with platform.unit_of_work(ACTOR) as uow:
        catalog.record_assessment(uow, version_id, held_on=held, experts=["专家甲", "专家乙"],
                                  groups_heard=["企业代表"], conclusion="同意")


def approve_and_enforce(platform, version_id, in_force_from, approved_on=date(2023, 12, 20)):
    with platform.unit_of_work(ACTOR) as uow:
        catalog.approve(uow, version_id, approved_by="市人民政府", approved_on=approved_on,
                        document="演示1号")
        return catalog.set_in_force(uow, version_id, in_force_from)


def first_version_in_force(platform, in_force_from=date(2024, 1, 1)) -> int:
    vid = draft(platform)
    open_for_comment(platform, vid)
    assess(platform, vid)
    approve_and_enforce(platform, vid, in_force_from)
    return vid


def get(platform, version_id):
    with platform.sessions() as session:
        return catalog.get_version(session, version_id)


def actions(platform, version_id) -> list[str]:
    with platform.sessions() as session:
        return [e.action for e in ledger.entries(session, entity="catalog_version", entity_id=version_id)]


# ---------------------------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------------------------

def test_full_lifecycle_records_comments_and_refuses_approval_without_the_assessment(platform):
    # The Beijing draft requires an assessment where subjects' rights may be reduced (its Art. 10(2));
    # it names no ground for diverging opinions, so the opposing comment below adds none.
    vid = draft(platform, jurisdiction=BJ)
    assert get(platform, vid).state is VersionState.draft
    open_for_comment(platform, vid)
    with platform.unit_of_work(ACTOR) as uow:
        catalog.record_comment(uow, vid, received_on=date(2023, 11, 3), commenter_kind="market_entity",
                               commenter="示范企业", stance="oppose", body="不同意纳入",
                               item_code="admin_penalty")
        catalog.record_comment(uow, vid, received_on=date(2023, 11, 4), commenter_kind="public",
                               stance="support", body="支持")
    view = get(platform, vid)
    assert view.comment_count == 2
    assert view.grounds == (AssessmentGround.rights_reduced,)

    with platform.sessions() as session:
        entries_before = ledger.count(session)
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.approve(uow, vid, approved_by="市人民政府", approved_on=date(2023, 12, 20))
    assert refused.value.reason == "assessment_required"
    assert "BJ Art. 10(2)" in refused.value.message_en and "评估" in refused.value.message_zh
    assert "SH" not in refused.value.message_en
    assert get(platform, vid).state is VersionState.public_comment       # nothing changed
    with platform.sessions() as session:
        assert ledger.count(session) == entries_before                   # nothing recorded

    assess(platform, vid)
    assert get(platform, vid).state is VersionState.expert_assessment
    view = approve_and_enforce(platform, vid, date(2024, 1, 1))
    assert view.state is VersionState.in_force and view.in_force_from == date(2024, 1, 1)
    assert view.approved_by == "市人民政府"

    with platform.sessions() as session:
        comments = catalog.version_comments(session, vid)
        assessments = catalog.version_assessments(session, vid)
    assert [(c.stance, c.item_code) for c in comments] == [("oppose", "admin_penalty"), ("support", None)]
    assert assessments[0].grounds == ("rights_reduced",)
    assert actions(platform, vid) == [
        "catalog.version_created", "catalog.item_added", "catalog.item_added", "catalog.comment_opened",
        "catalog.comment_recorded", "catalog.comment_recorded", "catalog.assessment_recorded",
        "catalog.approved", "catalog.in_force",
    ]


@pytest.mark.parametrize(("jurisdiction", "grounds", "cite"), [
    (SH, (AssessmentGround.opinions_diverge,), "SH Art. 10(1)"),   # SH names no rights ground
    (BJ, (AssessmentGround.rights_reduced,), "BJ Art. 10(2)"),
    (CQ, (), None),
    ("gansu-2021", (), None),
])
def test_each_regulation_requires_the_assessment_it_names_citing_its_own_article(platform, jurisdiction,
                                                                                   grounds, cite):
    """The same facts (a new untrustworthiness item, an opposing comment) in four regulations: each
    requires what its own text says, cites its own article, and never another regulation's."""
    # A new penalty item (Gansu times penalties by the national tiers: its item differs) and a commendation.
    codes = ("commendation",) if jurisdiction == "gansu-2021" else ("admin_penalty", "commendation")
    vid = draft(platform, codes=codes, jurisdiction=jurisdiction)
    open_for_comment(platform, vid)
    with platform.unit_of_work(ACTOR) as uow:
        catalog.record_comment(uow, vid, received_on=date(2023, 11, 3), commenter_kind="public",
                               stance="oppose", body="不同意")
    assert get(platform, vid).grounds == grounds
    with platform.unit_of_work(ACTOR) as uow:
        if grounds:
            with pytest.raises(Refusal) as refused:
                catalog.approve(uow, vid, approved_by="批准机关", approved_on=date(2023, 12, 20))
            assert refused.value.reason == "assessment_required"
            assert cite in refused.value.message_en and cite in refused.value.message_zh
            for other in ("SH ", "CQ ", "GS ", "HB ", "BJ "):
                if not cite.startswith(other):
                    assert other not in refused.value.message_en
        else:
            catalog.approve(uow, vid, approved_by="批准机关", approved_on=date(2023, 12, 20))
    if not grounds:
        assert get(platform, vid).state is VersionState.approved


def test_reasons_and_comment_rest_on_the_article_or_the_labelled_baseline(platform):
    """Shanghai requires reasons (its Art. 10(1)); Chongqing names none, so the platform's baseline asks
    for them, labelled as such. A draft is approved only after comment: CQ Art. 17(2)."""
    for jurisdiction, expected in ((SH, "SH Art. 10(1)"), (CQ, "Xinyong platform baseline")):
        vid = draft(platform, jurisdiction=jurisdiction, reason="")
        with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
            catalog.open_comment(uow, vid, opened_on=date(2023, 11, 1))
        assert refused.value.reason == "reason_required" and expected in refused.value.message_en
    vid = draft(platform)
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.approve(uow, vid, approved_by="市人民政府", approved_on=date(2023, 12, 20))
    assert refused.value.reason == "comment_required" and "CQ Art. 17(2)" in refused.value.message_en
    open_for_comment(platform, vid)
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.approve(uow, vid, approved_by=" ", approved_on=date(2023, 12, 20))
    assert "the municipal people's government, CQ Art. 17(2)" in refused.value.message_en


def test_the_ledger_holds_digests_not_the_text_of_comments(platform):
    vid = draft(platform)
    open_for_comment(platform, vid)
    with platform.unit_of_work(ACTOR) as uow:
        catalog.record_comment(uow, vid, received_on=date(2023, 11, 3), commenter_kind="public",
                               commenter="张三", stance="amend", body="建议修改处罚事项的字段")
    with platform.sessions() as session:
        entry = ledger.entries(session, action_prefix="catalog.comment_recorded")[0]
    assert "张三" not in entry.facts and "建议修改" not in entry.facts
    assert entry.facts_dict()["body_sha256"] == hashlib.sha256("建议修改处罚事项的字段".encode()).hexdigest()


def test_only_a_draft_changes_and_comments_only_while_open(platform):
    vid = draft(platform)
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.record_comment(uow, vid, received_on=date(2023, 11, 3), commenter_kind="public",
                               stance="support", body="x")
    assert refused.value.reason == "not_open_for_comment"
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.add_item(uow, vid, item("admin_penalty"))
    assert refused.value.reason == "item_exists"
    open_for_comment(platform, vid)
    for change in (lambda uow: catalog.add_item(uow, vid, item("tax_arrears")),
                   lambda uow: catalog.replace_item(uow, vid, item("commendation")),
                   lambda uow: catalog.remove_item(uow, vid, "commendation")):
        with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
            change(uow)
        assert refused.value.reason == "not_draft"
    assert get(platform, vid).item_count == 2
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.record_comment(uow, vid, received_on=date(2023, 12, 2), commenter_kind="public",
                               stance="support", body="late")
    assert refused.value.reason == "comment_period_closed"


def test_a_draft_without_reasons_or_items_is_not_published_for_comment(platform):
    vid = draft(platform, reason="")
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.open_comment(uow, vid, opened_on=date(2023, 11, 1))
    assert refused.value.reason == "reason_required"
    empty = draft(platform, codes=())
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.open_comment(uow, empty, opened_on=date(2023, 11, 1))
    assert refused.value.reason == "empty_version"


def test_the_version_in_force_on_a_date_governs(platform):
    v1 = first_version_in_force(platform)
    with platform.unit_of_work(ACTOR) as uow:
        v2 = catalog.create_version(uow, jurisdiction=CQ, title_zh="目录（修订）",
                                    title_en="Catalog (revised)", reason="修订处罚事项，增列欠税信息").id
        catalog.replace_item(uow, v2, item("admin_penalty", allowed_by="Art. 18(1)(2); Art. 21(1)(2)"))
        catalog.add_item(uow, v2, item("tax_arrears"))
    assert get(platform, v2).item_count == 3                    # started from the version in force
    assert get(platform, v2).based_on_id == v1
    open_for_comment(platform, v2, opened=date(2025, 3, 1))
    assert get(platform, v2).grounds == ()     # CQ Art. 17 requires no expert assessment
    assess(platform, v2, held=date(2025, 4, 1))    # one may still be held and recorded
    approve_and_enforce(platform, v2, date(2025, 6, 1), approved_on=date(2025, 5, 1))

    old, new = get(platform, v1), get(platform, v2)
    assert old.state is VersionState.superseded and old.superseded_from == date(2025, 6, 1)
    assert new.state is VersionState.in_force and new.superseded_from is None

    with platform.sessions() as session:
        before = catalog.item_in_force(session, CQ, "admin_penalty", date(2025, 5, 31))
        after = catalog.item_in_force(session, CQ, "admin_penalty", date(2025, 6, 1))
        assert before.allowed_by == "Art. 18(1)(2)"
        assert after.allowed_by == "Art. 18(1)(2); Art. 21(1)(2)"
        assert catalog.item_in_force(session, CQ, "tax_arrears", date(2025, 6, 1)).code == "tax_arrears"
        with pytest.raises(Refusal) as refused:
            catalog.item_in_force(session, CQ, "tax_arrears", date(2025, 5, 31))
        assert refused.value.reason == "not_in_force" and "version 1" in refused.value.message_en
        with pytest.raises(Refusal) as refused:
            catalog.item_in_force(session, CQ, "admin_penalty", date(2023, 12, 31))
        assert refused.value.reason == "not_in_force"
        with pytest.raises(Refusal) as refused:
            catalog.item_in_force(session, CQ, "horoscope", date(2025, 6, 1))
        assert refused.value.reason == "not_in_catalog" and refused.value.message_zh
        assert catalog.published_catalog(session, CQ, date(2025, 5, 31)).version.number == 1
        assert catalog.published_catalog(session, CQ, date(2025, 6, 1)).version.number == 2
        assert [v.number for v, _ in catalog.item_history(session, CQ, "admin_penalty")] == [1, 2]

        index = catalog.CatalogIndex.load(session, CQ)
    assert index.item("admin_penalty", date(2025, 5, 31)) == before
    assert index.item("admin_penalty", date(2025, 6, 1)) == after
    for code, day, reason in (("tax_arrears", date(2025, 5, 31), "not_in_force"),
                              ("admin_penalty", date(2023, 1, 1), "not_in_force"),
                              ("horoscope", date(2025, 6, 1), "not_in_catalog")):
        with pytest.raises(Refusal) as refused:
            index.item(code, day)
        assert refused.value.reason == reason
    assert "catalog.superseded" in actions(platform, v1)


def test_a_new_version_takes_effect_after_the_current_one(platform):
    first_version_in_force(platform)
    with platform.unit_of_work(ACTOR) as uow:
        v2 = catalog.create_version(uow, jurisdiction=CQ, title_zh="目录", title_en="Catalog",
                                    reason="增列志愿服务").id
        catalog.add_item(uow, v2, item("volunteer_service"))
    open_for_comment(platform, v2, opened=date(2024, 3, 1))
    # Adding only positive information needs no assessment: approved straight from public comment.
    assert get(platform, v2).grounds == ()
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.approve(uow, v2, approved_by="市人民政府", approved_on=date(2024, 4, 1))
        catalog.set_in_force(uow, v2, date(2024, 1, 1))
    assert refused.value.reason == "in_force_not_after_current"
    assert get(platform, v2).state is VersionState.public_comment   # the whole unit of work rolled back
    approve_and_enforce(platform, v2, date(2024, 5, 1), approved_on=date(2024, 4, 1))
    assert get(platform, v2).state is VersionState.in_force


def test_withdraw_a_version_that_never_took_effect(platform):
    vid = draft(platform)
    with platform.unit_of_work(ACTOR) as uow:
        view = catalog.withdraw(uow, vid, reason="合并到下一版")
    assert view.state is VersionState.withdrawn
    with pytest.raises(Refusal), platform.unit_of_work(ACTOR) as uow:
        catalog.open_comment(uow, vid)


def _item_rows(platform) -> int:
    with platform.sessions() as session:
        return session.scalar(select(func.count(CatalogItem.id)))


@pytest.mark.parametrize(("jurisdiction", "spec", "reason"), [
    (CQ, lambda: item("admin_permit", allowed_by="Art. 999"), "cite_not_in_text"),
    (CQ, lambda: item("admin_permit", allowed_by="section five"), "bad_cite"),
    (CQ, lambda: item("social_insurance_arrears", allowed_by="Art. 18(1)(3)"), "display_rule_not_provided"),
    ("gansu-2021", lambda: item("commendation", allowed_by="Art. 15(1)(1)", consent_categories=("religion",)),
     "forbidden_category"),
    (CQ, lambda: item("commendation", consent_categories=("star_sign",)), "unknown_consent_category"),
    (CQ, lambda: item("admin_penalty", legal_document_required=False), "legal_document_required"),
])
def test_items_are_checked_against_the_regulation(platform, jurisdiction, spec, reason):
    vid = draft(platform, codes=(), jurisdiction=jurisdiction)
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.add_item(uow, vid, spec())
    assert refused.value.reason == reason
    assert refused.value.message_zh and refused.value.message_en
    assert _item_rows(platform) == 0


def test_unknown_jurisdiction_is_refused(platform):
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        catalog.create_version(uow, jurisdiction="atlantis-2030", title_zh="目录", title_en="Catalog")
    assert refused.value.reason == "unknown_jurisdiction"
    with platform.sessions() as session:
        assert session.scalar(select(func.count(CatalogVersion.id))) == 0


# ---------------------------------------------------------------------------------------------
# Providing units
# ---------------------------------------------------------------------------------------------

def _unit_with_grant(platform) -> None:
    first_version_in_force(platform)
    with platform.unit_of_work(ACTOR) as uow:
        units.register_unit(uow, code="market-regulation", name_zh="市场监督管理局",
                            kind="administrative_organ", uscc="91500000MA5U0AB10L")
        units.grant_item(uow, "market-regulation", "admin_penalty", jurisdiction=CQ)


def test_a_token_is_shown_once_and_only_its_hash_is_stored(platform, clock):
    _unit_with_grant(platform)
    with platform.unit_of_work(ACTOR) as uow:
        issued = units.issue_token(uow, "market-regulation", label="exchange")
    token = issued.token
    assert token.startswith(units.TOKEN_PREFIX) and len(token) >= 40
    with platform.sessions() as session:
        row = session.scalars(select(UnitCredential)).one()
        stored = [str(getattr(row, c.key)) for c in UnitCredential.__table__.columns]
        assert token not in " ".join(stored)
        assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert all(token not in e.facts for e in ledger.entries(session))
        info = units.authenticate(session, token, now=clock.now())
        session.commit()
    assert info.code == "market-regulation" and info.items == frozenset({"admin_penalty"})
    assert info.may_submit("admin_penalty") and not info.may_submit("tax_arrears")
    with platform.sessions() as session:
        assert session.scalars(select(UnitCredential)).one().last_used_at == clock.now()


def test_revoked_unknown_and_expired_tokens_are_refused(platform, clock):
    _unit_with_grant(platform)
    with platform.unit_of_work(ACTOR) as uow:
        kept = units.issue_token(uow, "market-regulation")
        revoked = units.issue_token(uow, "market-regulation")
        expiring = units.issue_token(uow, "market-regulation",
                                     expires_at=datetime(2026, 3, 19, tzinfo=UTC))
    with platform.unit_of_work(ACTOR) as uow:
        units.revoke_token(uow, revoked.credential.id)
    with platform.sessions() as session:
        assert units.authenticate(session, kept.token, now=clock.now()).code == "market-regulation"
        with pytest.raises(Refusal) as refused:
            units.authenticate(session, revoked.token, now=clock.now())
        assert refused.value.reason == "token_revoked"
        with pytest.raises(Refusal) as refused:
            units.authenticate(session, kept.token[:-2] + "xx", now=clock.now())
        assert refused.value.reason == "token_invalid"
        with pytest.raises(Refusal) as refused:
            units.authenticate(session, "", now=clock.now())
        assert (refused.value.reason, refused.value.status) == ("token_invalid", 401)
        assert units.authenticate(session, expiring.token, now=clock.now()).code == "market-regulation"
        with pytest.raises(Refusal) as refused:
            units.authenticate(session, expiring.token, now=datetime(2026, 3, 19, 1, tzinfo=UTC))
        assert refused.value.reason == "token_expired"
    with platform.unit_of_work(ACTOR) as uow:
        units.set_active(uow, "market-regulation", False)
    with platform.sessions() as session:
        with pytest.raises(Refusal) as refused:
            units.authenticate(session, kept.token, now=clock.now())
        assert refused.value.reason == "unit_inactive"
        assert not units.may_submit(session, "market-regulation", "admin_penalty")


def test_grants_decide_what_a_unit_may_submit(platform):
    _unit_with_grant(platform)
    with platform.sessions() as session:
        assert units.may_submit(session, "market-regulation", "admin_penalty")
        assert not units.may_submit(session, "market-regulation", "commendation")
        assert not units.may_submit(session, "nobody", "admin_penalty")
        assert catalog.providing_units_by_item(session)["admin_penalty"][0].code == "market-regulation"
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        units.grant_item(uow, "market-regulation", "horoscope", jurisdiction=CQ)
    assert refused.value.reason == "not_in_catalog"
    with platform.unit_of_work(ACTOR) as uow:
        units.revoke_grant(uow, "market-regulation", "admin_penalty")
    with platform.sessions() as session:
        assert not units.may_submit(session, "market-regulation", "admin_penalty")
    with platform.unit_of_work(ACTOR) as uow:
        units.grant_item(uow, "market-regulation", "admin_penalty", jurisdiction=CQ)
    with platform.sessions() as session:
        assert units.may_submit(session, "market-regulation", "admin_penalty")
        assert ledger.count(session, action_prefix="unit") == 4   # registered, granted, revoked, granted


@pytest.mark.parametrize(("changes", "reason"), [
    ({"code": "Bad Code"}, "bad_code"), ({"kind": "church"}, "unknown_kind"),
    ({"uscc": "91500000MA5U0AB10I"}, "bad_uscc"), ({"name_zh": " "}, "required"),
])
def test_bad_unit_registrations_are_refused(platform, changes, reason):
    data = {"code": "tax-bureau", "name_zh": "税务局", "kind": "administrative_organ", **changes}
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        units.register_unit(uow, **data)
    assert refused.value.reason == reason and refused.value.message_zh


def test_a_unit_code_is_taken_once(platform):
    with platform.unit_of_work(ACTOR) as uow:
        units.register_unit(uow, code="tax-bureau", name_zh="税务局", kind="administrative_organ")
    with pytest.raises(Refusal) as refused, platform.unit_of_work(ACTOR) as uow:
        units.register_unit(uow, code="tax-bureau", name_zh="另一个", kind="administrative_organ")
    assert refused.value.reason == "unit_exists"


# ---------------------------------------------------------------------------------------------
# Demo catalogs
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def platform_for(settings, clock):
    made: list[Platform] = []

    def build(jurisdiction: str) -> Platform:
        p = Platform.from_settings(settings.model_copy(update={"jurisdiction": jurisdiction}), clock=clock)
        made.append(p)
        return p

    yield build
    for p in made:
        p.engine.dispose()


@pytest.mark.parametrize("jurisdiction", demo_catalog.available())
def test_each_demo_catalog_loads_with_its_history(platform_for, jurisdiction):
    p = platform_for(jurisdiction)
    summary = demo_catalog.load_catalog(p)
    assert summary["catalog_versions"] == 2 and summary["providing_units"] == 6
    with p.sessions() as session:
        v1, v2 = catalog.list_versions(session, jurisdiction)
        assert v1.state is VersionState.superseded and v1.superseded_from == v2.in_force_from
        assert v1.assessment_count == 1 and v1.comment_count >= 1
        assert v2.state is VersionState.in_force and v2.assessment_count == 0
        expected_start = p.rulebook.get(jurisdiction).in_force or demo_catalog.DEFAULT_IN_FORCE
        assert v1.in_force_from == expected_start
        published = catalog.published_catalog(session, jurisdiction, p.clock.today())
        codes = {i.spec.code for i in published.items}
        assert {"admin_penalty", "admin_permit", "court_enforcement_default", "tax_arrears",
                "social_insurance_arrears", "credit_pledge_breach", "commendation", "volunteer_service",
                "gov_judgment_unperformed", "gov_pledge_broken"} <= codes
        assert all(i.providing_units for i in published.items)
        assert all(i.spec.allowed_by for i in published.items)
        gov = next(i.spec for i in published.items if i.spec.code == "gov_pledge_broken")
        assert gov.subject_kinds == ("state_organ",)
        # volunteer service arrived with version 2: a record dated before it is refused.
        with pytest.raises(Refusal) as refused:
            catalog.item_in_force(session, jurisdiction, "volunteer_service", date(2024, 6, 1))
        assert refused.value.reason == "not_in_force"
        assert units.may_submit(session, "tax-bureau", "tax_arrears")
        assert ledger.count(session, action_prefix="catalog") > 20


def test_load_demo_includes_the_catalog(platform):
    from xinyong.services.demo.loader import load_demo

    summary = load_demo(platform)
    assert summary["catalog_versions"] == 2
    with platform.sessions() as session:
        assert catalog.version_in_force(session, platform.jurisdiction, platform.clock.today()) is not None


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def cli_env(tmp_path, monkeypatch, database_url, platform):
    from xinyong.settings import reset_settings

    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("XINYONG_DATABASE_URL", database_url)
    monkeypatch.setenv("XINYONG_JURISDICTION", platform.jurisdiction)
    reset_settings()
    yield
    reset_settings()


def test_the_command_line_lists_shows_and_manages_units(cli_env, platform):
    import json

    from typer.testing import CliRunner

    from xinyong.cli import app

    runner = CliRunner()
    demo_catalog.load_catalog(platform)
    listed = runner.invoke(app, ["catalog", "list", "--json", "--on", "2024-06-01"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["version"]["number"] == 1
    history = json.loads(runner.invoke(app, ["catalog", "history", "--json"]).stdout)
    assert [v["state"] for v in history["versions"]] == ["superseded", "in_force"]
    shown = json.loads(runner.invoke(app, ["catalog", "show", "--version", "1", "--json"]).stdout)
    assert shown["assessments"] and shown["version"]["number"] == 1
    item_shown = json.loads(runner.invoke(app, ["catalog", "show", "admin_penalty", "--json"]).stdout)
    assert item_shown["item"]["penalty_item"] is True
    assert runner.invoke(app, ["catalog", "list", "--on", "1999-01-01"]).exit_code == 1

    assert runner.invoke(app, ["units", "add", "court-2", "--name", "第二中级人民法院",
                               "--kind", "judicial_organ"]).exit_code == 0
    granted = runner.invoke(app, ["units", "grant", "court-2", "court_enforcement_default", "--json"])
    assert json.loads(granted.stdout)["items"] == ["court_enforcement_default"]
    refused = runner.invoke(app, ["units", "grant", "court-2", "horoscope"])
    assert refused.exit_code == 2 and "horoscope" in refused.output
    issued = json.loads(runner.invoke(app, ["units", "token", "issue", "court-2", "--json"]).stdout)
    with platform.sessions() as session:
        assert units.authenticate(session, issued["token"], now=platform.clock.now()).code == "court-2"
    assert runner.invoke(app, ["units", "token", "revoke", str(issued["id"])]).exit_code == 0
    with platform.sessions() as session, pytest.raises(Refusal) as refused:
        units.authenticate(session, issued["token"], now=platform.clock.now())
    assert refused.value.reason == "token_revoked"
    listed_units = json.loads(runner.invoke(app, ["units", "list", "--json"]).stdout)["units"]
    assert "court-2" in {u["code"] for u in listed_units}
