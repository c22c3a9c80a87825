"""Sessions are Django's database sessions, written in one statement outside a transaction."""

import contextlib

import pytest
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clinic.sessions import SessionStore

pytestmark = pytest.mark.django_db(transaction=True)  # as a server runs: autocommit


def saved(data: dict) -> SessionStore:
    store = SessionStore()
    store.update(data)
    store.save()
    return store


def test_a_change_to_a_session_is_one_update_and_reads_back():
    store = saved({"step": 1})
    store["step"] = 2
    with CaptureQueriesContext(connection) as captured:
        store.save()
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["UPDATE"]
    assert SessionStore(store.session_key)["step"] == 2


def test_a_new_session_is_one_insert():
    store = SessionStore()
    store["step"] = 1
    with CaptureQueriesContext(connection) as captured:
        store.save()
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["INSERT"]
    assert SessionStore(store.session_key)["step"] == 1


@pytest.mark.parametrize("in_transaction", [False, True])
def test_a_new_key_that_clashes_with_a_stored_one_is_drawn_again(monkeypatch, in_transaction):
    """The key is not looked up first: the refused INSERT is what makes ``create`` draw another."""
    first = saved({"owner": "first"})
    keys = iter([first.session_key, "k" * 32])
    monkeypatch.setattr("clinic.sessions.get_random_string", lambda length, chars: next(keys))
    store = SessionStore()
    store["owner"] = "second"
    with transaction.atomic() if in_transaction else contextlib.nullcontext():
        store.save()
    assert store.session_key == "k" * 32
    assert SessionStore(first.session_key)["owner"] == "first"  # the stored session is untouched
    assert SessionStore("k" * 32)["owner"] == "second"


def test_a_session_deleted_meanwhile_is_not_written_back():
    store = saved({"step": 1})
    Session.objects.filter(session_key=store.session_key).delete()  # signed out in another tab
    store["step"] = 2
    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.filter(session_key=store.session_key).exists()


def test_a_key_already_taken_is_refused():
    first = saved({"owner": "first"})
    second = SessionStore()
    second._session_key = first.session_key
    second["owner"] = "second"
    with pytest.raises(CreateError):
        second.save(must_create=True)
    assert SessionStore(first.session_key)["owner"] == "first"


def test_inside_a_transaction_a_refused_key_leaves_the_transaction_usable():
    first = saved({"owner": "first"})
    with transaction.atomic():
        second = SessionStore()
        second._session_key = first.session_key
        second["owner"] = "second"
        with pytest.raises(CreateError):
            second.save(must_create=True)
        assert Session.objects.filter(session_key=first.session_key).count() == 1  # still usable
