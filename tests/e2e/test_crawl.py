"""A browser crawls every page in both languages as each demo role (the public, a citizen, a providing
unit, the operating center, the competent department) and fails on an internal code shown to the reader.

With something on every queue (an objection transferred, one decided, a restoration applied for, a
revocation, the sweep's violations), from each role's own pages it follows every same-site link it finds
(GET only; never sign-out, a download, the API or its documentation), a few pages of each shape
(``/me/notices/7`` and ``/me/notices/8`` are one), once in Chinese and once in English. On a Chinese page
the visible text (details opened; never attributes or URLs) may hold no word of the project's own
vocabularies: the message keys of the catalogs, the enum values and the store's CHECK lists, the catalog's
item codes, field names and codes, the providing units' codes, the duty purposes, the rule file's keys and
identifiers; nor any snake_case or dotted identifier, nor a raw JSON body. An English page may show no
message key. A screenshot of every page, and the list of pages visited (``crawl.txt``), are kept under
``XINYONG_E2E_ARTIFACTS`` (default: the test's tmp_path)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
from collections import Counter, deque
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from babel.messages.pofile import read_po
from browser import sign_in_as
from sqlalchemy import CheckConstraint

import xinyong.domain
from xinyong.domain.identity.actors import Actor, Role
from xinyong.portal.i18n import LOCALE_DIR
from xinyong.rules.loader import read_yaml
from xinyong.services import compliance, objections
from xinyong.services.catalog.published import published_catalog
from xinyong.services.disclosure import duty_purposes, inquiry
from xinyong.services.disclosure.references import resolve_record
from xinyong.services.identity.units import list_units
from xinyong.services.restoration.apply import apply_restoration
from xinyong.services.revocation.report import report_revocation
from xinyong.store.base import Base
from xinyong.store.models.auth import User

pytestmark = pytest.mark.e2e

# (role, the demo account that signs in (README), where its crawl starts)
ROLES = (
    ("public", None, ("/", "/help", "/privacy", "/login", "/check?identifier=91500000MA5U0AB10L",
                      "/public/organisations?q=示范", "/public/double-publicity?kind=penalty",
                      "/no-such-page", "/public/double-publicity?page=abc")),
    ("subject", "zhangming", ("/me", "/me/inquiries", "/me/authorizations", "/me/notices", "/me/objections",
                              "/me/restorations")),
    ("providing_unit", "market-clerk", ("/staff", "/staff/objections", "/staff/restorations",
                                        "/staff/revocations/new", "/staff/revocations/1")),
    ("operator", "operator", ("/staff", "/staff/objections", "/staff/restorations", "/staff/compliance",
                              "/staff/revocations/1")),
    ("competent_department", "supervisor", ("/staff", "/staff/compliance", "/staff/objections")),
)
SKIPPED = ("/logout", "/docs", "/redoc", "/api/", "/static/", "/openapi.json", "/healthz")
# Pages whose Chinese text still quotes codes, each with why; on them only message keys and JSON fail the
# crawl, and what it found is listed in crawl.txt. Remove an entry once its page reads clean.
KNOWN = {
    "/staff/batches/#?": "a refused row's message is the validator's (domain.aggregation): it quotes the allowed "
                         "choices, subject kinds, item and unit codes a file in the generic layout must hold",
}
DOWNLOADS = (".pdf", ".csv", ".xlsx", ".jsonl", ".txt")    # files, not pages
PER_SHAPE = 3          # pages of one shape visited (a list's pages, one notice and the next)
MAX_PAGES = 80         # per role and language: a bound, not an expectation

IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:[_.\-][a-z0-9]+)*$")
RUN = re.compile(r"[A-Za-z0-9_.\-]+(?:[ ,/]+[A-Za-z0-9_.\-]+)*")     # Latin words written together
TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_]|[A-Za-z]")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
DOTTED = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
FILE = re.compile(r"^[\w.\-]+\.(?:csv|xlsx|jsonl|json|pdf|txt)$")
JSON = re.compile(r"[{\[]\s*\"[^\"]*\"\s*[:,]|\[\s*\{")

VISIBLE_TEXT = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const options = [...document.querySelectorAll('option')].map(o => o.text);
  return document.body.innerText + '\\n' + options.join('\\n');
}"""


# --------------------------------------------------------------------------------------------------
# The project's own vocabularies
# --------------------------------------------------------------------------------------------------

def message_keys() -> frozenset[str]:
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        return frozenset(m.id for m in read_po(pot) if m.id)


def _identifiers(value: Any) -> set[str]:
    """Every identifier-like string in plain data (dict keys included): codes, names of fields, keys."""
    if isinstance(value, str):
        return {value} if IDENTIFIER.match(value) and len(value) >= 3 else set()
    if isinstance(value, dict):
        return set().union(*(_identifiers(k) | _identifiers(v) for k, v in value.items())) if value else set()
    if isinstance(value, list | tuple | set | frozenset):
        return set().union(*(_identifiers(v) for v in value)) if value else set()
    return set()


def _enum_values() -> set[str]:
    found: set[str] = set()
    for module in pkgutil.walk_packages(xinyong.domain.__path__, "xinyong.domain."):
        for thing in vars(importlib.import_module(module.name)).values():
            if isinstance(thing, type) and issubclass(thing, StrEnum) and thing is not StrEnum:
                found |= {member.value for member in thing}
    for table in Base.metadata.tables.values():        # the store's CHECK lists: statuses, channels, modes …
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                found |= set(re.findall(r"'([a-z][a-z0-9_]*)'", str(constraint.sqltext)))
    return found


def vocabulary(platform) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """The internal codes a Chinese page must never show."""
    today = platform.clock.today()
    words = set(message_keys()) | _enum_values()
    rules = platform.rulebook.get(platform.jurisdiction)
    words |= set(rules.keys()) | _identifiers(read_yaml(rules.path))
    with platform.sessions() as session:
        catalog = published_catalog(session, platform.jurisdiction, today)
        for item in catalog.items:
            words |= _identifiers(asdict(item.spec))
        words |= {unit.code for unit in list_units(session)}
        words |= {purpose.key for purpose in duty_purposes.listing(session, today)}
    return frozenset(w for w in words if IDENTIFIER.match(w) and len(w) >= 3)


def leaks(text: str, lang: str, words: frozenset[str], keys: frozenset[str], account: str | None = None) -> list[str]:
    """The internal codes in a page's visible text. A plain word of the vocabularies (``fine``, ``company``)
    counts where it stands alone, as a code does, not inside English prose a person wrote (a catalog
    version's bilingual reasons: "Adds volunteer service"); a snake_case, dotted or hyphenated code counts
    anywhere. The signed-in ``account``'s own name is no code (the demo's operator signs in as
    ``operator``)."""
    found = [m.group(0)[:60] for m in JSON.finditer(text)]
    for run in RUN.findall(text):
        tokens = [token.rstrip(".-") for token in TOKEN.findall(run)]
        prose = sum(1 for token in tokens if re.search(r"[A-Za-z]", token)) > 1
        for token in tokens:
            if token == account:
                continue
            if FILE.match(token):      # a file's name as its sender gave it (penalties.csv)
                continue
            if lang == "zh" and (SNAKE.match(token) or DOTTED.match(token)
                                 or (token in words and (not prose or re.search(r"[_.\-]", token)))):
                found.append(token)
            elif lang == "en" and token in keys:
                found.append(token)
    return found


def test_the_detector_finds_the_codes_named_in_the_issue(platform) -> None:  # type: ignore[no-untyped-def]
    from xinyong.services.demo.loader import load_demo

    load_demo(platform)
    words, keys = vocabulary(platform), message_keys()
    for code in ("company", "administrative_penalty_decision", "fine", "market-regulation", "loan_review",
                 "bad_credentials", "display.untrustworthy.organisation", "nav.me", "natural_person", "transferred"):
        assert leaks(f"处罚种类：{code}。", "zh", words, keys) == [code], code
    assert leaks('答复 {"detail": "Not Found"}', "zh", words, keys) == ['{"detail":']
    assert leaks("Sign in: nav.me", "en", words, keys) == ["nav.me"]
    assert leaks("您已登录 operator", "zh", words, keys) == ["operator"]
    assert leaks("您已登录 operator", "zh", words, keys, account="operator") == []
    clean = ("示范建设工程有限公司 91500000MA5U0AB10L 示市监罚〔2025〕1号 CF-2025-001 PDF 接口文档（OpenAPI） "
             "Xinyong 0.1.0")
    assert leaks(clean, "zh", words, keys) == []
    prose = "提出单位 市发展改革委 / municipal development and reform department；Adds volunteer service (Art. 18(7))"
    assert leaks(prose, "zh", words, keys) == []
    assert leaks("文件 penalties.csv 行数 20", "zh", words, keys) == []
    assert leaks("级别：municipal；Adds loan_review and fine", "zh", words, keys) == ["municipal", "loan_review"]
    assert leaks("The company was fined; transferred to the unit", "en", words, keys) == []


# --------------------------------------------------------------------------------------------------
# The crawl
# --------------------------------------------------------------------------------------------------

COMPANY_PENALTY = "market-regulation/CF-2025-001"      # 示范建设工程有限公司's, which may be restored
REVOKED_PENALTY = "market-regulation/CF-2025-002"      # 示范食品贸易有限公司's
CENTER = Actor(Role.operator, "user:crawl", "credit-center")


def under_way(platform, clock) -> None:  # type: ignore[no-untyped-def]
    """Something on every queue and in every state, through the services as the center's counter: 张明's
    objection transferred to the providing unit and a second one decided (a written notice); a company's
    restoration application; a revocation report; then the sweep after their due dates, so that the
    compliance monitor has violations to show."""
    clock.set(datetime(2026, 4, 15, 2, 0, tzinfo=UTC))      # the State's restoration rules in force
    now = clock.now()
    with platform.sessions() as session:
        account = session.query(User).filter(User.username == "zhangming").one()
        company = resolve_record(session, COMPANY_PENALTY).subject_id
    citizen = account.subject_id
    own = inquiry.inquire(platform, Actor(Role.subject, f"user:{account.id}"), subject_ref=citizen, mode="self",
                          channel="portal").records
    penalty = next(r.id for r in own if r.item_code == "admin_penalty" and r.status == "active")   # 张明's own
    with platform.unit_of_work(CENTER) as uow:
        first = objections.file_objection(uow, subject_id=citizen, records=[penalty], channel="counter",
                                          grounds="罚款金额与决定书不一致。", received=now)
        objections.transfer(uow, first.id)
    with platform.unit_of_work(CENTER) as uow:
        second = objections.file_objection(uow, subject_id=citizen, records=[penalty], channel="counter",
                                           grounds="违法行为终止日期有误。", received=now)
    with platform.unit_of_work(CENTER) as uow:
        objections.decide(uow, second.id, outcome="not_corrected", reasons="经核查，信息与决定书一致。")
    with platform.unit_of_work(CENTER) as uow:
        apply_restoration(uow, company, COMPANY_PENALTY, commitment="本单位承诺依法诚信经营。", received=now,
                          channel="counter")
    with platform.unit_of_work(CENTER) as uow:
        report_revocation(uow, REVOKED_PENALTY, grounds="reconsideration", basis="行政复议决定撤销原处罚决定。",
                          received=now)
    clock.set(now + timedelta(days=45))
    assert compliance.sweep(platform).overdue


def _artifacts(request, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = Path(os.environ["XINYONG_E2E_ARTIFACTS"]) if os.environ.get("XINYONG_E2E_ARTIFACTS") else tmp_path
    folder = root / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _in(url: str, lang: str) -> str:
    """The URL with ``lang`` set, no fragment."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"] + [("lang", lang)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _key(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if k != "lang"))


def _shape(url: str) -> str:
    """The page's kind: digits in the path made one, the query's names without their values."""
    parts = urlsplit(url)
    path = "/".join("#" if re.search(r"\d", segment) else segment for segment in parts.path.split("/"))
    return path + "?" + ",".join(sorted({k for k, _ in parse_qsl(parts.query) if k != "lang"}))


def _followed(href: str, base: str) -> bool:
    parts = urlsplit(href)
    return (href.startswith(base + "/") and not parts.path.startswith(SKIPPED)
            and not parts.path.endswith(DOWNLOADS) and parts.path != "/logout")


def _around(text: str, code: str) -> str:
    at = text.find(code)
    return " ".join(text[max(0, at - 30):at + len(code) + 30].split())


def crawl(page, base: str, lang: str, seeds, words, keys, folder: Path,  # type: ignore[no-untyped-def]
          account: str | None) -> tuple[list[str], int]:
    queue = deque(base + seed for seed in seeds)
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    problems: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if _key(url) in seen or shapes[_shape(url)] >= PER_SHAPE:
            continue
        seen.add(_key(url))
        shapes[_shape(url)] += 1
        response = page.goto(_in(url, lang))
        assert response is not None, url
        where = _key(url).removesuffix("?")
        with (folder / "crawl.txt").open("a", encoding="utf-8") as log:
            log.write(f"{lang} {response.status} {where}\n")
        kind = response.headers.get("content-type", "")
        if response.status >= 500:
            problems.append(f"{where}: {response.status}")
        if "json" in kind:
            problems.append(f"{where}: a JSON body ({response.status})")
            continue
        if "html" not in kind:
            continue
        page.screenshot(path=str(folder / f"{lang}-{len(seen):02d}-{re.sub(r'[^A-Za-z0-9]+', '-', where)[:60]}.png"),
                        full_page=True)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        text = page.evaluate(VISIBLE_TEXT)
        known = KNOWN.get(_shape(url))
        found = leaks(text, lang if known is None else "en", words, keys, account)
        if known is not None and lang == "zh":
            codes = sorted(set(leaks(text, lang, words, keys, account)) - set(found))
            with (folder / "crawl.txt").open("a", encoding="utf-8") as log:
                log.write(f"   known ({known}): {', '.join(codes)}\n")
        problems += [f"{where}: {code} in …{_around(text, code)}…" for code in found]
        queue.extend(href.split("#")[0] for href in hrefs if _followed(href, base))
    return problems, len(seen)


@pytest.mark.parametrize(("role", "username", "seeds"), ROLES, ids=[r[0] for r in ROLES])
def test_every_page_of_each_role_shows_no_internal_code(request, platform, clock, live_server, page,  # type: ignore[no-untyped-def]
                                                        tmp_path, role, username, seeds) -> None:
    under_way(platform, clock)
    words, keys = vocabulary(platform), message_keys()
    folder = _artifacts(request, tmp_path)
    if username:
        sign_in_as(page, live_server, username)
    problems: list[str] = []
    for lang in ("zh", "en"):
        found, visited = crawl(page, live_server, lang, seeds, words, keys, folder, username)
        assert visited >= len(seeds), (lang, visited)
        problems += [f"{lang} {p}" for p in found]
    assert problems == [], "\n".join(sorted(set(problems)))
