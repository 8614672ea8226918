"""Handing work to Celery: a task sent now or not at all, never the broker's own retries inside a request.

Callers run after commit, and every task's work is also found in rows by the next sweep, so a failed send loses
nothing: it is logged and the caller carries on.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def enqueue(task: Any, *args: int) -> bool:
    """Send `task` with `args` now; False (and a log line) when the broker is unreachable."""
    try:
        task.apply_async(args=args, retry=False)
    except Exception as exc:  # kombu raises several types for an unreachable broker
        logger.warning("could not enqueue %s%s (%s); the next sweep will pick it up", task.name, args, exc)
        return False
    return True
