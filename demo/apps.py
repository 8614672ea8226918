from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The embedded demo: a seeded city (`manage.py seed_demo`) and the development server with the sweep on a
    timer thread (`manage.py rundemo`). It has no models; the product runs the same without it."""

    name = "demo"
