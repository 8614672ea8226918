"""Celery tasks of the API: a large ledger export, written by a worker with the filter its user asked for.

The task lives here rather than in tracker because the filter (api.filters.TicketFilter) is the API's: the export
is of exactly what the ledger endpoint would list for the same query string."""

from __future__ import annotations

from celery import shared_task
from django.http import QueryDict

from api.filters import TicketFilter
from tracker import exports, selectors
from tracker.models import Export
from tracker.services.exports import export_run


@shared_task(name="api.export_ledger")
def export_ledger(export_id: int) -> bool:
    export = Export.objects.select_related("user").get(pk=export_id)
    query = QueryDict(mutable=True)
    for key, values in export.params.items():
        query.setlist(key, values)
    filterset = TicketFilter(data=query, queryset=selectors.tickets_visible_to(export.user))

    def write(dest) -> int:
        if not filterset.is_valid():
            raise ValueError(f"invalid filter: {dict(filterset.errors)}")
        return exports.ledger_write(filterset.qs, dest)

    return export_run(export_id=export_id, write=write, filename=exports.ledger_filename(export.created_at))
