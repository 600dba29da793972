"""API fuzzing: schemathesis against the live OpenAPI of ``create_app(platform)``, as every role.

Every operation of the schema is tested by schemathesis' three generation phases, and every response
is validated with all of schemathesis' default checks — not a server error, status code, content type,
response headers and response schema conformance, negative data rejection, positive data acceptance,
missing required headers, unsupported methods, the ``Allow`` header, and the others the default
configuration enables:

* ``test_api_examples_and_coverage[<operation>]``: the schema's examples, sent as every role, and the
  coverage cases (boundary and negative values of every parameter, missing and malformed parts,
  unexpected methods);
* ``test_api_fuzzed_as_<role>[<operation>][<role>]``: fuzzed cases, positive and negative, one test
  per role, each with its own seed.

One configuration is made: ``positive_data_acceptance`` also accepts a 422 when it is a *domain*
refusal (a bad checksum, an unknown code, a rule of the regulation — what JSON Schema cannot say),
and the added check ``positive_data_passes_request_validation`` fails any schema-valid request that the
request-validation layer refuses (422 with a list of field errors, or 400): the check's purpose — the
schema must not promise more than the validator accepts — is kept whole.

The application is served in-process (ASGI) on one scratch database per run — a temporary SQLite file,
or a scratch database on the PostgreSQL server of ``XINYONG_TEST_DATABASE_URL``, dropped afterwards —
seeded through the services: the demo subjects, catalog, providing units and records, a submission
batch with accepted and rejected rows, and one account or unit token per role:

* ``public``: no credentials;
* ``subject``: a user whose real name was verified against a demo subject, with an API token;
* ``duty_department``, ``operator``, ``competent_department``: users of those roles with API tokens;
* ``providing_unit``: a providing unit's token (scopes ``submit`` and ``batches.read``).

State accumulates across operations and roles as it would on a live server.

Sizes (``XINYONG_FUZZ_EXAMPLES``: fuzzed cases per operation, shared by the six roles):

* ``make test``: 50 per operation (9 per role); each coverage case sent once, as one role dealt out
  among the six;
* ``make fuzz``: 1,000 per operation (167 per role), and every coverage case sent as every role
  (``XINYONG_FUZZ_ALL_COVERAGE=1`` does that at any size).

``XINYONG_FUZZ_SEED`` changes the (otherwise fixed, so reproducible) generation seed.

schemathesis' lazy ``from_fixture`` loader uses a pytest internal that pytest 9 removed, so the schema
is loaded eagerly from an application built on a placeholder platform (generating the OpenAPI document
touches no database), and every call is sent to the seeded application.
"""

from __future__ import annotations

import math
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from scratch_db import PG_URL, postgres_database, suite_jurisdiction
from xinyong.domain.identity.actors import Actor, Role

ROLES = ("public", "subject", "duty_department", "providing_unit", "operator", "competent_department")
EXAMPLES = int(os.environ.get("XINYONG_FUZZ_EXAMPLES", "50"))
PER_ROLE = max(1, math.ceil(EXAMPLES / len(ROLES)))
# The bounded run deals each coverage case to one role; from 1,000 examples on, every role sends every case.
SHARED_COVERAGE = os.environ.get("XINYONG_FUZZ_ALL_COVERAGE", "1" if EXAMPLES >= 1000 else "0") != "1"
SEED = int(os.environ.get("XINYONG_FUZZ_SEED", "20260318"))
SEEDER = Actor.system("fuzz-seed")
UNIT = "market-regulation"
# A demo subject (src/xinyong/demo/subjects.yaml) no demo account is bound to: one account per person.
PERSON = ("510107197811213459", "王芳")
ORGANISATION = ("91500000MA5U0AB10L", "示范建设工程有限公司")
JURISDICTION = suite_jurisdiction()
NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)   # the suite's fixed instant (tests/conftest.py)


def _schema_app() -> Any:
    """The application whose OpenAPI document is fuzzed (its platform never connects anywhere)."""
    from xinyong.api.app import create_app
    from xinyong.services.platform.bootstrap import Platform
    from xinyong.settings import Settings

    settings = Settings(data_dir=Path(tempfile.gettempdir()) / "xinyong-fuzz-schema", database_url="sqlite://",
                        jurisdiction=JURISDICTION)
    return create_app(Platform.from_settings(settings))


# positive_data_acceptance: a 422 that is a *domain* refusal of schema-valid data (a checksum, an unknown
# code, a rule of the regulation — things JSON Schema cannot say) is accepted; a refusal by the request
# validation layer (the schema promised more than the validator accepts) still fails, see the check below.
CHECKS = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"""
# Two views of one schema: the examples and coverage phases (built once, their cases sent as the roles
# below), and the fuzzing phase (one test per role, each with its own seed).
COVERAGE_ONLY = CHECKS + "[phases.fuzzing]\nenabled = false\n"
FUZZING_ONLY = CHECKS + "[phases.examples]\nenabled = false\n[phases.coverage]\nenabled = false\n"
APP = _schema_app()
covering = schemathesis.openapi.from_asgi("/openapi.json", APP,
                                          config=schemathesis.config.SchemathesisConfig.from_str(COVERAGE_ONLY))
fuzzing = schemathesis.openapi.from_asgi("/openapi.json", APP,
                                         config=schemathesis.config.SchemathesisConfig.from_str(FUZZING_ONLY))


@schemathesis.check
def positive_data_passes_request_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data is never refused by request validation (422 with a list of field errors) nor
    as a bad request (400): that would mean the schema promises more than the validator accepts."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code == 400:
        raise AssertionError(f"schema-valid data refused with 400: {response.text[:300]}")
    if response.status_code == 422:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            raise AssertionError(f"schema-valid data refused by request validation: {response.text[:300]}")
    return None


# ---------------------------------------------------------------------------------------------------
# The seeded platform (once per module)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    platform: Any
    app: Any
    client: Any            # one in-process ASGI session for every call
    tokens: dict[str, str]
    batch: int

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens.get(role)
        return {"Authorization": f"Bearer {token}"} if token else {}


def seed(platform: Any) -> tuple[dict[str, str], int]:
    """Demo data, one account or unit token per role, and one batch; returns (tokens, batch id)."""
    from xinyong.services.aggregation import batches
    from xinyong.services.demo.loader import load_demo
    from xinyong.services.disclosure import duty_purposes
    from xinyong.services.identity import accounts as auth
    from xinyong.services.identity import units

    load_demo(platform, once=True)
    tokens: dict[str, str] = {}
    with platform.unit_of_work(SEEDER) as uow:
        for role in ("duty_department", "operator", "competent_department"):
            user = auth.create_user(uow, username=f"fuzz-{role}", role=role, organisation=f"org-{role}")
            tokens[role] = auth.issue_token(uow, user, label="fuzz")
            # where the rule file lists no duty purposes, the department inquires for registered ones
            duty_purposes.register(uow, organisation=f"org-{role}", key="administrative_permit", duty="fuzz duty",
                                   legal_basis="fuzz basis", label_zh="实施行政许可", label_en="permits")
        person = auth.create_user(uow, username="fuzz-subject", role=Role.public)
        auth.verify_real_name(uow, person, identifier=PERSON[0], display_name=PERSON[1], evidence="demo",
                              verifier=auth.DemoVerifier())
        tokens["subject"] = auth.issue_token(uow, person, label="fuzz")
        tokens["providing_unit"] = units.issue_token(uow, UNIT, label="fuzz",
                                                     scopes=["submit", "batches.read"]).token
    rows = [
        {"item": "admin_permit", "record_key": "FUZZ-1", "identifier": ORGANISATION[0],
         "subject_name": ORGANISATION[1], "permit_number": "许可〔2026〕1号", "permit_title": "食品经营许可证",
         "permit_kind": "ordinary", "decision_date": "2026-03-01", "valid_from": "2026-03-01",
         "permit_authority": "示范区市场监督管理局"},
        {"item": "admin_penalty", "record_key": "FUZZ-2", "identifier": "91500000MA5U0AB10X",
         "subject_name": "坏代码"},
    ]
    summary = batches.submit_rows(platform, Actor(Role.providing_unit, "fuzz-seed", UNIT), UNIT, rows,
                                  key="fuzz-seed")
    return tokens, summary.batch


def _platform(url: str, data_dir: Path) -> Any:
    """A migrated platform on ``url``; on PostgreSQL commits skip the WAL flush (a throwaway database)."""
    from xinyong.domain.platform.clock import FixedClock
    from xinyong.services.platform.bootstrap import Platform
    from xinyong.settings import Settings
    from xinyong.store.db import make_engine

    settings = Settings(data_dir=data_dir, database_url=url, jurisdiction=JURISDICTION,
                        calendar_dirs=str(data_dir / "calendar"))
    extra = {"connect_args": {"options": "-c synchronous_commit=off"}} if url.startswith("postgresql") else {}
    platform = Platform(settings=settings, engine=make_engine(url, **extra), clock=FixedClock(NOW))
    platform.migrate()
    return platform


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    from schemathesis.python.asgi import get_client

    from xinyong.api.app import create_app

    # Prefer memory-backed temporary space: SQLite syncs every commit, and the fuzzer commits a lot.
    base = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="xinyong-fuzz-", dir=base) as tmp:
        folder = Path(tmp)
        with _database(folder) as url:
            platform = _platform(url, folder / "data")
            try:
                tokens, batch = seed(platform)
                app = create_app(platform)
                with get_client(app) as client:
                    yield World(platform, app, client, tokens, batch)
            finally:
                platform.engine.dispose()


def _database(folder: Path) -> Any:
    if PG_URL:
        return postgres_database(PG_URL, "xinyong_fuzz")
    from contextlib import nullcontext

    return nullcontext(f"sqlite:///{folder / 'fuzz.db'}")


# ---------------------------------------------------------------------------------------------------
# One test per role
# ---------------------------------------------------------------------------------------------------


def coverage_owner(case: Any) -> str:
    """In the bounded run, the one role that sends this coverage case (the cases of an operation are
    the same for every role, so they are dealt out among the roles instead of sent six times)."""
    data = case.meta.phase.data
    key = repr((case.method, case.path, data.scenario, data.description, data.parameter, case.path_parameters,
                case.query, case.headers, case.body))
    return ROLES[zlib.crc32(key.encode("utf-8", "surrogatepass")) % len(ROLES)]


@covering.parametrize()
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_examples_and_coverage(case: Any, world: World) -> None:
    """The schema's examples, as every role; the coverage cases (boundary values, missing and malformed
    parts, unexpected methods), each as the role it is dealt to — or, in the long run, as every role."""
    if case.meta is not None and case.meta.phase.name == "coverage" and SHARED_COVERAGE:
        roles: tuple[str, ...] = (coverage_owner(case),)
    else:
        roles = ROLES
    for role in roles:
        case.call_and_validate(session=world.client, app=world.app, headers=world.headers(role))


def _role_test(role: str, number: int) -> Callable[..., None]:
    def test(case: Any, world: World, as_role: str) -> None:
        case.call_and_validate(session=world.client, app=world.app, headers=world.headers(as_role))

    test.__name__ = test.__qualname__ = f"test_api_fuzzed_as_{role}"
    test.__doc__ = f"Every operation, fuzzed as {role}, passes every default schemathesis check."
    decorated = settings(max_examples=PER_ROLE, deadline=None, derandomize=False, database=None,
                         suppress_health_check=list(HealthCheck))(test)
    decorated = hypothesis.seed(SEED + number)(decorated)
    # The one-value parametrization names the role in every item's id (and keeps the ids unique).
    decorated = pytest.mark.parametrize("as_role", [role])(decorated)
    return fuzzing.parametrize()(decorated)


for _number, _role in enumerate(ROLES):
    globals()[f"test_api_fuzzed_as_{_role}"] = _role_test(_role, _number)


def test_every_role_is_who_it_claims(world: World) -> None:
    """The credentials the fuzzing uses authenticate as the roles they stand for."""
    client = world.client
    assert client.get("/api/v1/auth/me").json()["role"] == "public"
    for role in ROLES[1:]:
        if role == "providing_unit":
            answer = client.get(f"/api/v1/submissions/{world.batch}", headers=world.headers(role))
            assert answer.status_code == 200, answer.text
            continue
        me = client.get("/api/v1/auth/me", headers=world.headers(role)).json()
        assert me["role"] == role
        assert (me["subject_id"] is not None) == (role == "subject")
