"""The product's settings with Django's default cache switched off, to measure what a page costs when nothing is
kept between requests (the cockpit's figures and lists, the register's pages): every request computes anew.

    DJANGO_SETTINGS_MODULE=bench.settings_nocache make bench BENCH_ARGS="--only dashboard ..."

gunicorn's workers inherit the variable. The throttle's cache is left as it is.
"""

from config.settings import *  # noqa: F403

CACHES = {**CACHES, "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}  # noqa: F405
