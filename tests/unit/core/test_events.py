"""The core's event structs mirror the wire contract field for field.

schemas/events.py is the source of truth; tierstream/core/events.py repeats it as
msgspec structs for speed. These tests fail as soon as the two drift apart: a type,
a field, whether it is required, its default, or which fields are amounts.
"""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Any

import msgspec
from annotated_types import Ge, Gt
from pydantic import BaseModel

import schemas.events as contract
from tierstream.core.events import EVENT_CLASSES, MONEY_FIELDS


def _fields(model: type[BaseModel]) -> dict[str, tuple[bool, Any]]:
    return {name: (f.is_required(), None if f.is_required() else f.default)
            for name, f in model.model_fields.items() if name != "type"}


def _struct_fields(cls: Any) -> dict[str, tuple[bool, Any]]:
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    return {f.name: (f.required, None if f.required else f.default) for f in info.fields}


def test_every_event_type_of_the_contract_has_its_struct() -> None:
    assert tuple(cls.type for cls in EVENT_CLASSES) == contract.EVENT_TYPES
    for cls in EVENT_CLASSES:
        model = getattr(contract, cls.__name__)
        assert typing.get_args(model.model_fields["type"].annotation) == (cls.type,)


def test_envelopes_and_payloads_have_the_same_fields_defaults_and_requiredness() -> None:
    for cls in EVENT_CLASSES:
        model = getattr(contract, cls.__name__)
        assert _struct_fields(cls) == _fields(model), cls.__name__
        data_model = model.model_fields["data"].annotation
        data_struct = typing.get_type_hints(cls)["data"]
        assert data_struct.__name__ == data_model.__name__
        assert _struct_fields(data_struct) == _fields(data_model), data_model.__name__


def test_the_amounts_checked_after_decoding_are_the_contracts_amounts() -> None:
    for cls in EVENT_CLASSES:
        model = getattr(contract, cls.__name__).model_fields["data"].annotation
        amounts = {name: any(isinstance(m, Gt) and m.gt == 0 for m in f.metadata)
                   for name, f in model.model_fields.items() if f.annotation is Decimal}
        for name, f in model.model_fields.items():
            if f.annotation is Decimal:
                assert any(isinstance(m, Gt | Ge) for m in f.metadata), name
        data_struct = typing.get_type_hints(cls)["data"]
        assert dict(MONEY_FIELDS.get(data_struct, ())) == amounts, model.__name__
