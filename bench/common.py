"""What every benchmark section shares: the database, Django start-up, the figures and worker processes.

A section is a module `bench/<name>.py` with `run(ctx: Context) -> None`. It measures something and hands each
figure to `ctx.report(...)` or `ctx.ratio(...)`, which print it at once and keep it for the closing summary.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhenggai_bench"
DEFAULT_TICKETS = 1_000_000
DEFAULT_SECONDS = 15.0
SECTIONS = ["transitions", "api", "pages", "dashboard", "sweep", "spreadsheets", "decisions"]
LABEL_WIDTH = 58


@dataclass
class Figure:
    section: str
    label: str
    value: float
    unit: str

    def line(self) -> str:
        return f"{self.label:<{LABEL_WIDTH}} {_number(self.value):>14} {self.unit}".rstrip()


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3f}"


@dataclass
class Context:
    """Handed to each section's `run(ctx)`.

    database_url  the benchmark database (PostgreSQL); Django is already set up on it and migrated
    tickets       N, the number of tickets the database holds at least (bench.seed has made sure of it)
    seconds       how long one timed measurement should run
    seed          bench.seed.Seed: ids and usernames of the seeded units and people (set before sections run)
    """

    database_url: str
    tickets: int
    seconds: float = DEFAULT_SECONDS
    seed: Any = None
    section: str = ""
    figures: list[Figure] = field(default_factory=list)

    def report(self, label: str, value: float, unit: str = "") -> None:
        """Print one figure now, aligned, and keep it for the summary."""
        figure = Figure(self.section, label, value, unit)
        self.figures.append(figure)
        print(figure.line(), flush=True)

    def ratio(self, label: str, numerator: float, denominator: float) -> None:
        """Print numerator / denominator as a percentage."""
        self.report(label, 100.0 * numerator / denominator if denominator else float("nan"), "%")

    def note(self, text: str) -> None:
        """A line of commentary (not a figure): what is being done, why a figure is missing."""
        print(f"  · {text}", flush=True)

    @property
    def libpq_url(self) -> str:
        """The database URL as libpq (psql, pgbench, psycopg) spells it."""
        return libpq_url(self.database_url)

    def summary(self) -> str:
        """Every figure of the run as a Markdown table, ready for bench/README.md."""
        lines = ["| section | figure | value | unit |", "|---|---|--:|---|"]
        lines += [f"| {f.section} | {f.label} | {_number(f.value)} | {f.unit} |" for f in self.figures]
        return "\n".join(lines)


def libpq_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql")) if parts.scheme == "postgres" else url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str, *, fresh: bool = False) -> bool:
    """Create the benchmark database if it does not exist (dropping it first when `fresh`); True when created."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    maintenance = urlunsplit(urlsplit(libpq_url(url))._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def setup_django(database_url: str) -> None:
    """Point Django at the benchmark database, start it and migrate.

    The benchmark measures the product as it runs in production: DEBUG off (no query log), so a throw-away
    SECRET_KEY is made up when none is set. Worker processes forked later inherit all of it.
    """
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = "bench-" + secrets.token_urlsafe(32)
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Production settings, but plain HTTP on 127.0.0.1: no TLS proxy in front to redirect to.
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """`with stopwatch() as elapsed: ...; elapsed()` gives the seconds since the block began."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def in_processes(target: Callable[..., Any], args: Iterable[tuple[Any, ...]]) -> list[Any]:
    """Run `target(*a)` for each `a` in its own forked process, all at once; return their results in order.

    Django's connections are closed first, so each child opens its own. `target`'s results must be picklable;
    an exception in a child is raised here.
    """
    from django.db import connections

    connections.close_all()
    fork = multiprocessing.get_context("fork")
    results = fork.SimpleQueue()
    children = [
        fork.Process(target=_child, args=(results, index, target, job), daemon=True) for index, job in enumerate(args)
    ]
    for child in children:
        child.start()
    outcome: dict[int, tuple[bool, Any]] = {}
    for _ in children:
        index, ok, value = results.get()
        outcome[index] = (ok, value)
    for child in children:
        child.join()
    for ok, value in outcome.values():
        if not ok:
            raise RuntimeError(f"a worker process failed:\n{value}")
    return [outcome[index][1] for index in range(len(children))]


def _child(results: Any, index: int, target: Callable[..., Any], job: tuple[Any, ...]) -> None:
    from django.db import connections

    try:
        results.put((index, True, target(*job)))
    except BaseException:
        results.put((index, False, traceback.format_exc()))
    finally:
        connections.close_all()
