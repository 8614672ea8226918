"""The moment the demo's history is written at.

The demo drives every ticket through the real services, each step on the day it would have happened, so that
histories, deadlines and warning colours are what the product itself would have produced. The services and the
models read the time only through django.utils.timezone (`now()`, and `localdate()`, which calls it), so while a
step runs, that one function answers the step's moment. Seeding runs alone in its own process (`seed_demo`,
before the server starts): nothing else reads the clock meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


@contextmanager
def moment(at: dt.datetime) -> Iterator[None]:
    """Within the block, `django.utils.timezone.now()` is `at` (an aware datetime)."""
    if timezone.is_naive(at):
        raise ValueError("the demo's moments are aware datetimes")
    real = timezone.now
    timezone.now = lambda: at  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real  # type: ignore[assignment]
