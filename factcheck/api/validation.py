"""Strict reading of JSON bodies and query strings through the API's schemas: wrong types,
unknown fields and bad dates become a 400 with a message per field, before any service
runs. The schemas are in factcheck/api/schemas.py; this is the webargs parser that feeds
them and turns their complaints into the API's error shape."""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask import Request
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from factcheck.errors import BadRequest

MESSAGES_PER_FIELD = 10
_WHERE = {"json": "fields", "query": "query parameters"}


class Parser(FlaskParser):
    """webargs' Flask parser, strict: a body must be a JSON object sent as JSON, unknown
    query parameters are refused like unknown fields (webargs ignores them by default),
    an empty query value means the parameter is absent, and every refusal is a
    factcheck BadRequest (a 400 in the API's error shape, `fields` naming each problem)."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }

    def load_json(self, req: Request, schema: ma.Schema) -> Any:
        if not req.is_json:
            raise BadRequest("Send a JSON body with Content-Type: application/json.")
        data = req.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadRequest("The body is not a JSON object (check the syntax).")
        return data

    def load_querystring(self, req: Request, schema: ma.Schema) -> Any:
        known = {field.data_key or name for name, field in schema.fields.items()}
        args = MultiDict((k, v) for k, v in req.args.items(multi=True) if v != "" or k not in known)
        return MultiDictProxy(args, schema)

    def handle_error(
        self,
        error: ma.ValidationError,
        req: Request,
        schema: ma.Schema,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> NoReturn:
        messages = error.messages if isinstance(error.messages, dict) else {}
        fields: dict[str, list[str]] = {}
        where = "fields"
        for location, problems in messages.items():
            where = _WHERE.get(location, where)
            items = problems.items() if isinstance(problems, dict) else [("_body", problems)]
            for name, problem in items:
                fields.setdefault(str(name), []).extend(_texts(problem)[:MESSAGES_PER_FIELD])
        names = sorted(fields)
        if len(names) == 1:
            message = f"{names[0]}: {fields[names[0]][0]}"
        else:
            message = f"The request has invalid {where}: {', '.join(names)}."
        raise BadRequest(message, fields)


def _texts(problem: Any, prefix: str = "") -> list[str]:
    """marshmallow's nested messages ({0: ["Not a valid string."]}) as flat strings."""
    if isinstance(problem, str):
        return [prefix + problem]
    if isinstance(problem, list):
        return [text for p in problem for text in _texts(p, prefix)]
    if isinstance(problem, dict):
        return [
            text
            for key, p in problem.items()
            for text in _texts(p, f"{prefix}Item {key}: " if isinstance(key, int) else f"{key}: ")
        ]
    return [prefix + str(problem)]
