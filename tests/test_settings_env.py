"""Settings from the environment refuse bad values with a message naming the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_url


def test_env_int_reads_and_bounds(monkeypatch):
    monkeypatch.setenv("ZG_N", "42")
    assert env_int("ZG_N", 1) == 42
    monkeypatch.setenv("ZG_N", "forty")
    with pytest.raises(ImproperlyConfigured, match="ZG_N"):
        env_int("ZG_N", 1)
    monkeypatch.setenv("ZG_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("ZG_N", 5, minimum=1)


def test_env_bool_refuses_anything_but_a_boolean(monkeypatch):
    monkeypatch.setenv("ZG_FLAG", "yes")
    assert env_bool("ZG_FLAG") is True
    monkeypatch.setenv("ZG_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="ZG_FLAG"):
        env_bool("ZG_FLAG")


def test_env_url_checks_the_scheme(monkeypatch):
    monkeypatch.setenv("ZG_DB", "mysql://x")
    with pytest.raises(ImproperlyConfigured, match="ZG_DB"):
        env_url("ZG_DB", ("postgres",))
    monkeypatch.delenv("ZG_DB")
    assert env_url("ZG_DB", ("postgres",)) is None


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("ZG_HOSTS", "a.example, b.example,")
    assert env_list("ZG_HOSTS", []) == ["a.example", "b.example"]


def test_production_settings_demand_a_secret_key():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_prepares_a_statement_a_connection_repeats():
    from django.db import connection

    from tracker.models import Ticket

    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    for pk in range(1, 8):
        list(Ticket.objects.filter(pk=pk).values_list("number"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql IS FALSE")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"tracker_ticket"."number"' in statement and "$1" in statement for statement in prepared), prepared


@pytest.mark.parametrize(
    ("flag", "expected"), [("1", {"server_side_binding": True, "prepare_threshold": 5}), ("0", {})]
)
def test_prepared_statements_can_be_turned_off_for_a_pooler(flag, expected):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DATABASE_URL": "postgres://zg@db.example:5432/zg",
        "DB_PREPARED_STATEMENTS": flag,
        "DEBUG": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", "from config import settings; print(settings.DATABASES['default'].get('OPTIONS', {}))"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == repr(expected)


@pytest.mark.postgres
@pytest.mark.django_db
def test_bulk_create_splits_what_exceeds_the_parameter_limit_of_server_bound_statements():
    import datetime as dt

    from workflows.models import CalendarDay

    days = [CalendarDay(date=dt.date(1900, 1, 1) + dt.timedelta(days=n), is_workday=True) for n in range(25_000)]
    assert len(days) * len([f for f in CalendarDay._meta.concrete_fields if not f.primary_key]) > 65_535
    CalendarDay.objects.bulk_create(days)
    assert CalendarDay.objects.filter(date__lt=dt.date(1970, 1, 1)).count() == 25_000


@pytest.mark.postgres
@pytest.mark.django_db
def test_timestamps_read_in_c_are_what_djangos_own_loader_reads():
    import datetime as dt

    from django.db import connection
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    from config.postgresql.base import TIMESTAMPTZ, CTimestamptzLoader

    statement = (
        "SELECT v FROM (VALUES (now()), (TIMESTAMPTZ '2026-02-16 23:59:59.999999+08'), "
        "(TIMESTAMPTZ '1900-01-01 00:00:00+00'), (TIMESTAMPTZ '9999-12-31 23:59:59+00'), (NULL)) AS t(v)"
    )
    with connection.cursor() as ours:
        loader = ours.connection.adapters.get_loader(TIMESTAMPTZ, 0)
        assert issubclass(loader, CTimestamptzLoader) and loader.timezone is dt.UTC
        ours.execute(statement)
        got = ours.fetchall()
    with connection.cursor() as djangos:
        register_tzloader(connection.timezone, djangos.cursor)
        assert not issubclass(djangos.cursor.adapters.get_loader(TIMESTAMPTZ, 0), CTimestamptzLoader)
        djangos.execute(statement)
        expected = djangos.fetchall()
    assert [(v, getattr(v, "tzinfo", None)) for (v,) in got] == [(v, getattr(v, "tzinfo", None)) for (v,) in expected]
    assert got[1][0] == dt.datetime(2026, 2, 16, 15, 59, 59, 999999, tzinfo=dt.UTC)
