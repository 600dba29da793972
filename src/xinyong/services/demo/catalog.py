"""Demo step: the deployment's catalog and its providing units.

Reads ``demo/catalogs/_base.yaml`` (item definitions and units) and ``demo/catalogs/<jurisdiction>.yaml``
(which items, the article allowing each, and each version's comment, assessment and approval), then
puts every version through the lifecycle with the ordinary services — draft, public comment, comments,
assessment where the file has one, approval, in force — so the demo has a history: version 1 in force
from the regulation's in-force date (2024-01-01 for a draft that leaves it blank), version 2 from a
later date. Units are registered and granted the items the catalog has.
"""

from __future__ import annotations

import copy
from datetime import date
from importlib import resources
from typing import Any

import yaml

from xinyong.domain.catalog.items import CatalogItemSpec, item_from_dict
from xinyong.domain.identity.actors import Actor
from xinyong.services import catalog
from xinyong.services.identity import units
from xinyong.services.platform.bootstrap import Platform, UnitOfWork

DEMO_ACTOR = Actor.system("demo")
DEFAULT_IN_FORCE = date(2024, 1, 1)   # for a regulation whose in-force date is blank (a draft)


def _read(name: str) -> Any:
    node = resources.files("xinyong.demo").joinpath("catalogs").joinpath(name)
    if not node.is_file():
        return None
    return yaml.safe_load(node.read_text(encoding="utf-8"))


def available() -> list[str]:
    """The jurisdictions that have a demo catalog."""
    folder = resources.files("xinyong.demo").joinpath("catalogs")
    return sorted(p.name[:-5] for p in folder.iterdir()
                  if p.name.endswith(".yaml") and not p.name.startswith("_"))


def _expand_fields(fields: list[Any], field_sets: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in fields:
        if isinstance(entry, dict) and set(entry) == {"use"}:
            out.extend(copy.deepcopy(field_sets[entry["use"]]))
        else:
            out.append(entry)
    return out


def build_item(entry: dict[str, Any], base: dict[str, Any]) -> CatalogItemSpec:
    """A jurisdiction's item entry (``use`` + ``allowed_by`` + overrides) as a spec."""
    entry = dict(entry)
    code = entry.pop("use")
    data = copy.deepcopy(base["items"][code])
    data.update(entry)
    data["code"] = code
    data["fields"] = _expand_fields(data["fields"], base.get("field_sets", {}))
    return item_from_dict(data)


def _in_force_from(platform: Platform, jurisdiction: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    if value == "regulation":
        rulebook = platform.rulebook
        if jurisdiction in rulebook and rulebook.get(jurisdiction).in_force is not None:
            return rulebook.get(jurisdiction).in_force
        return DEFAULT_IN_FORCE
    return date.fromisoformat(str(value))


def _run_version(uow: UnitOfWork, jurisdiction: str, proposer: str, spec: dict[str, Any],
                 base: dict[str, Any], first: bool) -> catalog.VersionView:
    version = catalog.create_version(uow, jurisdiction=jurisdiction, title_zh=spec["title_zh"],
                                     title_en=spec["title_en"], reason=spec["reason"], proposer=proposer,
                                     significant_impact=bool(spec.get("significant_impact", False)),
                                     copy_items=not first)
    for entry in spec.get("items", []) + spec.get("add", []):
        catalog.add_item(uow, version.id, build_item(entry, base))
    for entry in spec.get("replace", []):
        catalog.replace_item(uow, version.id, build_item(entry, base))
    for code in spec.get("remove", []):
        catalog.remove_item(uow, version.id, code)
    comment = spec["comment"]
    catalog.open_comment(uow, version.id, opened_on=comment["opened_on"], closes_on=comment.get("closes_on"))
    for c in comment.get("comments", []):
        catalog.record_comment(uow, version.id, received_on=c.get("received_on", comment["opened_on"]),
                               commenter_kind=c["commenter_kind"], commenter=c.get("commenter", ""),
                               stance=c["stance"], body=c["body"], item_code=c.get("item"))
    if "assessment" in spec:
        a = spec["assessment"]
        catalog.record_assessment(uow, version.id, held_on=a["held_on"], experts=a["experts"],
                                  groups_heard=a["groups_heard"], conclusion=a["conclusion"])
    approval = spec["approval"]
    catalog.approve(uow, version.id, approved_by=approval["approved_by"], approved_on=approval["approved_on"],
                    document=approval.get("document"))
    in_force_from = _in_force_from(uow.platform, jurisdiction, spec["in_force_from"])
    return catalog.set_in_force(uow, version.id, in_force_from)


def load_catalog(platform: Platform, jurisdiction: str | None = None) -> dict[str, Any]:
    """Load the demo catalog of ``jurisdiction`` (default: the deployment's) and the demo units.

    One transaction: the catalog's history and the units arrive together or not at all. A
    jurisdiction without a demo catalog loads nothing and says so.
    """
    jurisdiction = jurisdiction or platform.jurisdiction
    base = _read("_base.yaml")
    data = _read(f"{jurisdiction}.yaml")
    if data is None:
        return {"catalog_versions": 0, "catalog_items": 0, "providing_units": 0,
                "catalog_note": f"no demo catalog for {jurisdiction}"}
    if data.get("jurisdiction") != jurisdiction:
        raise ValueError(f"demo catalog {jurisdiction}.yaml names jurisdiction {data.get('jurisdiction')!r}")
    with platform.unit_of_work(DEMO_ACTOR) as uow:
        # Loaded before (``xinyong demo --again``): the catalog's history stands; units are topped up.
        versions = catalog.list_versions(uow.session, jurisdiction) or [
            _run_version(uow, jurisdiction, data.get("proposer", ""), spec, base, first=(i == 0))
            for i, spec in enumerate(data["versions"])]
        known = {item.code for v in versions for item in catalog.version_items(uow.session, v.id)}
        registered = 0
        for unit in base.get("units", []):
            existing = {u.code for u in units.list_units(uow.session)}
            if unit["code"] not in existing:
                units.register_unit(uow, code=unit["code"], name_zh=unit["name_zh"],
                                    name_en=unit.get("name_en", ""), kind=unit["kind"],
                                    origin=unit.get("origin", "public"))
                registered += 1
            for item_code in unit.get("items", []):
                if item_code in known:
                    units.grant_item(uow, unit["code"], item_code, jurisdiction=jurisdiction)
        latest = versions[-1]
        return {"catalog_versions": len(versions), "catalog_items": latest.item_count,
                "providing_units": registered}


__all__ = ["DEFAULT_IN_FORCE", "available", "build_item", "load_catalog"]
