"""The wire contract with a client we did not write: kcat (librdkafka) in and out.

kcat's default partitioner (CRC32) differs from Java's and aiokafka's (murmur2), and
a record without a key lands anywhere: the worker must still keep each customer's
state on one partition and decide correctly.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time

import pytest

from tests.integration.harness import WorkerProcess
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

KCAT = shutil.which("kcat") or shutil.which("kafkacat")


def kcat_produce(settings: Settings, lines: list[str], keyed: bool) -> None:
    assert KCAT, "kcat is not installed (Debian package kcat; .ci/run installs it)"
    args = [KCAT, "-P", "-b", settings.bootstrap_servers, "-t", settings.input_topic]
    if keyed:
        args += ["-K", "|"]
    subprocess.run(args, input="\n".join(lines) + "\n", text=True, check=True, timeout=60)


def kcat_consume(settings: Settings, topic: str) -> list[tuple[str, dict[str, object]]]:
    assert KCAT
    out = subprocess.run(
        [KCAT, "-C", "-b", settings.bootstrap_servers, "-t", topic, "-o", "beginning", "-e",
         "-q", "-f", "%k\t%s\n"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    rows = []
    for line in out.splitlines():
        key, _, value = line.partition("\t")
        rows.append((key, json.loads(value)))
    return rows


def ev(eid: str, cid: str, type_: str, at: str, **data: object) -> str:
    return json.dumps({"event_id": eid, "customer_id": cid, "type": type_, "occurred_at": at,
                       "schema_version": 1, "data": data})


async def test_kcat_in_kcat_out(settings: Settings, worker: WorkerProcess) -> None:
    customers = [f"C-KCAT-{n}" for n in range(6)]
    keyed = []
    for cid in customers:
        keyed += [
            f"{cid}|" + ev(f"{cid}-1", cid, "profile.updated", "2026-03-01T09:00:00+08:00",
                           occupation="Lawyer"),
            f"{cid}|" + ev(f"{cid}-2", cid, "loan.overdue", "2026-03-02T09:00:00+08:00",
                           loan_id="L9", installment=1, due_date="2026-01-01",
                           days_past_due=95, amount_overdue="10.50"),
        ]
    kcat_produce(settings, keyed, keyed=True)
    # A keyless event: re-keyed by its customer_id and still applied.
    kcat_produce(settings, [ev("x-1", "C-KCAT-NOKEY", "salary.changed",
                               "2026-03-03T09:00:00Z", monthly_income="16000")], keyed=False)

    deadline = time.monotonic() + 90
    while True:
        changes = kcat_consume(settings, settings.tier_changes_topic)
        if len(changes) >= 2 * len(customers) + 1 or time.monotonic() > deadline:
            break
        assert worker.proc.poll() is None, worker.log_tail()
        await asyncio.sleep(0.5)

    by_customer: dict[str, list[tuple[str, str]]] = {}
    for key, value in changes:
        current = value["current"]
        assert isinstance(current, dict)
        assert key == value["customer_id"]
        by_customer.setdefault(key, []).append((current["tier"], current["grade"]))
    for cid in customers:
        # Lawyer: tier B; then 95 days past due and unpaid: grade C, tier D.
        assert by_customer[cid] == [("B", "A"), ("D", "C")], by_customer.get(cid)
    assert by_customer["C-KCAT-NOKEY"] == [("B", "A")]
    # The keyless original stays where it landed; the worker re-sent it keyed.
    copies = [k for k, v in kcat_consume(settings, settings.input_topic)
              if v["customer_id"] == "C-KCAT-NOKEY"]
    assert sorted(copies) == ["", "C-KCAT-NOKEY"]

    alerts = kcat_consume(settings, settings.alerts_topic)
    critical = {k for k, a in alerts if a["type"] == "repayment.overdue"
                and a["severity"] == "critical"}
    assert critical == set(customers)


def kcat_dead_letters(settings: Settings) -> list[str]:
    assert KCAT
    return subprocess.run(
        [KCAT, "-C", "-b", settings.bootstrap_servers, "-t", settings.dlq_topic, "-o",
         "beginning", "-e", "-q", "-f", "%k\t%s\t%h\n"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.splitlines()


async def test_kcat_shows_a_dead_letter_as_sent_with_why_in_its_headers(
    settings: Settings, worker: WorkerProcess
) -> None:
    kcat_produce(settings, ["C-KCAT-BAD|{this is not json"], keyed=True)
    deadline = time.monotonic() + 90
    while not (lines := kcat_dead_letters(settings)):
        assert time.monotonic() < deadline, "no dead letter in time"
        assert worker.proc.poll() is None, worker.log_tail()
        await asyncio.sleep(0.5)
    [line] = lines
    key, value, headers = line.split("\t")
    assert (key, value) == ("C-KCAT-BAD", "{this is not json")  # readable, as sent
    for shown in ("tierstream.dlq.reason=not_json", "tierstream.dlq.detail=",
                  f"tierstream.dlq.source.topic={settings.input_topic}",
                  "tierstream.dlq.source.partition=", "tierstream.dlq.source.offset=0",
                  "tierstream.dlq.source.timestamp_ms=", "tierstream.dlq.rejected_at=20",
                  "tierstream.dlq.schema_version=1"):
        assert shown in headers, headers
