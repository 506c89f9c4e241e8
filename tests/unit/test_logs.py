"""factcheck.logs: the JSON line format and which incoming request ids are kept."""

from __future__ import annotations

import json
import logging

import pytest

from factcheck.logs import (
    JsonFormatter,
    configure,
    current_request_id,
    formatter,
    incoming_request_id,
)


def _record(msg: str = "hello %s", args: tuple = ("world",), **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("factcheck.x", logging.WARNING, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_line_has_the_standard_fields_and_the_extras():
    line = JsonFormatter().format(_record(event="job", job_id=7, duration_ms=12))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "factcheck.x"
    assert entry["message"] == "hello world"
    assert entry["timestamp"].endswith("+00:00") and "T" in entry["timestamp"]
    assert entry["event"] == "job" and entry["job_id"] == 7 and entry["duration_ms"] == 12
    # No LogRecord internals leak into the line.
    assert not {"args", "msg", "pathname", "exc_info", "created"} & set(entry)


def test_json_line_carries_the_current_request_id():
    token = current_request_id.set("req-12345678")
    try:
        entry = json.loads(JsonFormatter().format(_record()))
    finally:
        current_request_id.reset(token)
    assert entry["request_id"] == "req-12345678"
    assert "request_id" not in json.loads(JsonFormatter().format(_record()))


def test_an_exception_is_one_field_of_one_line():
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        import sys

        record = logging.LogRecord("f", logging.ERROR, __file__, 1, "oops", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert line.count("\n") == 0
    entry = json.loads(line)
    assert (
        entry["exception"].startswith("Traceback")
        and "ValueError: bad\nthing" in entry["exception"]
    )


def test_values_json_cannot_encode_are_written_as_text():
    from datetime import date

    entry = json.loads(JsonFormatter().format(_record(day=date(2026, 1, 2), obj=object())))
    assert entry["day"] == "2026-01-02" and entry["obj"].startswith("<object")


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("abcdefgh", True),
        ("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", True),
        ("5759e988_bd862e3f.1", True),
        ("Root=1-5759e988", False),
        ("a" * 64, True),
        ("a" * 65, False),  # too long
        ("short", False),  # too short
        ("has space x", False),
        ("line\nbreak1", False),  # log injection
        ('quote"12345', False),
        ("<script>1</script>", False),
        ("", False),
        (None, False),
    ],
)
def test_incoming_request_ids_are_kept_only_when_safe(value, kept):
    assert incoming_request_id(value) == (value if kept else None)


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        configure("xml")


def test_text_format_is_readable():
    line = formatter("text").format(_record())
    assert "WARNING factcheck.x: hello world" in line


def test_text_leaves_logging_alone_unless_asked_and_json_installs_one_handler():
    root = logging.getLogger()
    saved, saved_level = root.handlers[:], root.level
    root.handlers = []
    try:
        configure("text")  # a CLI command: nothing added, its progress bars stay clean
        assert root.handlers == []
        configure("text", handler=True)  # gunicorn's worker hook: request lines in text
        configure("text", handler=True)
        [ours] = root.handlers
        assert not isinstance(ours.formatter, JsonFormatter)
        configure("json")  # the app's own settings, later: the same handler, JSON now
        assert root.handlers == [ours] and isinstance(ours.formatter, JsonFormatter)
        assert logging.getLogger("factcheck").level == logging.INFO
    finally:
        root.handlers = saved
        root.setLevel(saved_level)
