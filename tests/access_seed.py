"""Seeding for the access tests, the authorization matrix and the canary crawl.

Catalog items of every disclosure class, subjects, records and users, written straight into the
tables (setup only: the code under test reads them back through ``services.disclosure``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.subjects.identifiers import citizen_id_check_character, uscc_check_character
from xinyong.store.models.catalog import CatalogItem, CatalogVersion, ProvidingUnit
from xinyong.store.models.records import Record, RecordVersion, SubmissionBatch

SYSTEM = Actor.system("test-seed")
UNIT = "seed-unit"
_counter = itertools.count(1)

DOCUMENT_FIELDS = [
    {"name": "document_kind", "type": "string", "required": True, "label_zh": "文书类型", "label_en": "kind"},
    {"name": "document_number", "type": "string", "required": True, "label_zh": "文书编号", "label_en": "number"},
    {"name": "document_date", "type": "date", "required": True, "label_zh": "文书日期", "label_en": "date"},
    {"name": "document_issuer", "type": "string", "required": True, "label_zh": "作出机关", "label_en": "issuer"},
]
TEXT_FIELDS = [
    {"name": "summary", "type": "text", "required": False, "label_zh": "摘要", "label_en": "summary"},
    {"name": "conduct_ended", "type": "date", "required": False, "label_zh": "行为终止日期",
     "label_en": "conduct ended"},
    {"name": "decision_date", "type": "date", "required": False, "label_zh": "决定日期", "label_en": "decided"},
    {"name": "party_name", "type": "string", "required": False, "label_zh": "当事人", "label_en": "party"},
    {"name": "party_identifier", "type": "string", "required": False, "label_zh": "证件号码",
     "label_en": "identifier"},
    {"name": "severity", "type": "enum", "required": False, "label_zh": "失信程度", "label_en": "severity",
     "choices": ["minor", "general", "serious"]},
]

# code: (category, disclosure class, display rule, counts-from field, positive, penalty)
ITEMS: dict[str, tuple[str, str, str | None, str | None, bool, bool]] = {
    "public_penalty": ("untrustworthiness", "public", "display.untrustworthy.organisation", "conduct_ended",
                       False, True),
    "tiered_penalty": ("untrustworthiness", "public", "display.penalty.general", "document_date", False, True),
    "shared_arrears": ("untrustworthiness", "shared", None, None, False, False),
    "private_detail": ("other", "authorized", None, None, False, False),
    "commendation": ("other", "public", None, None, True, False),
    "admin_permit": ("other", "public", None, None, False, False),
    "registration": ("basic", "public", None, None, False, False),
}


def citizen_id(n: int, birth: str = "19850101") -> str:
    body = f"500101{birth}{n % 1000:03d}"
    return body + citizen_id_check_character(body)


def uscc(n: int) -> str:
    body = f"91500000{n:09d}"
    return body + uscc_check_character(body)


@dataclass
class Seed:
    platform: Any
    version_id: int | None = None
    batch_id: int | None = None
    items: dict[str, tuple] = field(default_factory=lambda: dict(ITEMS))

    # -- catalog ----------------------------------------------------------------------------------
    def catalog(self, in_force_from: date = date(2000, 1, 1)) -> Seed:
        now = self.platform.clock.now()
        with self.platform.sessions.begin() as session:
            session.add(ProvidingUnit(code=UNIT, name_zh="示范提供单位", name_en="Seed unit",
                                      kind="administrative_organ", origin="public", created_at=now))
            version = CatalogVersion(jurisdiction=self.platform.jurisdiction, number=1, title_zh="测试目录",
                                     title_en="Test catalog", state="in_force", in_force_from=in_force_from,
                                     approved_on=in_force_from, approved_by="test", created_at=now, updated_at=now)
            session.add(version)
            session.flush()
            for position, (code, (category, disclosure, rule, counts, positive, penalty)) in \
                    enumerate(self.items.items()):
                fields = (DOCUMENT_FIELDS if category == "untrustworthiness" else []) + TEXT_FIELDS
                session.add(CatalogItem(
                    version_id=version.id, position=position, code=code, name_zh=f"事项{position}",
                    name_en=code.replace("_", " "), category=category, origin="public",
                    subject_kinds=["natural_person", "legal_person", "unincorporated_org"], fields=fields,
                    legal_document_required=category == "untrustworthiness", disclosure_class=disclosure,
                    display_rule=rule, counts_from_field=counts, sharing_category="unconditional",
                    usage_authorization="test", data_format="JSON", update_period="daily", allowed_by="Art. 1",
                    positive=positive, consent_categories=[], penalty_item=penalty, created_at=now))
            batch = SubmissionBatch(unit_code=UNIT, idempotency_key="seed", body_sha256="0" * 64, source="json",
                                    jurisdiction=self.platform.jurisdiction, status="received", rows_total=0,
                                    accepted=0, corrected=0, unchanged=0, rejected=0, actor="test",
                                    received_at=now, received_on=self.platform.clock.today())
            session.add(batch)
            session.flush()
            self.version_id, self.batch_id = version.id, batch.id
        return self

    # -- subjects ---------------------------------------------------------------------------------
    def subject(self, kind: str, name: str, identifier: str | None = None) -> int:
        from xinyong.services.subjects import registry as subjects
        n = next(_counter)
        if identifier is None:
            identifier = citizen_id(n) if kind == "natural_person" else uscc(n + 100000)
        with self.platform.unit_of_work(SYSTEM) as uow:
            return subjects.register(uow, identifier=identifier, display_name=name, kind=kind).id

    # -- records ----------------------------------------------------------------------------------
    def record(self, subject_id: int, item: str, payload: dict[str, Any] | None = None, *,
               decision_date: date | None = None, conduct_ended: date | None = None,
               document_date: date | None = None, status: str = "active") -> int:
        assert self.version_id is not None, "call catalog() first"
        category, disclosure = self.items[item][0], self.items[item][1]
        body: dict[str, Any] = dict(payload or {})
        if category == "untrustworthiness":
            body.setdefault("document_kind", "administrative_penalty_decision")
            body.setdefault("document_number", f"DOC-{next(_counter)}")
            body.setdefault("document_date", (document_date or decision_date or date(2025, 6, 1)).isoformat())
            body.setdefault("document_issuer", "示范机关")
        if conduct_ended is not None:
            body.setdefault("conduct_ended", conduct_ended.isoformat())
        if decision_date is not None:
            body.setdefault("decision_date", decision_date.isoformat())
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        now = self.platform.clock.now()
        with self.platform.sessions.begin() as session:
            record = Record(unit_code=UNIT, item_code=item, record_key=f"k{next(_counter)}", subject_id=subject_id,
                            catalog_version_id=self.version_id, category=category, disclosure_class=disclosure,
                            status=status, current_version=1, created_at=now, updated_at=now)
            session.add(record)
            session.flush()
            doc = body.get("document_date")
            session.add(RecordVersion(
                record_id=record.id, version=1, payload=body, content_sha256=digest,
                document_kind=body.get("document_kind"), document_number=body.get("document_number"),
                document_date=date.fromisoformat(doc) if doc else None,
                document_issuer=body.get("document_issuer"),
                decision_date=decision_date or (date.fromisoformat(doc) if doc else None),
                conduct_ended=conduct_ended, batch_id=self.batch_id, created_at=now))
            return record.id

    # -- users --------------------------------------------------------------------------------------
    def user(self, role: Role, *, organisation: str | None = None, subject_id: int | None = None,
             token: bool = False) -> tuple[Actor, str | None]:
        from xinyong.services.identity import accounts as auth
        from xinyong.store.models.auth import User

        with self.platform.unit_of_work(SYSTEM) as uow:
            user = auth.create_user(uow, username=f"u{next(_counter)}", role=role, organisation=organisation,
                                    subject_id=subject_id)
            if role is Role.subject and subject_id is not None:
                row = uow.session.get(User, user.id)
                row.real_name_verified_at = self.platform.clock.now()
                row.real_name_method = "demo"
            secret = auth.issue_token(uow, user, label="test") if token else None
            return Actor(role, f"user:{user.id}", organisation), secret

    def duty_purposes(self, organisation: str, *keys: str) -> None:
        """The department registers these purposes for its duties (SH 17(2), BJ 20): where the rule file
        lists no duty purposes, a duty inquiry's purpose must be one of them."""
        from xinyong.services.disclosure import duty_purposes
        with self.platform.unit_of_work(SYSTEM) as uow:
            for key in keys:
                duty_purposes.register(uow, organisation=organisation, key=key, duty=f"示范职责 {key}",
                                       legal_basis="示范法规第一条", label_zh=f"示范事项 {key}",
                                       label_en=f"demo purpose {key}")

    def institution(self, code: str, *, scope: list[str] | None = None, purposes: list[str] | None = None) -> None:
        from xinyong.services.identity import institutions
        with self.platform.unit_of_work(SYSTEM) as uow:
            institutions.register(uow, code=code, name="示范信用服务机构", filing_kind="filing",
                                  filing_number=f"F-{code[-6:]}", filed_with="示范主管部门",
                                  filed_on=date(2020, 1, 1))
            institutions.add_agreement(uow, code, number=f"A-{code[-6:]}", scope=scope or ["*"],
                                       purposes=purposes or ["loan_review"], valid_from=date(2020, 1, 1),
                                       valid_until=date(2030, 12, 31))
