"""The worker's HTTP side on the real broker: only our routes, tokens, TLS, quiet logs.

A worker with a token file and a certificate serves HTTPS: faust's table and
cluster pages answer 404, the query API 401 without a valid bearer token and 200
with one, and the probes, metrics and OpenAPI document stay open. Its log has the
access lines of those queries but no token and no amount. A worker without a token
file says at start that its API is unauthenticated.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.integration.harness import REPO, WorkerProcess, event, produce, wait_for_async
from tests.openapi_contract import check_response, openapi_document
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

TOKEN = "tok-3f9d0c2a7b1e4d56"
OTHER = "tok-rotated-88e1"
INCOME = "48213.77"  # must never reach the log
CID = "SEC-001"


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "web.crt", tmp / "web.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key


async def _get(http: aiohttp.ClientSession, url: str, token: str | None = None,
               ) -> tuple[int, Any, dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with http.get(url, headers=headers) as resp:
            body = await resp.read()
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = body
            return resp.status, parsed, dict(resp.headers)
    except aiohttp.ClientError:
        return 0, None, {}


async def test_tables_are_hidden_and_the_query_api_needs_a_token_over_https(
    settings: Settings, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    tokens = tmp_path / "api-tokens"
    tokens.write_text(f"{TOKEN}\n")
    secured = settings.model_copy(update={
        "api_token_file": str(tokens), "web_certfile": str(cert), "web_keyfile": str(key),
        "web_cafile": str(cert)})
    await produce(secured, [
        event("e1", CID, "profile.updated", "2026-01-01T09:00:00Z", education="master"),
        event("e2", CID, "salary.changed", "2026-01-02T09:00:00Z", monthly_income=INCOME),
    ])
    worker = WorkerProcess(secured, tmp_path / "worker.log")
    base = f"https://{secured.web_host}:{secured.web_port}"
    client_tls = ssl.create_default_context(cafile=str(cert))
    try:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=client_tls),
            timeout=aiohttp.ClientTimeout(total=10),
        ) as http:
            status, _, _ = await wait_for_async(
                lambda: _get(http, f"{base}/customers/{CID}", TOKEN),
                lambda r: r[0] == 200 or worker.proc.poll() is not None, timeout=90)
            assert status == 200, worker.log_tail()

            # faust's own pages are not served: no table data over HTTP
            for page in (f"/table/customer-state/{CID}/", "/table/customer-state/",
                         "/table/", "/router/", f"/router/customer-state/{CID}/",
                         "/graph/", "/", "/stats/", "/assignment/", "/performance/"):
                status, _, _ = await _get(http, base + page, TOKEN)
                assert status == 404, page

            # the query API: 401 with a challenge, unless the token is valid
            for path in (f"/customers/{CID}", "/tiers/summary"):
                for token in (None, "wrong", TOKEN[:-1]):
                    status, body, headers = await _get(http, base + path, token)
                    assert status == 401, (path, token)
                    assert headers["WWW-Authenticate"].startswith("Bearer")
                    assert body["error"] == "unauthorized"
            status, body, _ = await _get(http, f"{base}/customers/{CID}", TOKEN)
            assert status == 200
            check_response("/customers/{customer_id}", 200, body)
            assert body["served_by"] == base
            status, body, _ = await _get(http, f"{base}/tiers/summary", TOKEN)
            assert status == 200
            assert body["customers"] == 1

            # a second token is accepted once added to the file, no restart
            tokens.write_text(f"{TOKEN}\n{OTHER}\n")
            status, _, _ = await wait_for_async(
                lambda: _get(http, f"{base}/customers/{CID}", OTHER),
                lambda r: r[0] == 200, timeout=10)

            # no customer data there: open to probes, scrapers and clients
            for path in ("/healthz", "/readyz", "/metrics"):
                status, _, _ = await _get(http, base + path)
                assert status == 200, path
            status, body, _ = await _get(http, f"{base}/openapi.json")
            assert status == 200
            assert body == openapi_document()

            # the CLI sends the token of the worker's own setting
            ok = _explain(base, {"TIERSTREAM_API_TOKEN_FILE": str(tokens),
                                 "SSL_CERT_FILE": str(cert)})
            assert ok.returncode == 0, ok.stderr
            assert f"Customer {CID}: tier" in ok.stdout
            refused = _explain(base, {"SSL_CERT_FILE": str(cert)})
            assert refused.returncode == 2
            assert "HTTP 401" in refused.stderr
            assert len(refused.stderr.strip().splitlines()) == 1

            # and plain HTTP is not served at all
            status, _, _ = await _get(http, f"http://{secured.web_host}:{secured.web_port}/healthz")
            assert status != 200
    finally:
        worker.stop()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "GET /customers/{customer_id} 200" in log, "the access log has the queries"
    assert "GET /tiers/summary 401" in log
    assert TOKEN not in log
    assert OTHER not in log
    assert INCOME not in log
    assert "UNAUTHENTICATED" not in log


async def test_a_worker_without_token_file_warns_that_its_api_is_open(
    settings: Settings, worker: WorkerProcess
) -> None:
    base = f"http://{settings.web_host}:{settings.web_port}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        await wait_for_async(lambda: _get(http, f"{base}/healthz"),
                             lambda r: r[0] == 200 or worker.proc.poll() is not None)
        status, body, _ = await _get(http, f"{base}/customers/NOBODY-1")
        assert status in (404, 503), body  # open: no token asked
        status, _, _ = await _get(http, f"{base}/table/customer-state/NOBODY-1/")
        assert status == 404
    await wait_for_async(
        lambda: _log(worker), lambda text: "query API is UNAUTHENTICATED" in text, timeout=30)


def _explain(base: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TIERSTREAM_")}
    return subprocess.run(
        [sys.executable, "-m", "tierstream", "explain", CID, "--url", base],
        cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=60)


async def _log(worker: WorkerProcess) -> str:
    return worker.log_path.read_text(errors="replace")
