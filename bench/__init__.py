"""The benchmark (`make bench`, `python -m bench`): seed N tickets, then time the hot paths on PostgreSQL.

Sections run in the order of bench.common.SECTIONS; each is a module here with `run(ctx)` (see bench.common.Context).
The database (default postgres://postgres@127.0.0.1:5432/zhenggai_bench, or $BENCH_DATABASE_URL, or
--database-url) is created and migrated when missing, and a seed of the right size is reused between runs.
"""
