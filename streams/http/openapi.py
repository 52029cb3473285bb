"""`GET /openapi.json`: the query API's document, the one `schemas/openapi.yaml` holds.

Built once from the models (schemas/openapi.py) when the worker starts. Open to
anyone: it describes the API and carries no customer data.
"""

from __future__ import annotations

import json

from schemas.openapi import document
from streams.http.replies import Reply, Request


class OpenApiPage:
    def __init__(self) -> None:
        self.body = json.dumps(document(), separators=(",", ":")).encode()

    async def __call__(self, request: Request) -> Reply:
        return Reply(200, self.body)
