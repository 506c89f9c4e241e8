"""config/gunicorn.conf.py: gunicorn loads it, serves the app with it, and writes the
app's JSON log lines (LOG_FORMAT = "json") with its own in the same format."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

import factcheck.models  # noqa: F401  (the whole schema)
from factcheck.db import Base
from factcheck.settings import ROOT

GUNICORN = Path(sys.executable).parent / "gunicorn"
CONFIG = ROOT / "config" / "gunicorn.conf.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GUNICORN_") and k not in ("FACTCHECK_CONFIG",)
    }
    env.update(
        FACTCHECK_DATABASE_URL=f"sqlite:///{tmp_path / 'g.db'}",
        FACTCHECK_INSTANCE_PATH=str(tmp_path / "instance"),
        FACTCHECK_JOB_RUNNER="off",  # no job threads against an empty database
        **extra,
    )
    return env


@pytest.mark.slow  # seconds: gunicorn starts and reads the app's settings
def test_the_config_file_sets_what_the_readme_says(tmp_path):
    out = subprocess.run(
        [str(GUNICORN), "-c", str(CONFIG), "--print-config", "wsgi:app"],
        cwd=ROOT,
        env=_environment(tmp_path, GUNICORN_BIND="127.0.0.1:9999"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    settings = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in out.splitlines())
    )
    assert settings["bind"] == "['127.0.0.1:9999']"
    assert settings["worker_class"] == "gthread"
    assert (settings["workers"], settings["threads"]) == ("2", "4")
    assert settings["preload_app"] == "False"  # job threads start in each worker
    assert settings["timeout"] == "30" and settings["graceful_timeout"] == "30"
    assert (settings["max_requests"], settings["max_requests_jitter"]) == ("5000", "500")
    assert settings["forwarded_allow_ips"] == "['127.0.0.1', '::1']"
    assert settings["accesslog"] == "None"  # the app writes its own request lines
    assert settings["control_socket_disable"] == "True"


@pytest.mark.slow  # seconds: a real gunicorn master and worker
def test_gunicorn_serves_health_with_json_logs(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'g.db'}")
    Base.metadata.create_all(engine)
    engine.dispose()
    port = _free_port()
    env = _environment(
        tmp_path,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        FACTCHECK_LOG_FORMAT="json",
    )
    proc = subprocess.Popen(
        [str(GUNICORN), "-c", str(CONFIG), "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz?token=s3cret",
                headers={"X-Request-ID": "deploy-test-0001"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    assert response.status == 200
                    assert json.loads(response.read()) == {"status": "ok"}
                    assert response.headers["X-Request-ID"] == "deploy-test-0001"
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            # Anonymous: the word only (no worker runs: JOB_RUNNER is "off").
            assert json.loads(response.read()) == {"status": "degraded"}
    finally:
        proc.terminate()
        stdout, stderr = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    # Apart from gunicorn's very first line (before the config's hooks run), every line
    # on stderr is JSON: gunicorn's own and the app's.
    others = [line for line in stderr.splitlines()[1:] if not line.startswith("{")]
    assert others == [], stderr
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"] for e in lines)
    requests = [e for e in lines if e.get("event") == "request"]
    assert [e["path"] for e in requests][-2:] == ["/healthz?token", "/health"]
    first = next(e for e in requests if e["request_id"] == "deploy-test-0001")
    assert first["status"] == 200 and first["method"] == "GET" and first["user_id"] is None
    assert first["remote_addr"] == "127.0.0.1" and first["duration_ms"] >= 0
    assert "s3cret" not in stderr and "s3cret" not in stdout
    assert stdout == ""  # no access log from gunicorn: the app's lines are the access log
