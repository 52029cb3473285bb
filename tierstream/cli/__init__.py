"""The `tierstream` command: the composition root that builds and wires everything.

One module per command group (`worker`, `kafka_tools`, `policy`, `offline`, `schemas`)
with the shared pieces in `base.py`. Nothing imports this package; it imports the
Kafka side (`streams`) only inside the commands that need it, so the offline commands
start without loading Kafka clients or faust.
"""
