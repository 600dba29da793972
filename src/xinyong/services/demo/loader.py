"""Demonstration data for a local run (``xinyong demo``, ``make run``): loaded once, through the same
services as real data, so every demo write is validated and in the audit ledger like any other.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from xinyong.domain.identity.actors import Actor
from xinyong.domain.subjects.kinds import SubjectKind
from xinyong.services.platform.bootstrap import Platform
from xinyong.services.subjects import registry as subjects

DEMO_ACTOR = Actor.system("demo")


def _read(name: str) -> Any:
    return yaml.safe_load(resources.files("xinyong.demo").joinpath(name).read_text(encoding="utf-8"))


def already_loaded(platform: Platform) -> bool:
    from xinyong.services.audit import ledger
    with platform.sessions() as session:
        return ledger.count(session, action_prefix="demo.loaded") > 0


def load_subjects(platform: Platform) -> dict[str, int]:
    data = _read("subjects.yaml")
    ids: dict[str, int] = {}
    with platform.unit_of_work(DEMO_ACTOR) as uow:
        for person in data["persons"]:
            ids[person["key"]] = subjects.register(uow, identifier=person["identifier"],
                                                   display_name=person["name"],
                                                   kind=SubjectKind.natural_person.value).id
        for org in data["organisations"]:
            subject = subjects.register(uow, identifier=org["identifier"], display_name=org["name"],
                                        kind=org["kind"])
            ids[org["key"]] = subject.id
            for link in org.get("responsible", []):
                person = subjects.get(uow, ids[link["person"]])
                assert person is not None
                subjects.link_responsible_person(uow, subject, person, link["role"])
    return ids


def load_accounts(platform: Platform, ids: dict[str, int]) -> list[str]:
    """The demo sign-in accounts (``accounts`` in ``demo/subjects.yaml``); existing ones are kept.
    Returns the usernames created."""
    from sqlalchemy import select

    from xinyong.services.identity import accounts as auth
    from xinyong.store.models.auth import User

    data = _read("subjects.yaml")
    made: list[str] = []
    with platform.unit_of_work(DEMO_ACTOR) as uow:
        for account in data.get("accounts", []):
            if uow.session.scalar(select(User.id).where(User.username == account["username"])) is not None:
                continue
            user = auth.create_user(uow, username=account["username"], role=account["role"],
                                    password=data["password"], organisation=account.get("organisation"),
                                    subject_id=ids[account["subject"]] if account.get("subject") else None)
            if account.get("subject"):
                user.real_name_verified_at = platform.clock.now()
                user.real_name_method = "demo"
            made.append(account["username"])
    return made


def load_duty_purposes(platform: Platform) -> int:
    """The demo department's registered duty purposes (``duty_purposes`` in ``demo/subjects.yaml``);
    ones already in force are kept. Returns how many were registered."""
    from xinyong.services.disclosure import duty_purposes
    made = 0
    with platform.unit_of_work(DEMO_ACTOR) as uow:
        for entry in _read("subjects.yaml").get("duty_purposes", []):
            known = {v.key for v in duty_purposes.listing(uow.session, platform.clock.today(),
                                                          organisation=entry["organisation"])}
            if entry["key"] in known:
                continue
            duty_purposes.register(uow, organisation=entry["organisation"], key=entry["key"], duty=entry["duty"],
                                   legal_basis=entry["legal_basis"], label_zh=entry["label_zh"],
                                   label_en=entry["label_en"])
            made += 1
    return made


def demo_password() -> str:
    return str(_read("subjects.yaml")["password"])


def load_demo(platform: Platform, *, once: bool = True) -> dict[str, Any]:
    """Load every demo step; with ``once`` (the default) do nothing if it was loaded before."""
    if once and already_loaded(platform):
        return {"skipped": True}
    ids = load_subjects(platform)
    summary: dict[str, Any] = {"skipped": False, "subjects": len(ids)}
    from xinyong.services.demo.catalog import load_catalog

    summary.update(load_catalog(platform))
    from xinyong.services.demo.records import load_records

    summary.update(load_records(platform))
    summary["accounts"] = load_accounts(platform, ids)
    summary["duty_purposes"] = load_duty_purposes(platform)
    with platform.unit_of_work(DEMO_ACTOR) as uow:
        facts = {k: v for k, v in summary.items() if k not in ("skipped", "accounts")}
        uow.record("demo.loaded", "platform", None, {**facts, "accounts": len(summary["accounts"])})
    return summary
