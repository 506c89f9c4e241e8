"""The OpenAPI 3.1 document of /api/v1, written by hand next to the views it describes.

tests/test_api.py checks that every API route is here and every path here is a route,
and runs schemathesis against it.
"""

from __future__ import annotations

from typing import Any

from factcheck.claims.lifecycle import CLAIM_STATUSES
from factcheck.sources.extract import MAX_TEXT_CHARACTERS

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
DATE_QUERY = {"type": "string", "format": "date"}
SCORE = {"type": "number", "minimum": 0, "maximum": 1}
LIMIT = {"type": "integer", "minimum": 1, "maximum": 200}
CLAIM_CURSOR = r"^[0-9.eE+-]+_[0-9]+$"
CLAIM_STATUS_FILTER = ["open", "all", *CLAIM_STATUSES]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors() -> dict[str, Any]:
    error = _json(_ref("Error"), "An error; the same shape for every failure.")
    return {
        "400": {
            **error,
            "description": "Malformed request: bad JSON, wrong types, unknown fields.",
        },
        "401": {**error, "description": "No token, or an unknown, revoked or expired one."},
        "403": {**error, "description": "The token's user lacks the role."},
        "default": error,
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _path_id(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    }


CLAIM = {
    "type": "object",
    "required": ["id", "text", "status", "hedged", "priority", "article_count", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "text": {"type": "string"},
        "claimant": NULLABLE_STRING,
        "claimant_role": NULLABLE_STRING,
        "reporting_verb": NULLABLE_STRING,
        "hedged": {"type": "boolean"},
        "date_claimed": NULLABLE_STRING,
        "status": {"type": "string"},
        "score": NULLABLE_NUMBER,
        "priority": {
            "type": "number",
            "description": "Queue priority as of the request: score x repeats, halved for "
            "every 14 days since the claim was made.",
        },
        "reason": {**NULLABLE_STRING, "description": "Why the model flagged it."},
        "claim_type": NULLABLE_STRING,
        "article_id": NULLABLE_INTEGER,
        "article_count": {"type": "integer"},
        "created_at": {"type": "string"},
    },
}

RULING = {
    "type": "object",
    "required": ["claim_id", "status", "claim", "published_at", "url", "evidence", "corrections"],
    "properties": {
        "claim_id": {"type": "integer"},
        "status": {"type": "string", "enum": ["published", "retracted"]},
        "claim": {"type": "string"},
        "claimant": NULLABLE_STRING,
        "claimant_role": NULLABLE_STRING,
        "date_claimed": NULLABLE_STRING,
        "rating": NULLABLE_STRING,
        "rating_value": NULLABLE_NUMBER,
        "conclusion": NULLABLE_STRING,
        "explanation": {"type": "string"},
        "evidence": {"type": "array", "items": {"type": "object"}},
        "published_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "corrections": {"type": "array", "items": {"type": "object"}},
        "retraction_note": NULLABLE_STRING,
        "url": {"type": "string"},
    },
}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "title", "message"],
            "properties": {
                "status": {"type": "integer"},
                "title": {"type": "string"},
                "message": {"type": "string"},
                "request_id": NULLABLE_STRING,
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


def spec() -> dict[str, Any]:
    """The document served at /api/v1/openapi.json."""
    bearer = [{"bearerAuth": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "factcheck API",
            "version": "1",
            "description": "Ingest text, read claims and published rulings, score sentences. "
            "Authenticate with a personal API token: Authorization: Bearer fc_...",
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/api/v1/articles": {
                "post": {
                    "operationId": "postArticle",
                    "summary": "Ingest a text or a web page and get its flagged claims "
                    "(fact-checker role).",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "oneOf": [{"required": ["text"]}, {"required": ["url"]}],
                                    "properties": {
                                        "text": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": MAX_TEXT_CHARACTERS,
                                        },
                                        "url": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": 2048,
                                        },
                                        "title": {"type": "string", "maxLength": 500},
                                        "source_url": {"type": "string", "maxLength": 2048},
                                        "outlet": {"type": "string", "maxLength": 200},
                                        "author": {"type": "string", "maxLength": 300},
                                        "published_on": {"type": "string", "format": "date"},
                                        "language": {"type": "string", "maxLength": 16},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "required": ["article", "claims"],
                                "properties": {
                                    "article": {"type": "object"},
                                    "claims": {"type": "array", "items": _ref("Claim")},
                                },
                            },
                            "The stored article and the claims flagged in it.",
                        ),
                        "409": _json(_ref("Error"), "The same text was ingested before."),
                        "413": _json(_ref("Error"), "The body is over API_MAX_BODY_BYTES."),
                        "422": _json(_ref("Error"), "The text or page could not be used."),
                        **_errors(),
                    },
                }
            },
            "/api/v1/claims": {
                "get": {
                    "operationId": "listClaims",
                    "summary": "Claims by priority, with the queue's filters.",
                    "security": bearer,
                    "parameters": [
                        _query(
                            "status",
                            {"type": "string", "enum": CLAIM_STATUS_FILTER},
                            "open (default), all, or one status.",
                        ),
                        _query("q", {"type": "string"}, "Words of the claim text."),
                        _query("claimant", {"type": "string"}, "Claimant name contains."),
                        _query("min_score", SCORE, "0 to 1."),
                        _query("max_score", SCORE, "0 to 1."),
                        _query("found_from", DATE_QUERY, "Found on or after."),
                        _query("found_to", DATE_QUERY, "Found on or before."),
                        _query(
                            "after",
                            {"type": "string", "pattern": CLAIM_CURSOR},
                            "The `next` of the previous page.",
                        ),
                        _query("limit", LIMIT, "1 to 200, default 50."),
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["items", "next"],
                                "properties": {
                                    "items": {"type": "array", "items": _ref("Claim")},
                                    "next": NULLABLE_STRING,
                                },
                            },
                            "One page of claims.",
                        ),
                        **_errors(),
                    },
                }
            },
            "/api/v1/claims/{claim_id}": {
                "get": {
                    "operationId": "getClaim",
                    "summary": "One claim with its verdict revisions and timeline.",
                    "security": bearer,
                    "parameters": [_path_id("claim_id")],
                    "responses": {
                        "200": _json(
                            {
                                "allOf": [
                                    _ref("Claim"),
                                    {
                                        "type": "object",
                                        "required": ["revisions", "timeline"],
                                        "properties": {
                                            "revisions": {
                                                "type": "array",
                                                "items": {"type": "object"},
                                            },
                                            "timeline": {
                                                "type": "array",
                                                "items": {"type": "object"},
                                            },
                                            "ruling_url": NULLABLE_STRING,
                                        },
                                    },
                                ]
                            },
                            "The claim.",
                        ),
                        "404": _json(_ref("Error"), "No such claim."),
                        **_errors(),
                    },
                }
            },
            "/api/v1/rulings": {
                "get": {
                    "operationId": "listRulings",
                    "summary": "Published rulings, oldest first, filtered like the CSV export.",
                    "security": bearer,
                    "parameters": [
                        _query(
                            "status",
                            {"type": "string", "enum": ["published", "retracted", "both"]},
                            "Default published.",
                        ),
                        _query("since", DATE_QUERY, "Published on or after."),
                        _query("until", DATE_QUERY, "Published on or before."),
                        _query("claimant", {"type": "string"}, "Claimant name contains."),
                        _query(
                            "after",
                            {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                            "The `next` of the previous page.",
                        ),
                        _query("limit", LIMIT, "1 to 200, default 50."),
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["items", "next"],
                                "properties": {
                                    "items": {"type": "array", "items": _ref("Ruling")},
                                    "next": NULLABLE_STRING,
                                },
                            },
                            "One page of rulings.",
                        ),
                        **_errors(),
                    },
                }
            },
            "/api/v1/rulings/{claim_id}": {
                "get": {
                    "operationId": "getRuling",
                    "summary": "One ruling, as JSON or as schema.org ClaimReview.",
                    "security": bearer,
                    "parameters": [
                        _path_id("claim_id"),
                        _query(
                            "format",
                            {"type": "string", "enum": ["json", "claimreview"]},
                            "json (default) or claimreview.",
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "The ruling.",
                            "content": {
                                "application/json": {"schema": _ref("Ruling")},
                                "application/ld+json": {"schema": {"type": "object"}},
                            },
                        },
                        "404": _json(_ref("Error"), "The claim has no ruling."),
                        **_errors(),
                    },
                }
            },
            "/api/v1/score": {
                "post": {
                    "operationId": "score",
                    "summary": "Check-worthiness scores for a batch of sentences.",
                    "description": "At most API_SCORE_MAX_SENTENCES sentences (100 by "
                    "default) and API_SCORE_MAX_CHARS characters in all (50,000) a request, "
                    "else a 413 naming the limit. Rate-limited per user (all of a user's "
                    "tokens together): API_SCORE_RATE_LIMIT here, within API_RATE_LIMIT.",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["sentences"],
                                    "properties": {
                                        "sentences": {
                                            "type": "array",
                                            "items": {"type": "string", "maxLength": 5000},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["model", "version", "threshold", "results"],
                                "properties": {
                                    "model": {"type": "string"},
                                    "version": {"type": "string"},
                                    "threshold": {"type": "number"},
                                    "results": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["sentence", "score", "is_claim"],
                                            "properties": {
                                                "sentence": {"type": "string"},
                                                "score": {
                                                    "type": "number",
                                                    "minimum": 0,
                                                    "maximum": 1,
                                                },
                                                "is_claim": {"type": "boolean"},
                                            },
                                        },
                                    },
                                },
                            },
                            "A score per sentence, in order.",
                        ),
                        "413": _json(
                            _ref("Error"),
                            "The body is over API_MAX_BODY_BYTES, or the sentences over "
                            "API_SCORE_MAX_SENTENCES or API_SCORE_MAX_CHARS.",
                        ),
                        **_errors(),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Claim": CLAIM, "Ruling": RULING, "Error": ERROR},
        },
    }
