"""Hypothesis settings shared by the fuzz tests (test_form_fuzz, test_api_fuzz).

FACTCHECK_FUZZ_EXAMPLES sets the examples per route or operation: 20 unless set, so the
default run stays quick; under CI=true 50 unless set (.ci/run sets 50). CI runs the same
examples every time (a red build is reproducible, never a fluke of that run's draw);
elsewhere each run draws new ones, so repeated or long local runs
(FACTCHECK_FUZZ_EXAMPLES=1000) explore.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI = os.environ.get("CI") == "true"
MAX_EXAMPLES = int(os.environ.get("FACTCHECK_FUZZ_EXAMPLES") or (50 if CI else 20))

# The tests build their app and data in fixtures and call the given-test themselves, so
# the function-scoped-fixture and data-size health checks do not apply; requests have no
# deadline (a first request warms caches); nothing is saved to .hypothesis/.
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=CI,
    suppress_health_check=list(HealthCheck),
)
