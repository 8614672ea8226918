"""How many examples the generative tests try: a bounded number in `make test` (and CI), more on request.

ZHENGGAI_FUZZ_EXAMPLES=500 make test PYTEST_ARGS="-k fuzz or property or schemathesis" runs every generative test
with 500 examples instead of its own small default.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def examples(default: int) -> int:
    """`default`, unless ZHENGGAI_FUZZ_EXAMPLES asks for another number."""
    value = os.environ.get("ZHENGGAI_FUZZ_EXAMPLES", "").strip()
    return int(value) if value else default


def fuzz_settings(default: int, **kwargs) -> settings:
    """Hypothesis settings for a test that drives the database: no deadline (a query's time varies), no health
    check on function-scoped fixtures (the database is reset per test, not per example, on purpose), derandomized in
    CI so a red build is reproducible."""
    return settings(
        max_examples=examples(default),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=bool(os.environ.get("CI")),
        **kwargs,
    )
