"""A catalog item as stored and as checked: specs from rows and plain data, their digests (canonical
JSON, the ledger's proof of exactly what was catalogued), and the checks an item must pass for the
version's jurisdiction beyond the domain's (``check_spec``: the cite is in the regulation text, the
display rule is one the rule file provides, no category the regulation forbids).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from xinyong.domain.audit.canonical import canonical_json
from xinyong.domain.catalog import items as dc_items
from xinyong.domain.catalog.items import CatalogItemSpec
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.catalog.law import catalog_law
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.catalog import CatalogItem

__all__ = ["check_jurisdiction", "check_spec", "columns", "items_digest", "sha256_text", "spec_digest",
           "spec_from_dict", "spec_of"]


def spec_of(row: CatalogItem) -> CatalogItemSpec:
    return CatalogItemSpec(
        code=row.code, name_zh=row.name_zh, name_en=row.name_en, category=dc_items.Category(row.category),
        origin=dc_items.Origin(row.origin), subject_kinds=tuple(row.subject_kinds),
        fields=tuple(dc_items.field_from_dict(f) for f in row.fields),
        legal_document_required=row.legal_document_required,
        disclosure_class=dc_items.DisclosureClass(row.disclosure_class), display_rule=row.display_rule,
        counts_from_field=row.counts_from_field, sharing_category=row.sharing_category,
        usage_authorization=row.usage_authorization, data_format=row.data_format,
        update_period=row.update_period, allowed_by=row.allowed_by, positive=row.positive,
        consent_categories=tuple(row.consent_categories or ()), penalty_item=row.penalty_item,
    )


def columns(spec: CatalogItemSpec) -> dict[str, Any]:
    """The item's elements as ``catalog_items`` columns (fields, kinds and categories as JSON)."""
    return dc_items.item_to_dict(spec)


def spec_digest(spec: CatalogItemSpec) -> str:
    """A SHA-256 of the item's canonical JSON: the ledger's proof of exactly what was catalogued."""
    canonical = canonical_json(dc_items.item_to_dict(spec))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def items_digest(items: Iterable[CatalogItem]) -> str:
    """One SHA-256 over every item's digest, in code order: what exactly was published for comment
    (the ledger keeps this, not a list that could outgrow its facts)."""
    lines = sorted(f"{i.code}:{spec_digest(spec_of(i))}" for i in items)
    return sha256_text("\n".join(lines))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def spec_from_dict(data: dict[str, Any]) -> CatalogItemSpec:
    """Plain data (API body, YAML) to a spec; a bad one is refused (``Refusal``, 422)."""
    return dc_items.item_from_dict(data)


def _articles(uow: UnitOfWork, jurisdiction: str) -> frozenset[int] | None:
    """The article numbers of the jurisdiction's regulation text (None: national, cites documents)."""
    from xinyong.rules import TEXTS_DIR, article_numbers

    rulebook = uow.platform.rulebook
    if jurisdiction in rulebook:
        ruleset = rulebook.get(jurisdiction)
        if ruleset.articles is not None:
            return ruleset.articles
        if ruleset.text is None:
            return None
    path = TEXTS_DIR / f"{jurisdiction}.txt"
    if path.is_file():
        return article_numbers(path.read_text(encoding="utf-8"))
    if jurisdiction in rulebook:
        return None
    raise Refusal("jurisdiction", "unknown_jurisdiction", f"未知的法规（辖区）：{jurisdiction}",
                  f"unknown jurisdiction (rule file): {jurisdiction}")


def check_jurisdiction(uow: UnitOfWork, jurisdiction: str) -> None:
    _articles(uow, jurisdiction)


def _check_allowed_by(uow: UnitOfWork, jurisdiction: str, spec: CatalogItemSpec) -> None:
    from xinyong.rules import CiteSyntaxError, parse_cite

    at = f"items.{spec.code}.allowed_by"
    articles = _articles(uow, jurisdiction)
    if articles is None:
        return  # national: a document and its article, checked for presence only
    try:
        refs = parse_cite(spec.allowed_by)
    except CiteSyntaxError as exc:
        raise Refusal(at, "bad_cite", f"目录事项 {spec.code} 的设定依据无法识别：{exc}",
                      f"catalog item {spec.code}: cannot read the cite {spec.allowed_by!r}: {exc}") from None
    missing = sorted({n for ref in refs for n in ref.articles} - set(articles))
    if missing:
        listed = ", ".join(str(n) for n in missing)
        raise Refusal(at, "cite_not_in_text", f"目录事项 {spec.code} 引用的条款在法规文本中不存在：第{listed}条",
                      f"catalog item {spec.code} cites articles absent from the regulation text: "
                      f"{listed}")


def check_spec(uow: UnitOfWork, jurisdiction: str, spec: CatalogItemSpec) -> None:
    rulebook = uow.platform.rulebook
    dc_items.check_item(spec, known_rule_keys=list(rulebook.keys), known_vocabulary=list(rulebook.vocabulary),
                  law=catalog_law(rulebook, jurisdiction, uow.platform.clock.today()))
    _check_allowed_by(uow, jurisdiction, spec)
    _check_display_rule(uow, jurisdiction, spec)
    _check_not_forbidden(uow, jurisdiction, spec)


def _check_display_rule(uow: UnitOfWork, jurisdiction: str, spec: CatalogItemSpec) -> None:
    """The display rule an item names must be one the jurisdiction's rule file provides (or defers)."""
    rulebook = uow.platform.rulebook
    if not spec.display_rule or jurisdiction not in rulebook:
        return
    ruleset = rulebook.get(jurisdiction)
    if not any(ruleset.has(key) for key in dc_items.display_rules(spec)):
        raise Refusal(f"items.{spec.code}.display_rule", "display_rule_not_provided",
                      f"目录事项 {spec.code} 的展示期限规则 {spec.display_rule} "
                      f"在 {jurisdiction} 中没有规定",
                      f"catalog item {spec.code}: {jurisdiction} provides no display rule "
                      f"{spec.display_rule}")


def _check_not_forbidden(uow: UnitOfWork, jurisdiction: str, spec: CatalogItemSpec) -> None:
    """An item may not carry, even with consent, a category the regulation forbids outright."""
    from xinyong.rules import RuleError

    rulebook = uow.platform.rulebook
    if jurisdiction not in rulebook or not spec.consent_categories:
        return
    try:
        rule = rulebook.get(jurisdiction).value("data.forbidden", on=uow.platform.clock.today())
        forbidden = set(rule.value)
    except (RuleError, LookupError):
        return
    clash = sorted(set(spec.consent_categories) & forbidden)
    if clash:
        raise Refusal(f"items.{spec.code}.consent_categories", "forbidden_category",
                      f"目录事项 {spec.code} 含有禁止采集的信息类别：{', '.join(clash)}",
                      f"catalog item {spec.code} carries categories that must never be collected: "
                      f"{', '.join(clash)}")
