"""SIGKILL in the middle of an ingest leaves nothing half-written; running it again works.

A child process ingests a long article. An `after_flush` hook in the child announces the
moment its sentences and scores have been written to the database (inside the still open
transaction) and then waits; the test kills it there with SIGKILL, the way the OOM killer
or a pulled plug would, and looks at what the database kept.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap

import pytest
import sqlalchemy as sa

from factcheck.claims.models import Claim, Sentence, SentenceScore
from factcheck.extensions import db
from factcheck.settings import ROOT
from factcheck.sources.models import Article
from tests.shared import seed_text

CHILD = textwrap.dedent(
    """
    import os, sys, time
    import sqlalchemy as sa
    import sqlalchemy.orm as so
    from factcheck.app import create_app
    from factcheck.claims.models import SentenceScore
    from factcheck.classifier.loader import set_classifier
    from factcheck.extensions import db
    from factcheck.settings import CONFIG_DIR, _load_toml
    from factcheck.sources.document import Document
    from factcheck.intake import ingest
    from tests.fakes import KeywordClassifier

    config = _load_toml(CONFIG_DIR / "testing.toml")
    config["DATABASE_URL"] = os.environ["CHILD_DATABASE_URL"]
    app = create_app(config)
    classifier = KeywordClassifier()
    set_classifier(app, classifier)

    if os.environ.get("CHILD_STOP_MIDWAY"):
        @sa.event.listens_for(so.Session, "after_flush")
        def _stop(session, context):
            if any(isinstance(o, SentenceScore) for o in session.new):
                print("FLUSHED", flush=True)
                time.sleep(120)

    with app.app_context():
        text = sys.stdin.read()
        result = ingest(
            db.session, Document(text=text, title="Long"), actor=None, classifier=classifier
        )
        db.session.commit()
        print("DONE", result.article.id, flush=True)
    """
)


def _child(database_url: str, *, stop_midway: bool) -> subprocess.Popen:
    env = {**os.environ, "CHILD_DATABASE_URL": database_url}
    env["FACTCHECK_INSTANCE_PATH"] = os.environ.get(
        "FACTCHECK_INSTANCE_PATH", tempfile.gettempdir()
    )
    if stop_midway:
        env["CHILD_STOP_MIDWAY"] = "1"
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return child


def _counts() -> dict[str, int]:
    db.session.rollback()
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Article, Sentence, SentenceScore, Claim)
    }


@pytest.mark.slow  # seconds: runs under CI (tests/conftest.py RUN_SLOW)
@pytest.mark.timeout(120)
def test_sigkill_mid_ingest_leaves_nothing_and_a_rerun_completes(app, database_url):
    text = "\n\n".join([seed_text()] * 4)  # a long article: about a hundred sentences
    killed = _child(database_url, stop_midway=True)
    killed.stdin.write(text)
    killed.stdin.close()
    line = killed.stdout.readline().strip()
    assert line == "FLUSHED", killed.stderr.read()[-3000:]
    os.kill(killed.pid, signal.SIGKILL)
    assert killed.wait(timeout=30) == -signal.SIGKILL
    killed.stdout.close()
    killed.stderr.close()

    assert _counts() == {"Article": 0, "Sentence": 0, "SentenceScore": 0, "Claim": 0}

    rerun = _child(database_url, stop_midway=False)
    out, err = rerun.communicate(text, timeout=90)
    assert rerun.returncode == 0, err[-3000:]
    assert out.startswith("DONE")
    counts = _counts()
    assert counts["Article"] == 1
    assert counts["Sentence"] > 80 and counts["SentenceScore"] == counts["Sentence"]
    assert counts["Claim"] > 0
