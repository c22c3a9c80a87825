"""The flags beside a visit on the staff pages (``{% visit_flags %}``): what shows, in which colour, escaped."""

import pytest
from django.template import Context, Template
from django.utils import timezone

from booking.models import Appointment, InsuranceNote, Screening
from tests.factories import book, local, make_practitioner

pytestmark = pytest.mark.django_db


def flags(appointment, **said) -> str:
    options = "".join(f" {name}=True" for name in said)
    return Template("{% load booking_tags %}{% visit_flags a" + options + " %}").render(Context({"a": appointment}))


@pytest.fixture
def visit():
    appointment, _ = book(start=local(2026, 12, 3, 9), practitioner=make_practitioner(),
                          source=Appointment.Source.STAFF)
    return Appointment.objects.select_related("insurance", "screening").get(pk=appointment.pk)


def test_a_visit_with_nothing_to_flag_has_an_empty_list(visit):
    InsuranceNote.objects.filter(appointment=visit).delete()
    Screening.objects.update_or_create(appointment=visit, defaults={"asked_at": timezone.now()})
    visit = Appointment.objects.select_related("insurance", "screening").get(pk=visit.pk)
    assert flags(visit) == '<ul class="flag-list"></ul>'


def test_each_flag_in_its_colour_and_the_insurer_escaped_and_isolated(visit):
    InsuranceNote.objects.update_or_create(appointment=visit, defaults={
        "kind": InsuranceNote.Kind.EXTENDED_HEALTH, "insurer": "<script>alert(1)</script>"})
    Screening.objects.update_or_create(appointment=visit, defaults={
        "asked_at": timezone.now(), "pregnant": True, "blood_thinners": True})
    Appointment.objects.filter(pk=visit.pk).update(spacing_flag=True, no_prior_assessment_flag=True, outside_hours=True)
    visit = Appointment.objects.select_related("insurance", "screening").get(pk=visit.pk)
    html = flags(visit)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<li class="flag flag--info"><bdi>' in html
    assert ('<li class="flag flag--stop"><span class="visually-hidden">Contraindication: </span><strong>Do not needle '
            'until discussed:</strong> Are you pregnant, or could you be?</li>') in html
    assert '<li class="flag flag--warn"><span class="visually-hidden">Precaution: </span>Do you take blood' in html
    assert html.count("flag--warn") == 3 and "Another IMS visit within 7 days" in html
    assert "Follow-up with no assessment on record" in html and "Booked outside working hours" in html
    assert "&lt;script&gt;" not in flags(visit, payer_said=True)  # the page shows the payer itself


def test_screening_not_asked_yet_unless_the_page_says_so_itself(visit):
    Screening.objects.update_or_create(appointment=visit, defaults={"asked_at": None})
    visit = Appointment.objects.select_related("insurance", "screening").get(pk=visit.pk)
    assert "Safety screening not asked yet:</strong> ask before needling" in flags(visit)
    assert "Safety screening" not in flags(visit, screening_said=True)
