"""The str type of every request field: lone surrogates refused with a 422 that names the field; and the whole-float
reading of an int field that a strict model would refuse but JSON Schema's integer allows.

Built on service/surrogates.py; kept apart from it so that the offline `qunguard classify` never imports pydantic.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from qunguard.service.surrogates import lone_surrogate_problem


def _refuse_lone_surrogates(value: Any) -> Any:
    # runs before pydantic's own str check, so every field gets the same plain message;
    # anything not a str is left for that check to refuse
    if isinstance(value, str):
        problem = lone_surrogate_problem(value)
        if problem is not None:
            raise PydanticCustomError("lone_surrogate", problem)
    return value


# The type of a str field of a request model is Annotated[str, StringConstraints(...), NO_LONE_SURROGATES]:
# lone surrogates refused (a 422 naming the field), then the str checked against the constraints.
# Length limits belong in StringConstraints, not in Field(): pydantic applies a Field's limits outside the
# validator, where an optional field reports "items" for characters. Each type is spelled out as an alias,
# not built by a function, so that type checkers see a str.
NO_LONE_SURROGATES = BeforeValidator(_refuse_lone_surrogates)

Text = Annotated[str, StringConstraints(), NO_LONE_SURROGATES]

# JSON Schema's integer is any number without a fraction: 7.0 is one, as the schema says (strict models refuse floats)
WHOLE_FLOAT_AS_INT = BeforeValidator(lambda v: int(v) if isinstance(v, float) and v.is_integer() else v)
