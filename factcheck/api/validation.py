"""Strict reading of JSON bodies and query strings: wrong types, unknown fields and bad
dates become a 400 with a message per field, before any service runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import request

from factcheck.db import unstorable_character
from factcheck.errors import BadRequest


@dataclass(frozen=True)
class Field:
    """One allowed field: its JSON type, whether it is required, and limits."""

    kind: type | tuple[type, ...]
    required: bool = False
    max_length: int | None = None
    max_items: int | None = None
    item_kind: type | None = None


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "an array",
    dict: "an object",
}


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)


def json_body(fields: dict[str, Field]) -> dict[str, Any]:
    """The request's JSON object, checked against the allowed fields."""
    if not request.is_json:
        raise BadRequest("Send a JSON body with Content-Type: application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("The body is not a JSON object (check the syntax).")
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if problem := _unstorable(value):
            errors[name] = [f"Contains {problem}."]
    for name in data.keys() - fields.keys():
        errors[name] = ["Unknown field."]
    for name, spec in fields.items():
        if name not in data or data[name] is None:
            if spec.required:
                errors[name] = ["This field is required."]
            continue
        value = data[name]
        kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            errors[name] = [f"Must be {_type_name(spec.kind)}."]
            continue
        if spec.max_length is not None and isinstance(value, str) and len(value) > spec.max_length:
            errors[name] = [f"At most {spec.max_length} characters."]
        if isinstance(value, list):
            if spec.max_items is not None and len(value) > spec.max_items:
                errors[name] = [f"At most {spec.max_items} items."]
            elif spec.item_kind is not None and not all(
                isinstance(v, spec.item_kind) and not isinstance(v, bool) for v in value
            ):
                errors[name] = [f"Every item must be {_type_name(spec.item_kind)}."]
    if errors:
        raise BadRequest("The request has invalid fields.", errors)
    return data


def _unstorable(value: Any) -> str | None:
    """What in a JSON value no text column can hold (NUL, lone surrogates), or None."""
    if isinstance(value, str):
        return unstorable_character(value)
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        if problem := (_unstorable(key) if isinstance(key, str) else None) or _unstorable(item):
            return problem
    return None


def parse_date(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest(f"{name} is not a date.", {name: ["Use the form YYYY-MM-DD."]}) from exc


def query_args(allowed: set[str]) -> dict[str, str]:
    """The query string, refusing parameters the endpoint does not know."""
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise BadRequest(
            "Unknown query parameters.", {name: ["Unknown parameter."] for name in unknown}
        )
    return {k: v for k, v in request.args.items()}


def int_arg(args: dict[str, str], name: str, *, low: int, high: int) -> int | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} is not a whole number.", {name: ["Must be an integer."]}) from exc
    if not low <= value <= high:
        raise BadRequest(f"{name} is out of range.", {name: [f"From {low} to {high}."]})
    return value


def float_arg(args: dict[str, str], name: str, *, low: float, high: float) -> float | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} is not a number.", {name: ["Must be a number."]}) from exc
    if not low <= value <= high:
        raise BadRequest(f"{name} is out of range.", {name: [f"From {low:g} to {high:g}."]})
    return value
