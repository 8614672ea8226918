"""Spreadsheets at scale: the findings import, the ledger export and the unit scorecards.

1. Import IMPORT_ROWS findings (target: under 20 s) from a template-shaped .xlsx into a fresh appraisal with the seed's
   indicator codes, spread over the seeded units, as the seed's assessor; then the same file again, which finds every
   finding there and creates nothing.
2. Export EXPORT_ROWS ledger rows (or every ticket when fewer; target: under 60 s) as the admin sees them, in a forked
   process whose peak resident memory is reported: the write-only workbook streams, so it must not grow with rows.
3. Scorecards over every seeded ticket as the city's supervisor (target: under 2 s), ranked with their score; the
   current month's; and the twelve-month trend.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import resource
import tempfile

from django.contrib.auth import get_user_model
from django.db.models import Max, Min

from bench.common import Context, in_processes, stopwatch
from tracker import exports, scorecards, selectors
from tracker.models import Appraisal, Finding, Indicator, Ticket, Unit
from tracker.services import imports
from tracker.sheets import in_language
from workflows import clocks

IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS") or 10_000)
EXPORT_ROWS = int(os.environ.get("BENCH_EXPORT_ROWS") or 100_000)


def run(ctx: Context) -> None:
    import_findings(ctx, IMPORT_ROWS)
    export_ledger(ctx, min(EXPORT_ROWS, ctx.tickets))
    score(ctx)


def _findings_file(rows: int, appraisal: Appraisal, units: list[str]) -> io.BytesIO:
    from openpyxl import Workbook

    rng = random.Random(16)
    keys = [c.key for c in imports.COLUMNS]
    codes = list(Indicator.objects.filter(appraisal=appraisal).values_list("code", flat=True))
    due = clocks.today() + dt.timedelta(days=120)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([in_language(c.label, "zh-hans") for c in imports.COLUMNS])
    for n in range(1, rows + 1):
        values = {
            "appraisal": appraisal.name,
            "indicator": rng.choice(codes),
            "source": "市委巡察组",
            "document_number": f"江巡反馈〔{clocks.today():%Y}〕{n // 500 + 1}号",
            "item_number": str(n),
            "description": f"第{n}项：扬尘管控台账缺失，施工工地围挡不规范",
            "severity": rng.choice(["一般", "一般", "较重"]),
            "rectification_class": rng.choice(["立行立改", "限期整改", "限期整改", "长期坚持"]),
            "lead_unit": rng.choice(units),
            "co_units": rng.choice(["", "", rng.choice(units)]),
            "lead_official": "王副市长",
            "responsible_person": "陈局长",
            "handler": "李科员",
            "contact_phone": "0571-88886666",
            "due_on": due if n % 3 else None,
        }
        sheet.append([values[k] for k in keys])
    out = io.BytesIO()
    workbook.save(out)
    return out


def import_findings(ctx: Context, rows: int) -> None:
    assessor = get_user_model().objects.get(username=ctx.seed.assessor)
    template = Appraisal.objects.get(pk=ctx.seed.indicators[0][1])
    appraisal = Appraisal.objects.create(
        name=f"基准导入 {dt.datetime.now():%Y%m%d%H%M%S}",
        kind="专项督查",
        level="市级",
        period_start=clocks.today(),
        period_end=clocks.today() + dt.timedelta(days=365),
    )
    Indicator.objects.bulk_create(
        Indicator(appraisal=appraisal, **{f: getattr(i, f) for f in ("code", "name", "dimension", "weight", "is_key")})
        for i in Indicator.objects.filter(appraisal=template)
    )
    # The lead units by name as the import resolves them (a name two units share is written with its parent's).
    labels = exports.unit_labels()
    units = [labels[u] for u in ctx.seed.lead_unit_ids]
    with stopwatch() as elapsed:
        content = _findings_file(rows, appraisal, units).getvalue()
    ctx.note(f"a {rows:,}-row findings file of {len(content) / 1_048_576:.1f} MB written in {elapsed():.1f} s")
    with stopwatch() as elapsed:
        result = imports.findings_import(actor=assessor, file=io.BytesIO(content))
    ctx.report(f"import {rows:,} findings (target < 20 s)", elapsed(), "s")
    ctx.report("import rate", len(result.created) / elapsed(), "findings/s")
    with stopwatch() as elapsed:
        again = imports.findings_import(actor=assessor, file=io.BytesIO(content))
    ctx.report("the same file again (creates nothing)", elapsed(), "s")
    if len(result.created) != rows or again.created:
        raise AssertionError(f"imported {len(result.created)} of {rows}, then {len(again.created)} again")
    ctx.note(f"{Finding.objects.filter(appraisal=appraisal).count():,} findings now in {appraisal.name}")


def _export_in_child(first_id: int, username: str) -> tuple[int, float, int, int]:
    """Write the ledger of tickets from first_id on, in this (forked) process: rows, seconds, peak RSS before, after."""
    admin = get_user_model().objects.get(username=username)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tickets = selectors.tickets_visible_to(admin).filter(pk__gte=first_id)
    with tempfile.TemporaryFile() as spool, stopwatch() as elapsed:
        rows = exports.ledger_write(tickets, spool)
    return rows, elapsed(), before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def export_ledger(ctx: Context, rows: int) -> None:
    last = Ticket.objects.aggregate(last=Max("id"))["last"] or 0
    first_id = (
        Ticket.objects.filter(pk__lte=last).order_by("-id").values_list("id", flat=True)[rows - 1 : rows].first() or 1
    )
    written, seconds, before, peak = in_processes(_export_in_child, [(first_id, ctx.seed.admin)])[0]
    ctx.report(f"export {written:,} ledger rows (target < 60 s)", seconds, "s")
    ctx.report("export rate", written / seconds if seconds else 0, "rows/s")
    ctx.report("export: peak RSS of the process", peak / 1024, "MB")
    ctx.report("export: peak RSS grown while writing", (peak - before) / 1024, "MB")


def score(ctx: Context) -> None:
    supervisor = get_user_model().objects.get(username=ctx.seed.supervisor)
    today = clocks.today()
    first = Ticket.objects.aggregate(first=Min("assigned_on"))["first"] or today
    everything = scorecards.Period("year", "all", first, today, "all")
    scorecards.unit_scoreboard(supervisor, period=scorecards.period_of("month"))  # warm the calendar and policies
    with stopwatch() as elapsed:
        board = scorecards.unit_scoreboard(supervisor, period=everything)
    received = sum(c.received + c.withdrawn for c in board.cards)
    ctx.report(f"scorecards over {received:,} tickets, {len(board.cards)} units (target < 2 s)", elapsed(), "s")
    with stopwatch() as elapsed:
        scorecards.unit_scoreboard(supervisor, period=scorecards.period_of("month"))
    ctx.report("scorecards of the current month", elapsed(), "s")
    with stopwatch() as elapsed:
        scorecards.unit_trend(supervisor, months=12)
    ctx.report("twelve-month trend of every unit", elapsed(), "s")
    ctx.note(f"{Unit.objects.count()} units; top: {board.cards[0].unit.name} {board.cards[0].score}")
