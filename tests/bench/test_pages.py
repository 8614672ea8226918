"""The pages benchmark signs its callers in with a session cookie the pages accept as the sign-in page's own."""

import pytest
from django.test import Client

from bench import pages as bench_pages


@pytest.mark.django_db
def test_the_benchmark_session_opens_the_ledger_as_its_user(world):
    name, _sep, key = bench_pages.session_cookie("officer_a").partition("=")
    client = Client()
    client.cookies[name] = key
    response = client.get("/ledger/")
    assert response.status_code == 200
    assert response.wsgi_request.user == world.officer_a
