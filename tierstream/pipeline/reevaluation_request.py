"""The request to decide a customer again without an event (the worker's timer sends it).

It travels on an internal topic co-partitioned with the input, so the pipeline
decides it like an event (streams/processing/reevaluation.py sends it); the model
lives here because the pipeline reads it and `streams` may import `tierstream`,
not the other way round.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

Why = Literal["due", "policy_change"]


class ReevaluationRequest(BaseModel):
    """Value of a record on `<app id>-reevaluations` (internal; key = customer id)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    why: Why
    at: AwareDatetime | None = None  # event time to decide at; None: the customer's as_of
