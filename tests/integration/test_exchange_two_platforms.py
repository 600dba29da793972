"""Two real platforms exchanging (issue 16 part 5): a municipal and a provincial Xinyong, each its own server
process (uvicorn via ``xinyong serve``) on its own database (a SQLite file each, or a fresh PostgreSQL
database each when ``XINYONG_TEST_DATABASE_URL`` is set). A penalty imported on the municipal platform in
the national standard is pulled by the provincial one (``xinyong exchange pull``, a process of its own);
its correction reaches the provincial platform by a push (``POST /api/v1/exchange/changes`` on the
provincial server); its restoration by the next pull, after which neither the public nor a department by
duty sees it upstream any more. The other way, the provincial platform's serious untrustworthiness list
reaches the municipal one (``xinyong exchange pull --peer province``: the lists an upstream peer shares),
and the entry's removal upstream withdraws it below."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from stdnum.cn import uscc

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.clock import FixedClock
from xinyong.services import exchange
from xinyong.services.aggregation import batches
from xinyong.services.aggregation.writer import correct_record, restore_record
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.demo.loader import load_duty_purposes, load_subjects
from xinyong.services.disclosure import inquiry
from xinyong.services.disclosure.references import resolve_record
from xinyong.services.platform.bootstrap import Platform
from xinyong.settings import Settings

PG_URL = os.environ.get("XINYONG_TEST_DATABASE_URL")
CLOCK = "2026-03-18T10:00:00+08:00"
NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
COMPANY = "91500000MA5U0AB10L"          # a demo company (示范建设工程有限公司)
NUMBER = "渝示市监罚〔2026〕88号"
OTHER = "渝示市监罚〔2026〕89号"
UNIT = "market-regulation"
ORGAN = "11500000MB1234567" + uscc.calc_check_digit("11500000MB1234567")


@dataclass
class Instance:
    name: str
    platform: Platform
    env: dict[str, str]
    url: str
    process: subprocess.Popen[bytes] | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database(tmp_path: Path, name: str) -> tuple[str, str | None]:
    if not PG_URL:
        return f"sqlite:///{tmp_path / name}.db", None
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    db = f"xy_exchange_{name}_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    return url.set(database=db).render_as_string(hide_password=False), db


def _drop(db: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(PG_URL).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _xinyong() -> str:
    return str(Path(sys.executable).with_name("xinyong"))


@pytest.fixture
def platforms(tmp_path: Path) -> Iterator[dict[str, Instance]]:
    made: dict[str, Instance] = {}
    dropped: list[str] = []
    try:
        for name in ("city", "province"):
            url, db = _database(tmp_path, name)
            if db:
                dropped.append(db)
            data = tmp_path / name
            data.mkdir()
            settings = Settings(data_dir=data, database_url=url, jurisdiction="chongqing-2021",
                                calendar_dirs=str(data / "calendar"), clock=datetime.fromisoformat(CLOCK))
            platform = Platform.from_settings(settings, clock=FixedClock(NOW))
            platform.migrate()
            load_subjects(platform)           # the demo's subjects, catalog, units and duty purposes; no records
            load_catalog(platform)
            load_duty_purposes(platform)
            port = _free_port()
            env = {**os.environ, "XINYONG_ENV": "local", "XINYONG_DATABASE_URL": url, "XINYONG_DATA_DIR": str(data),
                   "XINYONG_JURISDICTION": "chongqing-2021", "XINYONG_CALENDAR_DIRS": str(data / "calendar"),
                   "XINYONG_CLOCK": CLOCK, "XINYONG_LOG_LEVEL": "WARNING", "XINYONG_SWEEP_SECONDS": "0"}
            made[name] = Instance(name, platform, env, f"http://127.0.0.1:{port}")
        for instance in made.values():
            port = instance.url.rsplit(":", 1)[1]
            instance.process = subprocess.Popen([_xinyong(), "serve", "--no-migrate", "--port", port],
                                                env=instance.env, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.PIPE)
        for instance in made.values():
            for _ in range(300):
                try:
                    if httpx.get(instance.url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert instance.process is not None and instance.process.poll() is None, (
                    instance.process.stderr.read().decode() if instance.process and instance.process.stderr else "")
                time.sleep(0.1)
            else:
                pytest.fail(f"the {instance.name} server did not start")
        yield made
    finally:
        for instance in made.values():
            if instance.process is not None:
                instance.process.terminate()
                try:
                    instance.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    instance.process.kill()
            instance.platform.engine.dispose()
        for db in dropped:
            _drop(db)


def _penalty(facts: str, number: str = NUMBER) -> dict[str, str]:
    return {"CF_XDR_MC": "示范建设工程有限公司", "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": COMPANY,
            "CF_FRDB": "张三", "CF_WSH": number, "CF_WFXW": "食品安全", "CF_SY": facts,
            "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条", "CF_CFLB": "警告;罚款",
            "CF_NR": "警告，罚款人民币五千元",
            "CF_NR_FK": "0.5", "CF_JDRQ": "2026/03/10", "CF_YXQ": "2027/03/09", "CF_CFJG": "示范区市场监督管理局",
            "CF_CFJGDM": ORGAN, "CF_SJLY": "示范区市场监督管理局", "CF_SJLYDM": ORGAN}


def _public(instance: Instance) -> str:
    response = httpx.get(f"{instance.url}/api/v1/public/organisations/{COMPANY}/records", timeout=30)
    assert response.status_code == 200, response.text
    return response.text


def _pull(province: Instance, token: str) -> dict:
    env = {**province.env, "XINYONG_PEER_TOKEN_CITY": token}
    done = subprocess.run([_xinyong(), "exchange", "pull", "--peer", "city", "--layout", "penalty", "--json"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)["results"][0]


def _pull_lists(city: Instance, token: str) -> dict[str, dict]:
    env = {**city.env, "XINYONG_PEER_TOKEN_PROVINCE": token}
    done = subprocess.run([_xinyong(), "exchange", "pull", "--peer", "province", "--json"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return {r["layout"]: r for r in json.loads(done.stdout)["results"]}


LISTED = {"item": "serious_untrustworthiness_list", "record_key": "YZSX-2026-7", "identifier": COMPANY,
          "subject_name": "示范建设工程有限公司", "document_kind": "administrative_decision",
          "document_number": "示发改信用〔2026〕7号", "document_date": "2026-03-01",
          "document_issuer": "省发展和改革委员会",
          "list_name": "严重失信主体名单", "field_of_conduct": "食品安全", "designating_authority": "省市场监督管理局",
          "listed_on": "2026-03-02", "designation_grounds": "因食品安全严重违法被列入。",
          "removal_conditions": "依法履行义务、完成信用修复后移出。"}


def _by_duty(province: Instance) -> str:
    actor = Actor(Role.duty_department, "inspector", UNIT)
    result = inquiry.inquire(province.platform, actor, subject_ref=COMPANY, mode="duty", purpose="inspection")
    assert result.served, result.refused
    return json.dumps([r.fields if hasattr(r, "fields") else str(r) for r in result.records], ensure_ascii=False,
                      default=str)


def test_a_penalty_its_correction_and_its_restoration_reach_the_provincial_platform(platforms) -> None:  # type: ignore[no-untyped-def]
    city, province = platforms["city"], platforms["province"]
    operator = Actor(Role.operator, "test")
    with city.platform.unit_of_work(operator) as uow:
        _, province_token = exchange.add_peer(uow, name="province", relation="upstream", url=province.url)
    with province.platform.unit_of_work(operator) as uow:
        _, city_token = exchange.add_peer(uow, name="city", relation="downstream", url=city.url)

    # A penalty in the national standard, imported on the municipal platform as a department sends it.
    summary = batches.submit_rows(city.platform, Actor(Role.providing_unit, "clerk", UNIT), UNIT,
                                  [_penalty("销售过期食品。"), _penalty("未按规定公示年度报告。", OTHER)])
    assert summary.accepted == 2 and not summary.errors, summary.errors
    assert "销售过期食品。" not in _public(province)

    # The provincial platform pulls: the penalty arrives, and the public sees it there.
    first = _pull(province, province_token)
    assert first["upserts"] == 2 and first["withdrawn"] == 0
    assert "销售过期食品。" in _public(province)

    # Corrected on the municipal platform (a new version), pushed up: the correction arrives.
    key = f"{NUMBER}#{COMPANY}"
    with city.platform.unit_of_work(operator) as uow:
        record = resolve_record(uow.session, f"{UNIT}/{key}")
        assert correct_record(uow, record.id, {"violation_facts": "销售过期食品，货值金额较大。"},
                              origin="objection:1") == 2
    pushed = exchange.push(city.platform, "province", "penalty", token=city_token)
    assert pushed["upserts"] == 2          # from the start of the push cursor: the unchanged one is a no-op
    upstream = _public(province)
    assert "销售过期食品，货值金额较大。" in upstream and "销售过期食品。" not in upstream
    with province.platform.sessions() as session:
        copy = resolve_record(session, f"peer-city/{key}")
    assert copy.current_version == 2 and copy.status == "active"

    # Restored on the municipal platform: the next pull withdraws it upstream, for the public and by duty.
    assert "货值金额较大" in _by_duty(province)
    with city.platform.unit_of_work(operator) as uow:
        restore_record(uow, record.id)
    second = _pull(province, province_token)
    assert second["withdrawn"] == 1 and second["upserts"] == 0 and second["since"] >= pushed["next"]
    assert "货值金额较大" not in _public(province)
    assert "货值金额较大" not in _by_duty(province)
    with province.platform.sessions() as session:
        assert resolve_record(session, f"peer-city/{key}").status == "revoked"

    # A repeated pull changes nothing; the other penalty stays upstream.
    again = _pull(province, province_token)
    assert again["upserts"] == 0 and again["withdrawn"] == 0
    assert "未按规定公示年度报告。" in _public(province)

    # The other way: the provincial platform designates a serious-list entry; the municipal platform pulls
    # the lists its upstream peer shares and holds the entry, in the catalog's fields, for the public too.
    designation = batches.submit_rows(province.platform, Actor(Role.providing_unit, "clerk", "development-reform"),
                                      "development-reform", [LISTED])
    assert designation.accepted == 1, designation.errors
    assert "严重失信主体名单" not in _public(city)
    lists = _pull_lists(city, city_token)
    assert lists["serious"]["upserts"] == 1 and lists["court_defaulters"]["upserts"] == 0
    assert "因食品安全严重违法被列入。" in _public(city)
    with city.platform.sessions() as session:
        copy = resolve_record(session, "peer-province/development-reform/YZSX-2026-7")
    assert copy.status == "active" and copy.item_code == "serious_untrustworthiness_list"
    # Removed from the list upstream (restored there): withdrawn below by the next pull, nothing left.
    with province.platform.unit_of_work(operator) as uow:
        restore_record(uow, resolve_record(uow.session, "development-reform/YZSX-2026-7").id)
    removed = _pull_lists(city, city_token)
    assert removed["serious"]["withdrawn"] == 1
    assert "因食品安全严重违法被列入。" not in _public(city)
    # The lists flow down only: the province may not pull them from the city, nor the city push penalties
    # to the province as lists.
    wrong_way = httpx.get(f"{city.url}/api/v1/exchange/changes", params={"layout": "serious"},
                          headers={"Authorization": f"Bearer {province_token}"}, timeout=30)
    assert wrong_way.status_code == 403
