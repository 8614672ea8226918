import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from demo import seed
from demo.decisions import BODIES


class Command(BaseCommand):
    help = "Seed the demo city once (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or self._stored_password()
        if seed.seed(password):
            self.stdout.write(self.style.SUCCESS("Seeded the demo: 临江市, its departments and counties."))
        elif os.environ.get("DEMO_PASSWORD"):
            for user in get_user_model().objects.filter(username__in=[*seed.DEMO_USERS, *BODIES]):
                user.set_password(password)
                user.save(update_fields=["password"])
        self.stdout.write(f"\nDemo accounts (password: {password})")
        for username, (name, _unit, role) in seed.DEMO_USERS.items():
            self.stdout.write(f"  {username:<18} {role:<11} {name}")
        for username, (name, role) in BODIES.items():
            self.stdout.write(f"  {username:<18} {role:<11} {name}")

    def _stored_password(self) -> str:
        path = settings.VAR_DIR / "demo-password"
        if path.exists():
            return path.read_text().strip()
        password = secrets.token_urlsafe(9)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(password + "\n")
        return password
