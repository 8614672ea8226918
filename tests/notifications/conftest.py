import importlib
from collections.abc import Iterator

import pytest

from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def tasks_in_process(request) -> Iterator[None]:
    """Tests run tasks in process (the embedded default) unless they drive a real worker."""
    if request.node.get_closest_marker("queue"):
        yield
        return
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def default_policies(transactional_db) -> None:
    """A transactional test may start from a database flushed by the one before it, which took the default
    policies of the data migration along; processes other than this one (a worker) need them in the table."""
    from django.apps import apps

    from workflows.models import _policy_cache

    importlib.import_module("workflows.migrations.0002_default_policies").seed(apps, None)
    _policy_cache.clear()
