"""Portal translations: Chinese by default, English on request (``?lang=en``, remembered in a cookie).

Every text a page shows is in a gettext catalog, ``locale/<lang>/LC_MESSAGES/messages.po``, under its
message key (templates call ``t('home.search.label')``); ``locale/messages.pot`` is the template Babel
extracts from the templates and this package (``babel.cfg``; ``make i18n`` extracts and updates the
catalogs, the build compiles them). A compiled ``.mo`` missing or older than its ``.po`` is compiled in
process, so a page never shows keys for want of a build step. A key no catalog translates reads as
itself; an English text not yet translated reads in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Request

LANGUAGES = ("zh", "en")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(key: str) -> str:  # noqa: N802 - gettext's name for a marker
    """Marks a message key for extraction where the text is looked up later (``t(key)``)."""
    return key


# Keys the templates build at run time from a stored value ('role.' ~ visitor.actor.role.value): marked
# here so that extraction finds them. tests/api/test_portal_catalogs.py checks each list against the
# values the project stores (the enums, the store's CHECK lists).
DYNAMIC_KEYS = (
    # authorizations' states (services.disclosure.authorizations)
    N_("auth.state.in_force"), N_("auth.state.not_yet"), N_("auth.state.expired"), N_("auth.state.revoked"),
    # the inquiry log's channels and modes (store.models.access)
    N_("channel.api"), N_("channel.portal"), N_("channel.cli"), N_("channel.report"), N_("channel.export"),
    N_("channel.explain"), N_("channel.service"),
    N_("mode.lawful_disclosure"), N_("mode.duty"), N_("mode.self"), N_("mode.authorized"),
    # the fields a refusal names on a form (errors_box in _macros.html; an unknown one shows its name)
    N_("field.account"), N_("field.authorization_id"), N_("field.identifier"), N_("field.kind"),
    N_("field.record_id"), N_("field.subject"),
    N_("field.q"), N_("field.decided_from"), N_("field.decided_to"), N_("field.unit"),   # the double-publicity search
    N_("field.file"), N_("field.confirm"), N_("field.label"), N_("field.scopes"),   # uploads and unit tokens
    N_("field.title_zh"), N_("field.title_en"), N_("field.reason"), N_("field.received_on"),   # the catalog's steps
    N_("field.held_on"), N_("field.experts"), N_("field.groups_heard"), N_("field.conclusion"),
    N_("field.approved_by"), N_("field.in_force_from"),
    N_("field.name"), N_("field.number"), N_("field.filed_on"), N_("field.filing_kind"),   # the center's pages
    N_("field.filing_number"), N_("field.name_zh"), N_("field.code"), N_("field.item_code"),
    N_("field.institution"), N_("field.agreement"),
    # a providing unit's kind (store.models.catalog.UNIT_KINDS)
    N_("unitkind.administrative_organ"), N_("unitkind.judicial_organ"), N_("unitkind.public_enterprise"),
    N_("unitkind.public_institution"), N_("unitkind.mass_organisation"), N_("unitkind.market_unit"),
    # an institution's permit or filing, the inquiry log's purge (services.disclosure.inquiry_log.PurgeResult)
    N_("inst.kind.filing"), N_("inst.kind.permit"),
    N_("ilog.kept.not_provided"), N_("ilog.kept.not_in_force"), N_("ilog.kept.unlimited"),
    # a notice served outside the portal (store.models.rights.DELIVERY_CHANNELS)
    N_("notices.delivery.post"), N_("notices.delivery.counter"), N_("notices.delivery.email"),
    # who commented on a draft catalog and how (services.catalog.COMMENTER_KINDS, domain.catalog CommentStance)
    N_("catalog.commenter.government"), N_("catalog.commenter.department"), N_("catalog.commenter.market_entity"),
    N_("catalog.commenter.industry_association"), N_("catalog.commenter.legal_service"),
    N_("catalog.commenter.expert"), N_("catalog.commenter.public"), N_("catalog.commenter.other"),
    N_("catalog.stance.support"), N_("catalog.stance.oppose"), N_("catalog.stance.amend"),
    N_("catalog.stance.neutral"),
    # a unit token's scopes (services.identity.units.SCOPES)
    N_("token.scope.submit"), N_("token.scope.batches.read"), N_("token.scope.objections.answer"),
    # subject kinds (domain.platform.kinds.SubjectKind)
    N_("kind.natural_person"), N_("kind.legal_person"), N_("kind.unincorporated_org"), N_("kind.state_organ"),
    N_("kind.individual_business"),
    # a record's labels and statuses (services.disclosure.marks, store.models.records)
    N_("label.objection_pending"), N_("label.suspended"), N_("label.withheld"), N_("label.restored"),
    N_("label.expired"), N_("label.period_ended"),
    N_("record_status.active"), N_("record_status.revoked"), N_("record_status.restored"),
    N_("record_status.expired"),
    # the two kinds of double publicity (domain.catalog.items.publicity_kind)
    N_("dp.kind.permit"), N_("dp.kind.penalty"),
    # the notice after a form was done (portal.pages.NOTICES)
    N_("notice.granted"), N_("notice.revoked"), N_("notice.verified"), N_("notice.withheld"),
    N_("notice.released"),
    # objections (store.models.rights, services.objections.handling)
    N_("ob.status.received"), N_("ob.status.transferred"), N_("ob.status.decided"), N_("ob.status.refused"),
    N_("ob.status.reexamination"), N_("ob.status.closed"),
    N_("ob.outcome.corrected"), N_("ob.outcome.supplemented"), N_("ob.outcome.service_stopped"),
    N_("ob.outcome.not_corrected"),
    N_("ob.rx.outcome.upheld"), N_("ob.rx.outcome.revised"),
    # restorations, revocations and their duties (store.models.rights, store.models.duties)
    N_("rr.status.received"), N_("rr.status.granted"), N_("rr.status.refused"),
    N_("rr.decided.granted"), N_("rr.decided.refused"),
    N_("rr.duty.open"), N_("rr.duty.suspended"), N_("rr.duty.done"), N_("rr.duty.done_late"),
    N_("rr.duty.overdue"), N_("rr.duty.cancelled"),
    N_("rr.grounds.deciding_organ"), N_("rr.grounds.reconsideration"), N_("rr.grounds.court"),
    N_("rr.grounds.changed"),
    # roles (domain.identity.actors.Role)
    N_("role.public"), N_("role.subject"), N_("role.providing_unit"), N_("role.operator"),
    N_("role.competent_department"), N_("role.duty_department"), N_("role.service_institution"),
    N_("role.administrator"), N_("role.system"),
    # a rule file's status (rules.model.STATUSES)
    N_("status.enacted"), N_("status.draft"),
    # identifier kinds (domain.platform.kinds.IdentifierKind)
    N_("idkind.citizen_id"), N_("idkind.uscc"), N_("idkind.passport"), N_("idkind.other_id"),
    N_("idkind.registration_no"),
    # the codes of the catalog's enum fields (choices), shown by their labels on a record
    N_("choice.accreditation"), N_("choice.administrative_decision"), N_("choice.administrative_penalty_decision"),
    N_("choice.administrative_ruling"), N_("choice.approval"), N_("choice.arbitral_award"),
    N_("choice.business_restriction"), N_("choice.circulated_criticism"), N_("choice.closure_ordered"),
    N_("choice.company"), N_("choice.compensated"), N_("choice.confiscation_of_illegal_gains"),
    N_("choice.confiscation_of_illegal_property"), N_("choice.court_judgment"), N_("choice.court_mediation"),
    N_("choice.court_ruling"), N_("choice.credit_restoration"), N_("choice.detention"), N_("choice.district"),
    N_("choice.false_pledge"), N_("choice.fine"), N_("choice.five_star"), N_("choice.foreign_permanent_residence"),
    N_("choice.four_star"), N_("choice.franchise"), N_("choice.general"), N_("choice.hk_macao_permit"),
    N_("choice.individual_business"), N_("choice.industry"), N_("choice.industry_self_discipline"),
    N_("choice.invalid"), N_("choice.investment_agreement"), N_("choice.minor"), N_("choice.municipal"),
    N_("choice.national"), N_("choice.natural_person"), N_("choice.not_compensated"), N_("choice.not_performed"),
    N_("choice.notice_and_pledge_approval"), N_("choice.one_star"), N_("choice.ordinary"),
    N_("choice.organisation"), N_("choice.other"), N_("choice.other_contract"), N_("choice.other_legal_document"),
    N_("choice.partly_compensated"), N_("choice.partly_performed"), N_("choice.partnership"), N_("choice.passport"),
    N_("choice.permit_revocation"), N_("choice.permit_suspension"), N_("choice.pledge_not_performed"),
    N_("choice.policy_pledge"), N_("choice.practice_restriction"), N_("choice.procurement_contract"),
    N_("choice.provincial"), N_("choice.public_institution"), N_("choice.public_private_partnership"),
    N_("choice.qualification_downgrade"), N_("choice.registration"), N_("choice.resident_id_card"),
    N_("choice.serious"), N_("choice.social_organisation"), N_("choice.sole_proprietorship"),
    N_("choice.suspension_of_business"), N_("choice.taiwan_permit"), N_("choice.three_star"),
    N_("choice.time_limit_order"), N_("choice.two_star"), N_("choice.valid"), N_("choice.voluntary"),
    N_("choice.warning"),
)


def language(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return wanted if wanted in LANGUAGES else "zh"


def load_translations(directory: Path, lang: str) -> Translations:
    """One language's catalog under ``directory``: its compiled ``.mo``, or the ``.po`` compiled in
    process where the ``.mo`` is missing or older (fuzzy and empty translations left out, as
    ``pybabel compile`` leaves them)."""
    po = directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return Translations(compiled, domain=DOMAIN)
    with po.open("rb") as source:
        catalog = read_po(source, locale=lang, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def translations(lang: str, directory: Path = LOCALE_DIR) -> Translations:
    """The language's catalog, loaded once per process; English falls back to Chinese."""
    found = load_translations(directory, lang)
    if lang != "zh":
        found.add_fallback(translations("zh", directory))
    return found


def translator(lang: str) -> Callable[[str], str]:
    """``t(key)``: the key's text in ``lang``; the key itself where no catalog has it."""
    return translations(lang if lang in LANGUAGES else "zh").gettext
