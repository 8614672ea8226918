"""`python -m bench [--tickets N] [--only SECTION ...] [--database-url URL] [--seconds S] [--fresh]`.

`make bench BENCH_ARGS="..."` runs the same.

Creates and migrates the benchmark database, seeds it with at least N tickets, then runs each section in
order and prints a summary table of every figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from bench.common import (
    DEFAULT_DATABASE_URL,
    DEFAULT_SECONDS,
    DEFAULT_TICKETS,
    SECTIONS,
    Context,
    ensure_database,
    setup_django,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS, help="tickets to seed (default %(default)s)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION", help=f"among {SECTIONS}")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL,
        help="PostgreSQL database to use, created if missing (default: $BENCH_DATABASE_URL or %(default)s)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="drop the benchmark database first and seed it anew at N tickets"
    )
    parser.add_argument(
        "--seconds", type=float, default=DEFAULT_SECONDS, help="length of each timed run (default %(default)s)"
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the benchmark needs PostgreSQL: --database-url postgres://...")
    if args.tickets < 1:
        parser.error("--tickets must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ctx = Context(database_url=args.database_url, tickets=args.tickets, seconds=args.seconds)
    if ensure_database(ctx.database_url, fresh=args.fresh):
        ctx.note(f"created database {ctx.database_url}")
    setup_django(ctx.database_url)

    from bench import seed

    print(f"== seed: at least {ctx.tickets:,} tickets", flush=True)
    ctx.section = "seed"
    ctx.seed = seed.ensure_tickets(ctx)

    for name in args.only or SECTIONS:
        if importlib.util.find_spec(f"bench.{name}") is None:
            print(f"== {name}: not written yet, skipped", flush=True)
            continue
        print(f"== {name}", flush=True)
        ctx.section = name
        importlib.import_module(f"bench.{name}").run(ctx)

    print(f"\n== summary (N = {ctx.tickets:,}; the database held {ctx.seed.tickets:,} tickets after seeding)\n")
    print(ctx.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
