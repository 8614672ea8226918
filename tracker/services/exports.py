"""Exports too large for a request: asked for by a user, written by a worker, fetched by that user alone."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.files import File
from django.db.models import Q
from django.utils import timezone, translation

from tracker.models import Export, ExportState

logger = logging.getLogger(__name__)

# A worker that died mid-export leaves it "running"; past this, a redelivered task may take it over.
STALE_AFTER = dt.timedelta(hours=1)


def export_request(*, user: User, params: dict[str, list[str]], language: str) -> Export:
    """Record the request; the caller enqueues the worker's task after commit (`export_ledger.delay_on_commit`)."""
    return Export.objects.create(user=user, kind=Export.Kind.LEDGER, params=params, language=language)


def export_run(*, export_id: int, write: Callable[[IO[bytes]], int], filename: str) -> bool:
    """Claim the export and write it with `write(file) -> rows`; False when another worker has it or it is done.

    The claim is a conditional UPDATE: one worker wins even when the broker delivers the task twice. A failure is
    kept on the row (state "failed", the error) for the user to see, and logged.
    """
    now = timezone.now()
    claimable = Q(state=ExportState.PENDING) | Q(state=ExportState.RUNNING, created_at__lt=now - STALE_AFTER)
    if not Export.objects.filter(claimable, pk=export_id).update(state=ExportState.RUNNING):
        return False
    export = Export.objects.get(pk=export_id)
    try:
        with translation.override(export.language), tempfile.TemporaryFile() as spool:
            rows = write(spool)
            spool.seek(0)
            export.file.save(filename, File(spool), save=False)
    except Exception as exc:
        logger.exception("export %s failed", export_id)
        Export.objects.filter(pk=export_id).update(
            state=ExportState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return True
    Export.objects.filter(pk=export_id).update(
        state=ExportState.DONE, file=export.file.name, rows=rows, finished_at=timezone.now()
    )
    return True


def export_params(query: Any) -> dict[str, list[str]]:
    """A request's query string as the JSON an Export keeps (each key with all its values)."""
    return {key: query.getlist(key) for key in query}
