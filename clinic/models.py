from django.core.cache import cache
from django.db import models

PROFILE_CACHE_KEY = "clinic-profile-v1"


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
        default="https://www.openstreetmap.org/search?query=Vancouver%20BC",
        help_text="A link to the clinic on a map.",
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
        cache.delete(PROFILE_CACHE_KEY)

    @property
    def full_address(self) -> str:
        return f"{self.street_address}, {self.city}, {self.province} {self.postal_code}"

    @property
    def hours_lines(self) -> list[str]:
        return [line.strip() for line in self.hours_text.splitlines() if line.strip()]

    @property
    def phone_href(self) -> str:
        return "tel:+1" + "".join(ch for ch in self.phone if ch.isdigit())[-10:]

    @classmethod
    def load(cls) -> "ClinicProfile":
        profile = cache.get(PROFILE_CACHE_KEY)
        if profile is None:
            profile, _ = cls.objects.get_or_create(pk=1)
            cache.set(PROFILE_CACHE_KEY, profile, 300)
        return profile
