"""The portal's gettext catalogs (``xinyong.portal.i18n``, ``src/xinyong/portal/locale``): every key the
templates and the portal's Python use has a Chinese and an English text, the committed ``messages.pot`` is
what extraction finds in the sources today, the keys built at run time cover every value the project
stores, a missing or stale ``.mo`` is compiled from its ``.po``, and a key nobody translated reads as
itself (English falls back to Chinese)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from xinyong.domain.identity.actors import Role
from xinyong.domain.platform.kinds import IdentifierKind, SubjectKind
from xinyong.portal import i18n, pages
from xinyong.portal.i18n import DYNAMIC_KEYS, LOCALE_DIR, load_translations, translations, translator
from xinyong.rules.loader import read_yaml
from xinyong.rules.model import STATUSES
from xinyong.services.objections.handling import REEXAMINATION_OUTCOMES
from xinyong.store.models.access import CHANNELS, MODES
from xinyong.store.models.records import RECORD_STATUSES
from xinyong.store.models.rights import (
    OBJECTION_OUTCOMES,
    OBJECTION_STATUSES,
    RESTORATION_STATUSES,
    REVOCATION_GROUNDS,
)

ROOT = Path(__file__).resolve().parents[2]


def extracted_keys() -> set[str]:
    """What ``make i18n`` extracts: babel.cfg's mapping run over the repository, as ``pybabel extract``."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    return {message for _, _, message, *_ in extract_from_dir(str(ROOT), method_map, options_map)}


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def catalogs() -> dict[str, Catalog]:
    return {lang: read_catalog(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po") for lang in i18n.LANGUAGES}


def untranslated(keys: set[str], found: dict[str, Catalog]) -> list[str]:
    """Each key without a text, fuzzy or empty, in any language: ``lang:key``."""
    missing = []
    for lang, catalog in found.items():
        for key in sorted(keys):
            message = catalog.get(key)
            if message is None or not message.string or message.fuzzy:
                missing.append(f"{lang}:{key}")
    return missing


def demo_choices() -> set[str]:
    """The codes of every enum field in the demo catalogs of every jurisdiction (a record shows its label)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            found.update(value.get("choices") or ())
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for path in sorted((ROOT / "src/xinyong/demo/catalogs").glob("*.yaml")):
        walk(read_yaml(path))
    return found


def test_every_key_the_sources_use_has_chinese_and_english() -> None:
    keys = extracted_keys()
    assert len(keys) > 400 and "home.search.label" in keys and "role.operator" in keys  # templates, N_ and t
    assert untranslated(keys, catalogs()) == []


def test_the_check_fails_on_a_missing_or_empty_translation() -> None:
    found = catalogs()
    keys = extracted_keys()
    found["en"]["home.search.label"].string = ""        # emptied
    found["zh"].delete("role.operator")                 # gone
    found["zh"]["nav.me"].flags.add("fuzzy")            # not yet checked by a translator
    assert sorted(untranslated(keys, found)) == ["en:home.search.label", "zh:nav.me", "zh:role.operator"]
    assert untranslated(keys | {"no.such.key"}, catalogs()) == ["zh:no.such.key", "en:no.such.key"]


def test_the_committed_template_and_catalogs_match_the_sources() -> None:
    """``make i18n`` was run after the last change of a key: the .pot holds exactly the keys the
    templates and the portal's Python use, and each .po exactly the .pot's."""
    pot = {m.id for m in read_catalog(LOCALE_DIR / "messages.pot") if m.id}
    keys = extracted_keys()
    assert sorted(keys - pot) == [], "keys used but not in messages.pot: run make i18n"
    assert sorted(pot - keys) == [], "keys in messages.pot no source uses: run make i18n"
    for lang, catalog in catalogs().items():
        assert {m.id for m in catalog if m.id} == pot, lang


@pytest.mark.parametrize(("prefix", "values"), [
    ("role.", [r.value for r in Role]),
    ("kind.", [k.value for k in SubjectKind]),
    ("mode.", MODES),
    ("channel.", CHANNELS),
    ("record_status.", RECORD_STATUSES),
    ("notice.", pages.NOTICES),
    ("ob.status.", OBJECTION_STATUSES),
    ("ob.outcome.", OBJECTION_OUTCOMES),
    ("ob.rx.outcome.", REEXAMINATION_OUTCOMES),
    ("rr.status.", RESTORATION_STATUSES),
    ("rr.grounds.", REVOCATION_GROUNDS),
    ("status.", STATUSES),
    ("dp.kind.", ["permit", "penalty"]),
    ("idkind.", [k.value for k in IdentifierKind]),
    ("choice.", sorted(demo_choices())),
    # computed, not stored: services.duties.engine._status, disclosure.authorizations, the policy's labels
    ("rr.duty.", ["open", "suspended", "done", "done_late", "overdue", "cancelled"]),
    ("auth.state.", ["in_force", "not_yet", "expired", "revoked"]),
    ("label.", ["objection_pending", "suspended", "withheld", "restored", "expired", "period_ended"]),
])
def test_keys_built_at_run_time_cover_every_value(prefix: str, values) -> None:  # type: ignore[no-untyped-def]
    assert [prefix + v for v in values if prefix + v not in DYNAMIC_KEYS] == []


def _write_po(folder: Path, lang: str, texts: dict[str, str]) -> Path:
    catalog = Catalog(locale=lang, domain="messages")
    for key, text in texts.items():
        catalog.add(key, text)
    path = folder / lang / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog)
    return path


def test_a_missing_or_stale_mo_is_compiled_from_its_po(tmp_path: Path) -> None:
    po = _write_po(tmp_path, "zh", {"site.name": "信用信息平台"})
    assert not po.with_suffix(".mo").exists()
    assert load_translations(tmp_path, "zh").gettext("site.name") == "信用信息平台"     # no .mo at all

    old = Catalog(locale="zh", domain="messages")
    old.add("site.name", "旧的名称")
    with po.with_suffix(".mo").open("wb") as out:
        write_mo(out, old)
    os.utime(po.with_suffix(".mo"), (po.stat().st_mtime - 60,) * 2)                       # older than the .po
    assert load_translations(tmp_path, "zh").gettext("site.name") == "信用信息平台"
    os.utime(po.with_suffix(".mo"), (po.stat().st_mtime + 60,) * 2)                       # compiled since
    assert load_translations(tmp_path, "zh").gettext("site.name") == "旧的名称"


def test_an_untranslated_key_reads_as_itself_and_english_falls_back_to_chinese(tmp_path: Path) -> None:
    _write_po(tmp_path, "zh", {"a.both": "两种", "a.zh_only": "只有中文"})
    _write_po(tmp_path, "en", {"a.both": "both", "a.zh_only": ""})
    zh, en = translations("zh", tmp_path).gettext, translations("en", tmp_path).gettext
    assert (zh("a.both"), en("a.both")) == ("两种", "both")
    assert en("a.zh_only") == "只有中文"
    assert (zh("a.none"), en("a.none")) == ("a.none", "a.none")
    # the portal's own: a key no catalog has is shown as the key, an unknown language is Chinese
    assert translator("en")("no.such.key") == "no.such.key"
    assert translator("fr")("site.name") == translator("zh")("site.name") == "信用信息平台"
