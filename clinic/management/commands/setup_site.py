"""Bring a database up to date with the shipped content and (optionally) demo data.

Idempotent: every step creates only what is missing, so running it twice changes nothing and
never overwrites what staff have edited.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from booking.demo import create_demo_data
from clinic.models import ClinicProfile
from education.loader import load_shipped_content

DEMO_USERS = [
    # (username, password, is_superuser, groups)
    ("frontdesk", "frontdesk-demo-2026", False, ["Front desk"]),
    ("maya", "maya-demo-2026", False, ["Practitioner"]),
    ("admin", "admin-demo-2026", True, ["Clinic admin"]),
]


class Command(BaseCommand):
    help = "Create the clinic profile and shipped content; with --demo, also demo staff and schedules."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Also create demo staff users and schedules.")
        parser.add_argument("--banner", action="store_true", help="Print the URLs a newcomer needs.")

    def handle(self, *args, demo: bool, banner: bool, **options):
        call_command("createcachetable", verbosity=0)  # the database cache (rate limits); idempotent
        with transaction.atomic():
            ClinicProfile.load()
            self._load_content()
            if demo:
                self._demo_users()
                self._demo_booking()
        if banner:
            self._print_banner(demo)

    def _load_content(self) -> None:
        created = load_shipped_content()
        if created:
            self.stdout.write(f"Loaded {created} education pages.")

    def _demo_users(self) -> None:
        User = get_user_model()
        for username, password, is_superuser, groups in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": is_superuser}
            )
            if created:
                user.set_password(password)
                user.save()
                self.stdout.write(f"Created demo user {username}.")
            # the roles exist once migrations have run; adding a group twice changes nothing
            user.groups.add(*Group.objects.filter(name__in=groups))

    def _demo_booking(self) -> None:
        create_demo_data(stdout=self.stdout)

    def _print_banner(self, demo: bool) -> None:
        base = "http://127.0.0.1:8000"
        lines = [
            "",
            "=" * 64,
            "  The clinic site is starting at " + base + "/",
            "",
            f"  Home .............. {base}/",
            f"  About IMS ......... {base}/ims/",
            f"  Book online ....... {base}/book/",
            f"  Staff (front desk)  {base}/staff/",
            f"  Admin ............. {base}/admin/",
        ]
        if demo:
            lines += ["", "  Demo sign-ins (development only):"]
            lines += [f"    {u} / {p}" for u, p, _, _ in DEMO_USERS]
        lines += ["", "  Press Ctrl-C to stop the site and its database.", "=" * 64, ""]
        self.stdout.write("\n".join(lines))
