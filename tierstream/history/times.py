"""Reading an event time given by a person: ISO 8601 with a UTC offset, or `Z`.

A time without an offset is refused rather than guessed: "31 March" is a different
instant in Singapore and in London, and an audit answer must say which one it used.
"""

from __future__ import annotations

from datetime import datetime


def parse_time(text: str, name: str) -> datetime:
    """`text` as an aware datetime; ValueError naming the parameter `name` otherwise."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{name} must be an ISO 8601 time with a UTC offset, "
                         f"e.g. 2026-03-31T23:59:59+08:00; got {text!r}") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} needs a UTC offset (e.g. +08:00 or Z); got {text!r}")
    return value
