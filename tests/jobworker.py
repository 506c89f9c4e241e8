"""A Celery worker for the tests: `python -m tests.jobworker`, the app on the testing
settings with the fake classifier (so a worker starts in seconds, not with the real
model), started through factcheck.cli.worker.start_worker like `factcheck worker`.

Environment: JOBWORKER_DATABASE_URL, JOBWORKER_BROKER_URL, and JOBWORKER_ROW_DELAY
(seconds each scoring call sleeps, so a test can stop a worker part-way through a job).
Production code knows nothing of this module.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from tests.fakes import KeywordClassifier

# Short lease and poll, so a lost worker's job is taken over within seconds.
TEST_TIMINGS = {
    "JOB_LEASE_SECONDS": 3,
    "JOB_POLL_SECONDS": 0.5,
    "WORKER_HEARTBEAT_SECONDS": 1,
}


def redis_test_url() -> str:
    """A Redis database of the tests' own at 127.0.0.1:6379, one per pytest-xdist worker
    (10 to 15), which a test may flush; tests in one worker run one at a time."""
    index = int((os.environ.get("PYTEST_XDIST_WORKER") or "gw0").removeprefix("gw") or 0)
    return f"redis://127.0.0.1:6379/{10 + index % 6}"


class SlowKeywordClassifier(KeywordClassifier):
    """The keyword fake, taking `delay` seconds per scoring call (one per article)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def score(self, texts: Sequence[str]) -> list[float]:
        time.sleep(self.delay)
        return super().score(texts)


def main() -> None:
    from factcheck.app import create_app
    from factcheck.classifier.loader import set_classifier
    from factcheck.cli.worker import start_worker
    from factcheck.settings import CONFIG_DIR, _load_toml

    config = _load_toml(CONFIG_DIR / "testing.toml")
    config.update(
        DATABASE_URL=os.environ["JOBWORKER_DATABASE_URL"],
        CELERY_BROKER_URL=os.environ["JOBWORKER_BROKER_URL"],
        JOB_RUNNER="celery",
        LOG_LEVEL="INFO",
        **TEST_TIMINGS,
    )
    app = create_app(config)
    set_classifier(app, SlowKeywordClassifier(float(os.environ.get("JOBWORKER_ROW_DELAY", "0"))))
    start_worker(app, concurrency=1, loglevel="INFO")


if __name__ == "__main__":
    main()
