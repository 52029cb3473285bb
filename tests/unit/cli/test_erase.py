"""`tierstream erase` without a broker: the request it builds, and a refused one."""

from __future__ import annotations

import pytest

from tierstream.cli.erase import erasure_event
from tierstream.cli.main import main
from tierstream.core.events import from_contract
from tierstream.intake import Rejection, decode


def test_the_request_is_an_input_event_keyed_by_the_customer() -> None:
    event = erasure_event("C0042", "dpo@bank.example", request_id="DSR-1")
    value = event.model_dump_json(exclude_none=True).encode()
    decoded = decode(b"C0042", value, 65536)
    assert not isinstance(decoded, Rejection)
    assert decoded == from_contract(event)
    assert erasure_event("C0042", "dpo").event_id != event.event_id  # each run a request


@pytest.mark.parametrize(("argv", "says"), [
    (["erase", "C0042", "--requested-by", ""], "requested_by"),
    (["erase", "not an id", "--requested-by", "dpo"], "customer_id"),
])
def test_a_request_the_contract_refuses_is_one_line_and_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIERSTREAM_BOOTSTRAP_SERVERS", "127.0.0.1:1")  # never reached
    assert main(argv) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"tierstream: erase: {says}: ")
