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
