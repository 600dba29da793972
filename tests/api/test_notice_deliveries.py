"""A written notice served outside the portal (issue 13 part 6: "each with its delivery recorded and visible
to the subject"): the center records a service by post, at the counter or by e-mail with its day and
reference (API, CLI), refused when the day is before the notice or in the future; the subject sees it on
the notice; the ledger records it."""

from __future__ import annotations

from datetime import date

from test_notices_compliance_api import _bearer, _notice

from access_seed import Seed
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services import notices
from xinyong.services.audit import ledger
from xinyong.services.platform.bootstrap import Platform


def test_the_center_records_a_notice_served_by_post(client, platform: Platform) -> None:
    seed = Seed(platform)
    mine = seed.subject("natural_person", "王小明")
    _subject, token = seed.user(Role.subject, subject_id=mine, token=True)
    _operator, staff = seed.user(Role.operator, token=True)
    notice = _notice(platform, mine)
    today = platform.clock.today().isoformat()

    refused = client.post(f"/api/v1/notices/{notice}/deliveries", headers=_bearer(staff),
                          json={"via": "post", "delivered_on": "2020-01-01"})
    assert refused.status_code == 422 and refused.json()["detail"]["field"] == "delivered_on"
    assert client.post(f"/api/v1/notices/{notice}/deliveries", headers=_bearer(token),
                       json={"via": "post", "delivered_on": today}).status_code == 403       # not the subject's
    served = client.post(f"/api/v1/notices/{notice}/deliveries", headers=_bearer(staff),
                         json={"via": "post", "delivered_on": today, "reference": "EMS 1234567890"})
    assert served.status_code == 201
    assert served.json()["deliveries"] == [{"via": "post", "delivered_on": today, "reference": "EMS 1234567890"}]
    mine_view = client.get(f"/api/v1/me/notices/{notice}", headers=_bearer(token)).json()
    assert mine_view["deliveries"][0]["via"] == "post"
    with platform.sessions() as session:
        entries = [e for e in ledger.entries(session, entity="notice", entity_id=notice)
                   if e.action == "notice.delivered"]
        assert len(entries) == 1 and entries[0].facts_dict() == {"via": "post", "delivered_on": today,
                                                                 "reference": True}


def test_the_service_checks_the_channel_and_the_day(platform: Platform) -> None:
    seed = Seed(platform)
    notice = _notice(platform, seed.subject("natural_person", "李四"))
    today = platform.clock.today()
    for via, day, field in (("fax", today, "via"), ("counter", date(today.year + 1, 1, 1), "delivered_on")):
        try:
            with platform.unit_of_work(Actor(Role.operator, "test")) as uow:
                notices.record_delivery(uow, notice, via=via, delivered_on=day)
        except Refusal as refused:
            assert refused.field == field and refused.message_zh and refused.message_en
        else:
            raise AssertionError(f"{via} on {day} was accepted")
    with platform.unit_of_work(Actor(Role.operator, "test")) as uow:
        view = notices.record_delivery(uow, notice, via="counter", delivered_on=today, reference="签收单 12")
    assert view.deliveries == (("counter", today, "签收单 12"),)
