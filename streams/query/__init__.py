"""`tierstream serve`: a read-only query process fed by the state table's changelog.

It answers the query API of streams/http from its own copy of every customer's
state, so reads scale with replicas and never share an event loop with decisions.
"""
