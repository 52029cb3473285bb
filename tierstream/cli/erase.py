"""`tierstream erase CUSTOMER_ID --requested-by WHO`: erase a customer's data.

Sends a `customer.erased` event to the input topic, keyed by the customer, so the
erasure is ordered with the customer's other events; the worker that owns the
customer deletes its state and publishes the tombstones and the audit record
(docs/security.md). The request is checked against the contract before it is sent.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from schemas.events import CustomerErased
from tierstream.cli.base import CliError, run_async

if TYPE_CHECKING:
    from tierstream.settings import Settings


def erasure_event(customer_id: str, requested_by: str, request_id: str | None = None,
                  reason: str | None = None, now: datetime | None = None) -> CustomerErased:
    """The request as an input event; `ValidationError` if the contract refuses it."""
    return CustomerErased.model_validate({
        "event_id": f"erase-{uuid.uuid4()}",
        "customer_id": customer_id,
        "type": "customer.erased",
        "occurred_at": now if now is not None else datetime.now(UTC),
        "data": {"requested_by": requested_by, "request_id": request_id, "reason": reason},
    })


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.erase import EraseFailed, send_erasure

    try:
        event = erasure_event(args.customer_id, args.requested_by, args.request_id,
                              args.reason)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][-1]) if err["loc"] else "request"
        raise CliError(f"erase: {field}: {err['msg']}") from None
    try:
        sent = run_async(send_erasure(settings, event), settings)
    except EraseFailed as exc:
        raise CliError(f"erase: {exc}") from None
    if sent is None:
        return 1  # interrupted
    partition, offset = sent
    print(f"erasure of {event.customer_id} requested: event {event.event_id} sent to "
          f"{settings.input_topic} (partition {partition}, offset {offset})")
    return 0


def register(sub: Any) -> None:
    erase = sub.add_parser(
        "erase", help="erase a customer's data: send a customer.erased event to the input "
        "topic (the worker deletes the state and publishes tombstones and an audit record)")
    erase.add_argument("customer_id", metavar="CUSTOMER_ID", help="the customer to erase")
    erase.add_argument("--requested-by", required=True, metavar="WHO",
                       help="who asked for the erasure (kept in the audit record)")
    erase.add_argument("--request-id", default=None, metavar="ID",
                       help="the request's reference, e.g. a ticket number")
    erase.add_argument("--reason", default=None, help="why (kept in the audit record)")
    erase.set_defaults(func=_erase)
