import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.db import connections, models, router
from django.utils import timezone


class ClinicProfile(models.Model):
    """The clinic's identity, shown in the header, footer, emails and structured data.

    One row (pk=1), edited in the admin, so the clinic changes its details without a deploy.
    """

    name = models.CharField(max_length=120, default="Harbourview Physiotherapy & IMS")
    tagline = models.CharField(
        max_length=200, default="Physiotherapy and Gunn IMS for pain that has lasted too long"
    )
    street_address = models.CharField(max_length=200, default="1234 Example Street, Suite 200")
    city = models.CharField(max_length=80, default="Vancouver")
    province = models.CharField(max_length=2, default="BC")
    postal_code = models.CharField(max_length=10, default="V5V 0A0")
    phone = models.CharField(max_length=30, default="604-555-0142")
    email = models.EmailField(default="frontdesk@example.com")
    privacy_officer = models.CharField(
        max_length=120, default="Privacy Officer", help_text="Who patients contact about their personal information."
    )
    hours_text = models.TextField(
        default=(
            "Monday to Friday: 8:00 am to 6:00 pm\n"
            "Saturday: 9:00 am to 1:00 pm\n"
            "Sunday and statutory holidays: closed"
        ),
        help_text="One line per row, shown in the footer.",
    )
    opening_hours_spec = models.CharField(
        max_length=200,
        default="Mo-Fr 08:00-18:00, Sa 09:00-13:00",
        help_text="The same hours in schema.org form (for search engines), e.g. 'Mo-Fr 08:00-18:00, Sa 09:00-13:00'.",
    )
    map_url = models.URLField(
        blank=True,
        help_text="A link to the clinic on a map. Empty: a map search for the address above.",
    )
    receipt_note = models.TextField(
        default=("Physiotherapy services given by a registered physiotherapist are exempt from GST/HST "
                 "(Excise Tax Act, Schedule V, Part II, section 7)."),
        help_text="Printed at the foot of every receipt.",
    )
    cancellation_policy = models.TextField(
        default=(
            "Please give us at least 24 hours' notice if you need to cancel or change your visit, "
            "so another patient can have the time."
        )
    )

    class Meta:
        verbose_name = "clinic profile"
        verbose_name_plural = "clinic profile"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @property
    def full_address(self) -> str:
        return f"{self.street_address}, {self.city}, {self.province} {self.postal_code}"

    @property
    def map_link(self) -> str:
        """The clinic's own map link, else a map search for its street address (not just the city)."""
        return self.map_url or f"https://www.openstreetmap.org/search?{urlencode({'query': self.full_address})}"

    @property
    def hours_lines(self) -> list[str]:
        return [line.strip() for line in self.hours_text.splitlines() if line.strip()]

    @property
    def phone_href(self) -> str:
        return "tel:+1" + "".join(ch for ch in self.phone if ch.isdigit())[-10:]

    @classmethod
    def load(cls) -> "ClinicProfile":
        """The one row, read afresh: one query by primary key, as cheap as the database cache it once
        sat in (which kept it 5 minutes after an ``update()`` or SQL change); pages shown to everyone
        are cached whole, under the version token its changes renew."""
        return cls.objects.get_or_create(pk=1)[0]


class RateCounterQuerySet(models.QuerySet):
    def hit(self, key: str, *, window: timedelta) -> int:
        """Count one more event for ``key`` in the current fixed window; return the count so far.

        One statement (an upsert), atomic under concurrency and shared by every app server. ``key``
        must not hold personal data (hash an address first). The first event of a window also deletes
        the counters whose window has ended, so the table stays small without a cron job.
        """
        seconds = int(window.total_seconds())
        if seconds < 1:
            raise ValueError("A rate window must last at least a second.")
        now = timezone.now()
        window_start = datetime.fromtimestamp(now.timestamp() // seconds * seconds, tz=UTC)
        name = f"{key}|{seconds}|{int(window_start.timestamp())}"
        connection = connections[router.db_for_write(self.model)]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} ("key", "count", "expires") VALUES (%s, 1, %s) '  # noqa: S608 - our table
                f'ON CONFLICT ("key") DO UPDATE SET "count" = {table}."count" + 1 RETURNING "count"',
                [name, window_start + window],
            )
            count = cursor.fetchone()[0]
        if count == 1:
            self.filter(expires__lte=now).delete()
        return count


class RateCounter(models.Model):
    """Events per key per fixed window (booking requests per network per hour), in the shared database
    so that every app server counts the same."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    objects = RateCounterQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class PageVersionQuerySet(models.QuerySet):
    def current(self, name: str) -> str:
        """The token of ``name``'s copies: one query (three the very first time, to make one)."""
        token = self.filter(name=name).values_list("token", flat=True).first()
        if token is None:
            self.bulk_create([self.model(name=name, token=secrets.token_hex(8))], ignore_conflicts=True)
            token = self.filter(name=name).values_list("token", flat=True).get()
        return token


class PageVersion(models.Model):
    """The version token of one set of cached public pages (``clinic.page_cache``): a new token retires
    every app server's copies. One row per set, written by the database as the change it announces commits
(``clinic.page_cache.token_trigger``)."""

    name = models.CharField(max_length=100, primary_key=True)
    token = models.CharField(max_length=32)

    objects = PageVersionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"
