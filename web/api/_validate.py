"""Request parsing shared by the native API's views."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from ..errors import ApiError, fields_of

__all__ = ["parse", "json_body"]

M = TypeVar("M", bound=BaseModel)


def json_body() -> object:
    """The request's JSON body; 400 when it is not JSON."""
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "the body must be JSON (Content-Type: application/json)")
    return data


def parse(model: type[M], data: object) -> M:
    """Validate ``data`` with ``model``; 422 with per-field messages when invalid."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid request", fields_of(exc)) from None

