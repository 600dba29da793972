"""Double publicity searched as a government site offers it (issue 14 part 6): by an organisation's name
or credit code, by the decision dates, by the deciding department; through the API and the page, in both
languages. A person's name finds nothing (an individual business is not found by its operator's name)."""

from __future__ import annotations

import pytest
from test_portal_pages import demo, text_of  # noqa: F401 - the demo data fixture

COMPANY = ("示范建设工程有限公司", "91500000MA5U0AB10L")


def _entries(client, **params):  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/public/double-publicity", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_by_name_or_code(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    everything = _entries(client)
    by_name = _entries(client, q="示范建设")
    assert by_name and all(e["organisation"]["name"] == COMPANY[0] for e in by_name)
    assert len(by_name) < len(everything)
    by_code = _entries(client, q=COMPANY[1])
    assert [e["record"]["id"] for e in by_code] == [e["record"]["id"] for e in by_name]
    assert _entries(client, q="孙磊") == []            # the operator's name is no key to the business
    assert _entries(client, q="没有这家公司") == []


def test_by_decision_dates_and_department(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    everything = _entries(client)
    dates = sorted({e["decided_on"] for e in everything if e["decided_on"]})
    assert len(dates) >= 3
    start, end = dates[1], dates[-2]
    within = _entries(client, decided_from=start, decided_to=end)
    assert within and all(start <= e["decided_on"] <= end for e in within)
    assert len(within) < len(everything)
    units = {e["record"]["unit_code"] for e in everything}
    unit = sorted(units)[0]
    mine = _entries(client, unit=unit)
    assert mine and {e["record"]["unit_code"] for e in mine} == {unit}
    assert "volunteer-federation" not in units
    assert _entries(client, unit="volunteer-federation") == []      # a department that decided none


@pytest.mark.parametrize(("params", "field", "reason"), [
    ({"decided_from": "2025-07-01", "decided_to": "2025-06-01"}, "decided_to", "date_order"),
    ({"unit": "no-such-department"}, "unit", "unit_unknown"),
    ({"q": "示"}, "q", "query_length"),
])
def test_bad_search_is_named(client, demo, params, field, reason) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    response = client.get("/api/v1/public/double-publicity", params=params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert (detail["field"], detail["reason"]) == (field, reason)
    assert detail["message_zh"] and detail["message_en"]


def test_a_date_that_is_not_one(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    refused = client.get("/api/v1/public/double-publicity", params={"decided_from": "2025-02-30"})
    assert refused.status_code == 422 and "decided_from" in refused.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_searches_and_keeps_its_query(client, demo, lang) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = client.get("/public/double-publicity", params={"q": COMPANY[1], "unit": "market-regulation",
                                                          "kind": "penalty", "lang": lang})
    assert page.status_code == 200
    html = page.text
    assert f'value="{COMPANY[1]}"' in html and '<option value="market-regulation" selected>' in html
    assert ("市市场监督管理局" if lang == "zh" else "Municipal Administration for Market Regulation") in html
    assert "示范食品贸易有限公司" not in html.split('id="publicity"')[1]      # only the company searched for
    assert "示范建设工程有限公司" in html.split('id="publicity"')[1]
    assert 'href="/public/double-publicity?kind=permit&amp;q=' in html       # the tabs keep the search
    nothing = client.get("/public/double-publicity", params={"q": "没有这家公司", "lang": lang}).text
    assert ("没有符合查询条件的信息" if lang == "zh" else "Nothing matches the search") in nothing
    # a name is searched but not echoed (it may be a person's), as the organisation search does
    by_name = client.get("/public/double-publicity", params={"q": "示范建设", "lang": lang}).text
    assert "示范建设工程有限公司" in by_name and 'value="示范建设"' not in by_name
    assert 'id="tab-permit"' in by_name and "kind=permit&amp;q=" not in by_name
    bad = client.get("/public/double-publicity", params={"decided_from": "2025-07-01", "decided_to": "2025-06-01",
                                                         "lang": lang})
    assert bad.status_code == 422 and ("决定日期（止）" if lang == "zh" else "decided to") in bad.text
    assert "decided_to" not in text_of(bad.text)                # the field named in words, not by its code
