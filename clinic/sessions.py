"""Django's database sessions, saved in one statement.

Django wraps each session save in ``transaction.atomic``, so that inside a request's transaction a
failed INSERT rolls back to a savepoint. Outside one (this site does not use ``ATOMIC_REQUESTS``) a
single INSERT or UPDATE is atomic on its own, and the wrapper only adds a BEGIN and a COMMIT: two of
the three queries of every session write. Behaviour is Django's otherwise (``CreateError`` when the key
exists, ``UpdateError`` when the session was deleted meanwhile).

A new session's key is not looked up before it is stored. Django asks the database whether a fresh
random key is free (one ``SELECT``) and then inserts it with ``must_create``, which is refused with
``CreateError`` if the key exists after all; ``create()`` then draws another. The insert is the real
check (the look-up cannot stop a race between two new sessions anyway), so the look-up is dropped: a
new visitor's first page that writes a session (the booking form's draft, the booking itself) is one
query shorter.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, router, transaction
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def _get_new_session_key(self):
        # 32 characters of 36: ~165 random bits. A clash is refused by the INSERT (see above).
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create=False):
        using = router.db_for_write(self.model)
        if self.session_key is None or transaction.get_connection(using).in_atomic_block:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session(no_load=must_create))
        try:
            obj.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError:
            if must_create:
                raise CreateError from None
            raise
        except DatabaseError:
            if not must_create:
                raise UpdateError from None
            raise
