"""Canary natural persons: their names and identifiers carry unique tokens; records about them (and an
organisation's record naming one of them) are stored and inquired into. Then every GET route of the
application — the API in the OpenAPI document, the portal pages, exports — is crawled without
authentication, with good and bad parameters (404s, 422s): no response body may contain any token,
other than one the request itself carried.

Canaries are also written inside free text, as a department writes them: an organisation's penalty
whose facts read "法定代表人<name>（公民身份号码<number>）…", with a mobile number, and a natural
person's record that names another person with that person's number. Those people are not subjects of
the records, so nobody but themselves may read them: the crawl runs again as a department inquiring by
duty (the broadest reader there is), and the subject itself sees its own record without the other
person's name or number."""

from __future__ import annotations

import itertools
import re
import secrets
from urllib.parse import unquote

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from access_seed import Seed, citizen_id
from xinyong.domain.identity.actors import Role
from xinyong.services.disclosure import inquiry

STATIC_SKIP = ("/static",)


def _token() -> str:
    return "CANARY" + secrets.token_hex(5).upper()


# Given names for the free-text canaries: rare characters, so a name is unique to its test run.
_GIVEN = "翀翙翚翛翞翟翠翡翣翥翦翨翪翫翬翭翮翯翰翱翲翴翵翷翸翹翺翻翼翽翾翿"


def _han_name() -> str:
    """A natural person's name as written in Chinese prose: a common surname and two rare characters."""
    return secrets.choice("张王李赵刘陈") + "".join(secrets.choice(_GIVEN) for _ in range(2))


def _mobile() -> str:
    return "139" + "".join(secrets.choice("0123456789") for _ in range(8))


@pytest.fixture
def canaries(platform, client):  # type: ignore[no-untyped-def]
    seed = Seed(platform).catalog()
    people = []
    for n in range(4):
        token = _token()
        name = f"金{token}" if n % 2 == 0 else f"Jin {token}"
        identifier = citizen_id(900 + n, birth=f"19{70 + n}0{1 + n}1{n}")
        sid = seed.subject("natural_person", name, identifier)
        records = [
            seed.record(sid, "public_penalty", {"party_name": name, "party_identifier": identifier,
                                                "summary": f"{name} 未按期履行 {token}"},
                        conduct_ended=platform.clock.today()),
            seed.record(sid, "tiered_penalty", {"party_name": name, "summary": token},
                        decision_date=platform.clock.today()),
            seed.record(sid, "admin_permit", {"party_name": name}, decision_date=platform.clock.today()),
            seed.record(sid, "commendation", {"summary": f"表彰 {name}"}),
            seed.record(sid, "shared_arrears", {"party_name": name}),
            seed.record(sid, "private_detail", {"summary": token}),
        ]
        people.append({"id": sid, "name": name, "token": token, "identifier": identifier, "records": records})
    passport_token = "E" + "".join(secrets.choice("0123456789") for _ in range(8))
    passport_person = seed.subject("natural_person", f"Passport {_token()}", passport_token)
    # People written into free text only: never subjects of the records that mention them.
    representative, witness = _han_name(), _han_name()
    representative_id = citizen_id(990, birth="19850312")
    witness_id = citizen_id(991, birth="19900704")
    mobile, witness_passport = _mobile(), "G" + "".join(secrets.choice("0123456789") for _ in range(8))
    org = seed.subject("legal_person", "示范金丝雀有限公司")
    org_records = [
        seed.record(org, "public_penalty", {"legal_representative_identifier": people[0]["identifier"],
                                            "summary": "罚款"}, conduct_ended=platform.clock.today()),
        seed.record(org, "admin_permit", {"summary": "许可"}, decision_date=platform.clock.today()),
        seed.record(org, "public_penalty", {
            "summary": f"法定代表人{representative}（公民身份号码{representative_id}）未按规定公示年度报告，"
                       f"联系电话{mobile}。"}, conduct_ended=platform.clock.today()),
        seed.record(org, "shared_arrears", {"summary": f"经营者：{representative}，证件号码 {representative_id}"}),
    ]
    people[1]["records"].append(seed.record(people[1]["id"], "public_penalty", {
        "summary": f"与当事人{witness}（身份证号{witness_id}，护照号码{witness_passport}）共同实施。"},
        conduct_ended=platform.clock.today()))
    # Inquiries into them, so that the inquiry log and the ledger hold their traces too.
    duty, duty_token = seed.user(Role.duty_department, organisation="dept-canary", token=True)
    seed.duty_purposes("dept-canary", "administrative_permit")
    owner, owner_token = seed.user(Role.subject, subject_id=people[0]["id"], token=True)
    for person in people:
        inquiry.inquire(platform, duty, subject_ref=person["identifier"], purpose="administrative_permit")
    inquiry.inquire(platform, duty, subject_ref=org, purpose="administrative_permit")
    inquiry.inquire(platform, owner, subject_ref=people[0]["id"])
    tokens = set()
    for person in people:
        tokens |= {person["token"], person["name"], person["identifier"]}
    tokens |= {passport_token}
    in_text = {representative, representative_id, witness, witness_id, mobile, witness_passport}
    return {"people": people, "tokens": tokens | in_text, "in_text": in_text, "org": org,
            "org_records": org_records, "passport": passport_token, "passport_person": passport_person,
            "duty_token": duty_token, "owner_token": owner_token, "witness": witness, "witness_id": witness_id}


def _values(canaries) -> list[str]:  # type: ignore[no-untyped-def]
    """What the crawl puts into path and query parameters."""
    out = ["1", "2", "999999", "0", "-1", "abc", "%25", "x" * 70, "91500000000000009X", canaries["passport"]]
    for person in canaries["people"]:
        out += [str(person["id"]), person["identifier"], person["token"], person["name"],
                *(str(r) for r in person["records"])]
    out += [str(canaries["org"]), *(str(r) for r in canaries["org_records"]), str(canaries["passport_person"])]
    return list(dict.fromkeys(out))


def _flatten(routes):  # type: ignore[no-untyped-def]
    for route in routes:
        inner = getattr(route, "original_router", None)       # FastAPI's included-router wrapper
        if inner is not None:
            yield from _flatten(inner.routes)
        else:
            yield route


def _routes(app):  # type: ignore[no-untyped-def]
    for route in _flatten(app.routes):
        if isinstance(route, Mount) or not isinstance(route, Route | APIRoute):
            continue
        if "GET" not in (route.methods or set()) or route.path.startswith(STATIC_SKIP):
            continue
        yield route


def _query_params(route) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    if not isinstance(route, APIRoute):
        return [("identifier", False), ("q", False), ("lang", False)]
    return [(p.alias, p.field_info.is_required()) for p in route.dependant.query_params]


def _leaks(text: str, url: str, tokens: set[str]) -> list[str]:
    sent = unquote(url)
    return sorted(t for t in tokens if t in text and t not in sent)


def test_no_canary_appears_on_any_public_route(client, canaries) -> None:  # type: ignore[no-untyped-def]
    _crawl(client, canaries, canaries["tokens"], headers={})


def test_no_person_written_in_free_text_reaches_a_department_inquiring_by_duty(client, canaries) -> None:  # type: ignore[no-untyped-def]
    """A department sees the natural persons it inquires into (masked), by duty, and every organisation's
    shared records; the people named only inside the records' free text are masked for it too."""
    headers = {"Authorization": f"Bearer {canaries['duty_token']}"}
    org_records = client.get(f"/api/v1/subjects/{canaries['org']}/records",
                             params={"mode": "duty", "purpose": "administrative_permit"}, headers=headers)
    assert org_records.status_code == 200, org_records.text
    texts = [r["fields"].get("summary", "") for r in org_records.json()["records"]]
    assert any("法定代表人" in t and "公民身份号码" in t and "*" in t for t in texts), texts
    _crawl(client, canaries, canaries["in_text"], headers=headers)


def _crawl(client, canaries, tokens: set[str], headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    values = _values(canaries)
    people = canaries["people"]
    query_values = ["1", "abc", "-1", "x" * 70, canaries["passport"], str(canaries["org"]),
                    *(p[k] for p in people for k in ("identifier", "token", "name")),
                    *(str(p["id"]) for p in people), *(str(p["records"][0]) for p in people)]
    leaks: list[str] = []
    crawled = 0
    routes = list(_routes(client.app))
    assert any(r.path == "/api/v1/subjects/{ref}/records" for r in routes)
    for route in routes:
        names = re.findall(r"{([^}:]+)(?::[^}]*)?}", route.path)
        params = _query_params(route)
        required = {name: "1" for name, req in params if req}
        path_values = itertools.product(values, repeat=len(names)) if names else [()]
        if len(names) > 1:
            path_values = [tuple(v) for v in itertools.islice(path_values, 200)]
        for combo in path_values:
            path = route.path
            for name, value in zip(names, combo, strict=True):
                path = re.sub(r"{" + name + r"(?::[^}]*)?}", value.replace("%", "%25").replace("/", "%2F"), path)
            variants = [dict(required)]
            if not names or combo[0] in ("1", str(canaries["org"])):
                for name, _req in params:
                    variants += [{**required, name: v} for v in query_values]
            for query in variants:
                response = client.get(path, params=query, headers=headers)
                crawled += 1
                found = _leaks(response.text, str(response.request.url), tokens)
                if found:
                    leaks.append(f"GET {response.request.url} -> {response.status_code}: {found}")
    # Error bodies of routes that do not exist, and of the OpenAPI document and the docs.
    for person in canaries["people"]:
        for url in (f"/api/v1/nowhere/{person['id']}", f"/api/v1/subjects/{person['id']}/records?mode=gossip",
                    f"/api/v1/records/{person['records'][0]}/explain?mode=self",
                    f"/api/v1/public/organisations/{person['id']}/records"):
            response = client.get(url, headers=headers)
            crawled += 1
            found = _leaks(response.text, url, tokens)
            if found:
                leaks.append(f"GET {url} -> {response.status_code}: {found}")
    for url in ("/openapi.json", "/docs", "/"):
        response = client.get(url, headers=headers)
        found = _leaks(response.text, url, tokens)
        if found:
            leaks.append(f"GET {url}: {found}")
    assert crawled > 500, crawled
    print(f"crawled {crawled} requests over {len(routes)} routes")
    assert leaks == [], "canary tokens leaked:\n" + "\n".join(leaks[:50])


def test_the_canaries_are_there_for_the_subject_itself(client, platform, canaries) -> None:  # type: ignore[no-untyped-def]
    """The crawl would pass vacuously if the tokens were never stored: the subject sees them all."""
    person = canaries["people"][0]
    response = client.get(f"/api/v1/subjects/{person['id']}/records",
                          headers={"Authorization": f"Bearer {canaries['owner_token']}"})
    assert response.status_code == 200
    assert person["token"] in response.text and person["identifier"] in response.text
    assert person["name"] in response.text


def test_a_subject_sees_its_own_record_without_the_other_person_it_names(client, platform, canaries) -> None:  # type: ignore[no-untyped-def]
    seed = Seed(platform)
    person = canaries["people"][1]
    _actor, token = seed.user(Role.subject, subject_id=person["id"], token=True)
    response = client.get(f"/api/v1/subjects/{person['id']}/records", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    text = response.text
    assert person["identifier"] in text and person["name"] in text          # its own, unmasked
    assert "共同实施" in text                                               # the record is there
    assert canaries["witness"] not in text and canaries["witness_id"] not in text
    assert canaries["witness"][0] + "**" in text                            # masked, not dropped


def test_the_organisations_record_masks_the_identity_number_it_carries(client, canaries) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/public/organisations/{canaries['org']}/records")
    assert response.status_code == 200
    body = response.json()
    field = next(r["fields"]["legal_representative_identifier"] for r in body["records"]
                 if "legal_representative_identifier" in r["fields"])
    assert "*" in field and field != canaries["people"][0]["identifier"]
