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
def test_bulk_create_of_more_parameters_than_postgresql_binds_in_one_statement():
    import datetime as dt

    from workflows.models import CalendarDay

    days = [CalendarDay(date=dt.date(1900, 1, 1) + dt.timedelta(days=n), is_workday=True) for n in range(25_000)]
    assert len(days) * len([f for f in CalendarDay._meta.concrete_fields if not f.primary_key]) > 65_535
    CalendarDay.objects.bulk_create(days)
    assert CalendarDay.objects.filter(date__lt=dt.date(1970, 1, 1)).count() == 25_000
