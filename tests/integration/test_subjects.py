"""Registering credit subjects: valid identifiers only, one subject per identifier, responsible persons."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.audit import ledger
from xinyong.services.subjects import registry as subjects
from xinyong.store.models import ResponsiblePerson, Subject

ACTOR = Actor.system("test")
COMPANY = "91500000MA5U0AB10L"
PERSON = "11010519491231002X"


def _count(platform) -> int:
    with platform.sessions() as session:
        return session.scalar(select(func.count(Subject.id)))


def test_registering_the_same_identifier_twice_names_the_same_subject(platform):
    with platform.unit_of_work(ACTOR) as uow:
        first = subjects.register(uow, identifier=COMPANY, display_name="示范建设工程有限公司", kind="legal_person")
        again = subjects.register(uow, identifier=" 91500000ma5u0ab10l ", display_name="other name",
                                  kind="legal_person")
    assert first.id == again.id
    assert _count(platform) == 1


@pytest.mark.parametrize("bad", ["11010519491231002Y", "110105194902300021", "91500000MA5U0AB10I", "123"])
def test_a_bad_identifier_is_refused_with_its_reason_and_stores_nothing(platform, bad):
    with pytest.raises(Refusal) as caught, platform.unit_of_work(ACTOR) as uow:
        subjects.register(uow, identifier=bad, display_name="x")
    assert caught.value.field == "identifier"
    assert caught.value.message_zh and caught.value.message_en
    assert _count(platform) == 0
    with platform.sessions() as session:
        assert ledger.count(session) == 0


def test_a_citizen_id_cannot_register_a_company(platform):
    with pytest.raises(Refusal) as caught, platform.unit_of_work(ACTOR) as uow:
        subjects.register(uow, identifier=PERSON, display_name="x", kind="legal_person")
    assert caught.value.field == "kind"


def test_registration_is_in_the_ledger_without_the_identifier_itself(platform):
    with platform.unit_of_work(ACTOR) as uow:
        subjects.register(uow, identifier=PERSON, display_name="张三", kind="natural_person")
    with platform.sessions() as session:
        entries = ledger.entries(session, entity="subject")
    assert [e.action for e in entries] == ["subject.registered"]
    flat = repr([(e.facts, e.actor) for e in entries])
    assert PERSON not in flat and "张三" not in flat


def test_organisations_record_their_responsible_persons(platform):
    with platform.unit_of_work(ACTOR) as uow:
        org = subjects.register(uow, identifier=COMPANY, display_name="示范建设工程有限公司", kind="legal_person")
        person = subjects.register(uow, identifier=PERSON, display_name="张三", kind="natural_person")
        subjects.link_responsible_person(uow, org, person, "legal_representative")
        subjects.link_responsible_person(uow, org, person, "actual_controller")
        subjects.link_responsible_person(uow, org, person, "legal_representative")  # idempotent
        with pytest.raises(Refusal) as refused:
            subjects.link_responsible_person(uow, person, org, "legal_representative")
        assert refused.value.reason == "not_organisation"
    with platform.sessions() as session:
        roles = sorted(session.scalars(select(ResponsiblePerson.role)).all())
    assert roles == ["actual_controller", "legal_representative"]
