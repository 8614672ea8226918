import importlib
import os
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.factories import World, make_world


def pytest_configure(config):
    from django.conf import settings

    # Tests create many users; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _flush_past_the_record()


def _flush_past_the_record() -> None:
    """A transactional test empties every table with TRUNCATE when it ends, and the record's tables refuse
    TRUNCATE (tracker.models.triggers). The test flush alone gets past them as the database superuser the tests
    run as: in replica mode for its own transaction, PostgreSQL fires no ordinary trigger."""
    from django.db import transaction
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            flush(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run wherever the database is PostgreSQL; in CI it must be."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI must run the suite on PostgreSQL: set DATABASE_URL")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL to run it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def tasks_in_process(request) -> Iterator[None]:
    """Tests run Celery tasks in process (the embedded default) unless they drive a real worker."""
    from config.celery import app as celery_app

    if request.node.get_closest_marker("queue"):
        yield
        return
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def default_policies(db) -> None:
    """The deadline policies the data migration installs. A transactional test flushes the tables when it ends,
    policies included, so every test that needs them asks for this fixture instead of trusting they are there."""
    from django.apps import apps

    from workflows.models import _policy_cache

    importlib.import_module("workflows.migrations.0002_default_policies").seed(apps, None)
    _policy_cache.clear()


@pytest.fixture
def world(db, default_policies) -> World:
    return make_world()


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
