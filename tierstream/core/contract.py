"""Contract models (schemas/outputs.py) built from values the core already knows valid.

Validating every reason and output again costs more than deciding the event: the
core builds them from its own typed values (tiers, grades, aware datetimes, plain
reason values), so the instances are assembled directly, as pydantic's
`model_construct` does, minus its per-field bookkeeping. They are ordinary
instances of the contract classes: equal to validated ones, serialized the same.
"""

from __future__ import annotations

import inspect
from collections.abc import Set
from typing import Any, TypeVar

from pydantic import BaseModel

from schemas.outputs import Reason, ReasonValue

M = TypeVar("M", bound=BaseModel)

_new = object.__new__
_slots = BaseModel.__dict__
_set_dict = _slots["__dict__"].__set__
_set_fields_set = _slots["__pydantic_fields_set__"].__set__
_set_extra = _slots["__pydantic_extra__"].__set__
_set_private = _slots["__pydantic_private__"].__set__


def require_plain(*classes: type[BaseModel]) -> None:
    """Check, once, that `assemble` can build these classes: they keep their state in
    BaseModel's slots (no class attribute hides one), with no private attributes and no
    post-init hook. Raises TypeError otherwise."""
    for cls in classes:
        hidden = [name for name in ("__pydantic_fields_set__", "__pydantic_extra__",
                                    "__pydantic_private__")
                  if inspect.getattr_static(cls, name) is not _slots[name]]
        if hidden or cls.__private_attributes__ or cls.__pydantic_post_init__:
            raise TypeError(f"{cls.__name__} cannot be assembled without validation")


def assemble(cls: type[M], fields: dict[str, Any], given: Set[str]) -> M:
    """An instance of `cls` (checked by `require_plain`) with `fields` (every field, in
    declaration order); `given` names the fields a caller would have passed (pydantic's
    `model_fields_set`)."""
    model = _new(cls)
    _set_dict(model, fields)
    _set_fields_set(model, set(given))
    _set_extra(model, None)
    _set_private(model, None)
    return model


if inspect.getattr_static(Reason, "__pydantic_extra__") is _slots["__pydantic_extra__"]:
    raise TypeError("Reason keeps its extra values in the slot now: update reason_model")


def reason_model(code: str, message: str, values: dict[str, ReasonValue]) -> Reason:
    """A `Reason` with its deciding values as extra fields. `Reason` annotates
    `__pydantic_extra__` on the class, which hides the slot: pydantic then keeps the
    extra values in the instance dict, and so does this."""
    model = _new(Reason)
    _set_dict(model, {"code": code, "message": message, "__pydantic_extra__": values})
    _set_fields_set(model, {"code", "message", *values})
    _set_private(model, None)
    return model
