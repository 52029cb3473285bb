"""The faust floor: an agent that does only what faust must do per record, nothing of ours.

Same app settings as the worker (`streams.worker.app.faust_app`), same input topic:
consume each record, parse its JSON, send one record per input to an output topic,
no table. Drained beside the worker in the same benchmark run, it tells how much of
the gap to the raw aiokafka ceiling is faust's own per-record path and how much is
the worker's. Run as `python -m bench.faust_floor` with the worker's TIERSTREAM_*
variables; the output goes to the tier-changes topic of those settings.
"""

from __future__ import annotations

import json
import logging

import faust

from streams.worker.app import RAW, faust_app
from streams.worker.loop import use_fast_loop
from tierstream.settings import load_settings


def main() -> None:
    settings = load_settings()
    use_fast_loop()  # the worker's own loop (streams/worker/run.py)
    app = faust_app(settings)
    n, r = settings.partitions, settings.replication_factor
    source = app.topic(settings.input_topic, partitions=n, replicas=r, **RAW)
    sink = app.topic(settings.tier_changes_topic, partitions=n, replicas=r, **RAW)

    async def floor(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            value = event.message.value
            json.loads(value)
            await sink.send(key=event.message.key, value=value)

    app.agent(source, name="floor", concurrency=1)(floor)
    worker = faust.Worker(app, loglevel=settings.log_level)
    worker.spinner = None
    logging.getLogger(__name__).info("faust floor agent on %s", settings.input_topic)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
