"""One approved way to read credit records (like Zulip's rule against fetching messages directly).

Credit records are read only through ``xinyong.services.disclosure.inquiry`` (and the disclosure modules
beside it), which decides per record and per viewer and writes the inquiry log; the statements they run
are the one module that names the records tables (``services/disclosure/statements.py``). This test fails
when any other module under ``src/xinyong`` touches the ``records`` or ``record_versions`` tables: by
importing the ``Record`` / ``RecordVersion`` models, by reaching the tables through the metadata
(``Base.metadata.tables["records"]``, ``Table("records")``), or by naming them in SQL text.

Allowed: ``services/disclosure/statements.py`` (the reads), ``services/aggregation/writer.py`` (the record
writer: the writes, and the current version it must lock to write a correction),
``services/aggregation/integrity.py`` (a batch's version digests, to check its ledgered Merkle roots),
``services/aggregation/lookups.py`` (a subject's establishment date, to check a submitted decision), the
store's models and migrations, and the maintenance modules listed in ``MAINTENANCE`` with the reason each
may.

Good::

    from xinyong.services.disclosure import inquiry
    result = inquiry.inquire(platform, actor, subject_ref=uscc, mode="lawful_disclosure")

Bad::

    from xinyong.store.models.records import Record
    session.scalars(select(Record).where(Record.subject_id == subject_id))

    session.execute(text("SELECT payload FROM record_versions WHERE record_id = :id"))
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import xinyong

PACKAGE = Path(xinyong.__file__).resolve().parent
ALLOWED = {
    "services/disclosure/statements.py": "the statements of every read of credit records, which only the "
                                         "disclosure modules run (inquiry, marks, rescan), deciding with the "
                                         "access policy",
    "services/aggregation/writer.py": "the record writer: the only code that writes records and versions (and "
                                      "locks the current version to write a correction)",
    "services/aggregation/integrity.py": "recomputes a batch's ledgered Merkle roots from its versions' ids and "
                                         "digests (never a payload)",
    "services/aggregation/lookups.py": "intake's check of a decision date against the subject's establishment "
                                       "(the basic-information records' established_on of one subject, read "
                                       "inside the batch's transaction to refuse or accept a row; served to no "
                                       "one)",
}
ALLOWED_PREFIXES = ("store/models/", "store/migrations/")
MAINTENANCE: dict[str, str] = {
    # "path relative to src/xinyong": "why this maintenance module may touch the records tables",
}
MODELS = frozenset({"Record", "RecordVersion"})
TABLES = frozenset({"records", "record_versions"})
RECORDS_MODULE = "xinyong.store.models.records"
SQL = re.compile(r"\b(from|join|update|into|table)\s+[\"'`]?(records|record_versions)\b", re.IGNORECASE)


def violations(source: str) -> list[str]:
    """Every way ``source`` reaches the records tables, as ``line: what``."""
    tree = ast.parse(source)
    found: list[str] = []
    module_aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.module == RECORDS_MODULE:
                for alias in node.names:
                    if alias.name in MODELS or alias.name == "*":
                        found.append(f"{node.lineno}: imports {alias.name} from {RECORDS_MODULE}")
            elif node.module == "xinyong.store.models":
                for alias in node.names:
                    if alias.name == "records":
                        module_aliases.add(alias.asname or alias.name)
                    if alias.name in MODELS:
                        found.append(f"{node.lineno}: imports {alias.name} from xinyong.store.models")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == RECORDS_MODULE:
                    module_aliases.add(alias.asname or RECORDS_MODULE)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and node.slice.value in TABLES:
            found.append(f"{node.lineno}: indexes the table {node.slice.value!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name in ("Table", "table") and node.args and isinstance(node.args[0], ast.Constant) \
                    and node.args[0].value in TABLES:
                found.append(f"{node.lineno}: builds a Table for {node.args[0].value!r}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(f"{node.lineno}: names a records table in SQL text")
    if module_aliases:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in MODELS:
                found.append(f"{node.lineno}: uses {node.attr} through the records module")
    return sorted(set(found), key=lambda s: int(s.split(":")[0]))


def _allowed(relative: str) -> bool:
    return relative in ALLOWED or relative in MAINTENANCE or relative.startswith(ALLOWED_PREFIXES)


# --- the check itself works ----------------------------------------------------------------------

BAD = [
    "from xinyong.store.models.records import Record\n",
    "from xinyong.store.models.records import RecordVersion as V\n",
    "from xinyong.store.models import records\nx = records.Record\n",
    "import xinyong.store.models.records as r\nq = r.RecordVersion.payload\n",
    "from xinyong.store.base import Base\nt = Base.metadata.tables['record_versions']\n",
    "from sqlalchemy import Table\nt = Table('records', metadata)\n",
    "from sqlalchemy import text\nq = text('SELECT payload FROM record_versions WHERE record_id = :i')\n",
    "q = 'select r.id from \"records\" r join subjects s on s.id = r.subject_id'\n",
]
GOOD = [
    "from xinyong.services.disclosure import inquiry\nr = inquiry.inquire(p, a, subject_ref='x')\n",
    "from xinyong.store.models.records import SubmissionBatch, Consent\n",
    "summary = {'records': 3, 'batch': 1}\n",
    '"""Record the written notice served on a subject."""\n',
    "from xinyong.store.models.access import InquiryLog\n",
    "text = 'the records of the subject are served by access'\n",
]


@pytest.mark.parametrize("source", BAD)
def test_the_check_catches(source: str) -> None:
    assert violations(source)


@pytest.mark.parametrize("source", GOOD)
def test_the_check_lets_pass(source: str) -> None:
    assert violations(source) == []


def test_the_allowed_modules_exist() -> None:
    for relative in (*ALLOWED, *MAINTENANCE):
        assert (PACKAGE / relative).is_file(), f"allow-listed module {relative} does not exist"


# --- the rule ------------------------------------------------------------------------------------

def test_credit_records_are_read_only_through_the_access_policy() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if _allowed(relative):
            continue
        for hit in violations(path.read_text(encoding="utf-8")):
            offenders.append(f"src/xinyong/{relative}:{hit}")
    assert not offenders, (
        "Credit records are read only through xinyong.services.disclosure.inquiry (inquire, explain, public_listing), "
        "which decides what the caller may see and logs the inquiry. These modules touch the records tables "
        "directly:\n  " + "\n  ".join(offenders)
        + "\nRead through services.disclosure.inquiry instead; a maintenance module that must touch the tables goes "
        "into MAINTENANCE in tests/unit/test_single_read_path.py with its reason."
    )
