"""The personal-data rescan: natural persons' personal data already stored in records' free text.

Intake refuses such data in new rows since that check exists; ``scan_personal_data`` rescans every
record's current version for what came in before (identity, passport and mobile numbers; names the
text marks as a person's) and reports where — record, item, field, kinds — never the value. What it
finds is served masked by the policy to everyone but the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xinyong.domain.identity.actors import Actor
from xinyong.domain.subjects import personal_data
from xinyong.services.disclosure.statements import declared_fields, records_after
from xinyong.services.platform.bootstrap import Platform


@dataclass(frozen=True)
class PersonalDataFinding:
    """One field of one record's current version that carries personal data: where and what kind,
    never the value."""

    record_id: int
    item_code: str
    version: int
    field: str
    kinds: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "item_code": self.item_code, "version": self.version,
                "field": self.field, "kinds": list(self.kinds)}


@dataclass(frozen=True)
class PersonalDataScan:
    records_scanned: int
    findings: tuple[PersonalDataFinding, ...]

    @property
    def records_with_findings(self) -> int:
        return len({f.record_id for f in self.findings})

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for finding in self.findings:
            for kind in finding.kinds:
                out[kind] = out.get(kind, 0) + 1
        return dict(sorted(out.items()))

    def by_item(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for finding in self.findings:
            out[finding.item_code] = out.get(finding.item_code, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        return {"records_scanned": self.records_scanned, "records_with_findings": self.records_with_findings,
                "fields_with_findings": len(self.findings), "kinds": self.counts(), "items": self.by_item(),
                "findings": [f.to_dict() for f in self.findings]}


def scan_personal_data(platform: Platform, actor: Actor, *, chunk: int = 1000) -> PersonalDataScan:
    """Rescan every record's current version for natural persons' personal data written into its
    string and free-text fields (identity, passport and mobile numbers; names the text marks as a
    person's), as intake checks new rows since this check exists. Fields the catalog declares to hold
    a person's name or identifier are expected to and are not reported.

    Nothing is returned of the content: the report names the record, item, field and kinds found, and
    its totals go to the audit ledger. What it finds is served masked by the policy to everyone but
    the person; a correction by the providing unit removes it from the record itself."""
    findings: list[PersonalDataFinding] = []
    scanned = 0
    after = 0
    stmt = records_after()
    with platform.engine.connect() as connection:
        while True:
            rows = connection.execute(stmt, {"after": after, "n": chunk}).all()
            if not rows:
                break
            for row in rows:
                scanned += 1
                declared = declared_fields(connection, row)
                for key, value in (row.payload or {}).items():
                    if not isinstance(value, str) or key in declared:
                        continue
                    found = personal_data.find(value)
                    if found:
                        kinds = tuple(k.value for k in personal_data.kinds_found(found))
                        findings.append(PersonalDataFinding(row.id, row.item_code, row.current_version, key, kinds))
            after = rows[-1].id
        connection.rollback()
    result = PersonalDataScan(scanned, tuple(findings))
    with platform.unit_of_work(actor) as uow:
        uow.record("records.personal_data_scanned", "records", None,
                   {"records_scanned": scanned, "records_with_findings": result.records_with_findings,
                    "fields_with_findings": len(findings),
                    "kinds_found": [[kind, n] for kind, n in result.counts().items()]})
    return result


__all__ = ["PersonalDataFinding", "PersonalDataScan", "scan_personal_data"]
