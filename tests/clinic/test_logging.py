"""Manage-link tokens and patient details never reach the logs."""

import logging

import pytest
import time_machine

from clinic.logging import MaskTokensFilter, mask
from tests.factories import NOW, book, details_data, local, make_practitioner

pytestmark = pytest.mark.django_db


def test_mask_hides_manage_tokens_in_paths():
    line = '"GET /book/manage/AbC-123_xyz/cancel/ HTTP/1.1" 404'
    assert mask(line) == '"GET /book/manage/[token]/cancel/ HTTP/1.1" 404'


def test_a_booking_and_a_bad_manage_link_log_no_token_and_no_personal_data(client, caplog):
    caplog.set_level(logging.DEBUG)
    console = [h for h in logging.getLogger().handlers if any(isinstance(f, MaskTokensFilter) for f in h.filters)]
    assert console, "the console handler must mask tokens"
    handler_filter = MaskTokensFilter()
    with time_machine.travel(NOW, tick=False):
        make_practitioner()
        data = details_data(local(2026, 12, 1, 9), action="confirm", **{
            "p-first_name": "Philippa", "p-last_name": "Quintero-Lamb", "p-email": "philippa.q@example.com",
            "p-phone": "778-555-0123", "p-phn": "9876543210", "p-patient_note": "hip pain after a fall",
            "s-pregnant": "yes"})
        assert client.post("/book/ims-assessment/details/", data).status_code == 302
        _, token = book(start=local(2026, 12, 2, 9))
        client.get(f"/book/manage/{token}x/")  # 404: django.request logs the path
        client.get("/book/ims-assessment/details/?start=" + "9" * 500)
    records = [r for r in caplog.records if handler_filter.filter(r)]
    text = "\n".join(r.getMessage() for r in records)
    assert "/book/manage/[token]/" in text  # the 404 was logged, masked
    for secret in (token, "Philippa", "Quintero", "philippa.q@example.com", "778-555-0123", "9876543210",
                   "hip pain"):
        assert secret not in text
