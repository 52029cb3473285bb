"""One decision pipeline for the worker and the offline replay (see pipeline.py).

Pure like the core it drives: no faust, no Kafka client, no metrics. The worker's
processor (streams/processing/) and the replay (tierstream/offline/) are its edges.
"""

from tierstream.pipeline.decided import Decided
from tierstream.pipeline.outcome import ForwardWhy, Outcome
from tierstream.pipeline.pipeline import Pipeline
from tierstream.pipeline.records import RawRecord, Role, Send
from tierstream.pipeline.reevaluation_request import ReevaluationRequest, Why
from tierstream.pipeline.states import ObjectStates, StateSource, StoredStates

__all__ = [
    "Decided",
    "ForwardWhy",
    "ObjectStates",
    "Outcome",
    "Pipeline",
    "RawRecord",
    "ReevaluationRequest",
    "Role",
    "Send",
    "StateSource",
    "StoredStates",
    "Why",
]
