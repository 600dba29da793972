"""Locust users for the bounded load test (``benchmarks/load.py`` starts the server and runs this).

Four kinds of client, mixed by weight, against a server seeded by ``benchmarks/load.py`` (which
writes the plan this file reads from ``XINYONG_LOAD_PLAN``: tokens, identifiers, purposes):

* the public looking up organisations' public credit information (lawful disclosure);
* duty departments inquiring about subjects at a point of service (duty mode, with a purpose);
* credit subjects looking at their own record (self mode);
* providing units submitting small batches: new records (one in 20 about a subject not yet registered)
  and corrections of their own earlier ones.

Every answer is counted by kind and status; at the end the counts go to ``XINYONG_LOAD_REPORT`` (JSON),
which ``benchmarks/load.py`` compares with the audit ledger: each non-public read served must have
exactly one ``inquiry.served`` entry, each refused one an ``inquiry.refused`` entry.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from collections import Counter
from typing import Any

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(open(os.environ["XINYONG_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
REPORT = os.environ.get("XINYONG_LOAD_REPORT")
COUNTS: Counter[str] = Counter()
_LOCK = threading.Lock()
_SEQUENCE = itertools.count()


def count(kind: str, status: int) -> None:
    with _LOCK:
        COUNTS[f"{kind}:{status}"] += 1


@events.test_stop.add_listener
def _write_report(**_kwargs: Any) -> None:
    if REPORT:
        with open(REPORT, "w", encoding="utf-8") as fh:
            json.dump(dict(COUNTS), fh)


class Client(HttpUser):
    abstract = True
    wait_time = between(0.005, 0.05)

    def on_start(self) -> None:
        self.n = next(_SEQUENCE)
        self.rng = random.Random(self.n)

    def read(self, kind: str, path: str, token: str | None, params: dict[str, Any] | None = None,
             name: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with self.client.get(path, params=params, headers=headers, name=name or path,
                             catch_response=True) as response:
            status = response.status_code
            served = status == 200 and "inquiry_id" in response.text
            refused = status == 403 and "inquiry_id" in response.text   # a refusal is logged too
            count(kind, status)
            if served:
                count(f"{kind}.served", 1)
            elif refused:
                count(f"{kind}.refused", 1)
            if status >= 500 or not (served or refused or status == 404):
                response.failure(f"{status}: {response.text[:200]}")
            else:
                response.success()


class Public(Client):
    """The public: an organisation's public credit information."""

    weight = 4

    @task
    def organisation(self) -> None:
        ref = self.rng.choice(PLAN["organisations"])
        self.read("public", f"/api/v1/public/organisations/{ref}/records", None,
                  name="/api/v1/public/organisations/[ref]/records")


class DutyDepartment(Client):
    """A department checking a subject at a point of service, for a purpose its duty allows."""

    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.token = PLAN["duty_tokens"][self.n % len(PLAN["duty_tokens"])]

    @task
    def inquire(self) -> None:
        ref = self.rng.choice(PLAN["organisations"] + PLAN["persons"])
        self.read("duty", f"/api/v1/subjects/{ref}/records", self.token,
                  {"mode": "duty", "purpose": self.rng.choice(PLAN["purposes"])}, name="/api/v1/subjects/[ref]/records")


class Subject(Client):
    """A credit subject looking at its own record."""

    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.token, self.ref = PLAN["subjects"][self.n % len(PLAN["subjects"])]

    @task
    def own_record(self) -> None:
        self.read("self", f"/api/v1/subjects/{self.ref}/records", self.token, {"mode": "self"},
                  name="/api/v1/subjects/[own]/records")


class ProvidingUnit(Client):
    """A unit submitting small batches: new penalty records, and corrections of its own earlier ones."""

    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.token = PLAN["unit_token"]
        self.sent: list[dict[str, str]] = []
        self.batches = 0
        self.created = 0

    @task
    def submit(self) -> None:
        rows = []
        for _ in range(self.rng.randint(1, 10)):
            if self.sent and self.rng.random() < 0.3:
                row = dict(self.rng.choice(self.sent))
                row.update(fine_amount=str(self.rng.randrange(100, 10**6)), correction_reason="负载测试更正")
            else:
                n = self.created
                self.created += 1
                # One row in 20 names a subject the platform does not know yet (any client may name it).
                pool = PLAN["new_organisations"] if self.rng.random() < 0.05 else PLAN["organisations"]
                organisation = self.rng.choice(pool)
                row = dict(PLAN["penalty_template"], record_key=f"LOAD-{self.n}-{n}", identifier=organisation,
                           subject_name=PLAN["names"][organisation], fine_amount=str(1000 + n))
            rows.append(row)
        key = f"load-{self.n}-{self.batches}"
        self.batches += 1
        with self.client.post("/api/v1/submissions", json={"rows": rows},
                              headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
                              name="/api/v1/submissions", catch_response=True) as response:
            count("submit", response.status_code)
            if response.status_code in (200, 201):
                body = response.json()
                with _LOCK:
                    COUNTS["submit.rows_accepted"] += body.get("accepted", 0)
                    COUNTS["submit.rows_rejected"] += body.get("rejected", 0)
                    for error in body.get("errors", []):
                        COUNTS[f"submit.error:{error['code']}"] += 1
                by_key = {r["record_key"]: r for r in rows}
                self.sent = [r for r in self.sent if r["record_key"] not in by_key] + list(by_key.values())
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
