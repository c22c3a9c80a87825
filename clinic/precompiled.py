"""QuerySets compiled to SQL once per process, for the few queries that run on every request.

Django turns a QuerySet into SQL afresh on every run: for the free-time loader (three querysets in a
``UNION ALL``) that took ~4 ms, four times what PostgreSQL took to run it. A ``Precompiled`` query is
written with the ORM as usual, built once with *sample* values, and its SQL kept; each run binds the
real values where the samples stood. The SQL text is then the same on every run, so psycopg also keeps
it prepared on the connection (``DATABASE_PREPARED``).

The rule that makes this safe: every sample must reach the SQL as exactly one parameter of its own. So
lists go through ``__any`` (``= ANY(%s)``, one array parameter, whatever their length) rather than
``__in`` (one parameter per item), samples are values no real query would use, and compiling refuses a
query where a sample is missing from the parameters or written into the SQL text.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.db.models import Field, ForeignObject, Lookup, QuerySet


class AnyOf(Lookup):
    """``field__any=[1, 2, 3]``: ``field = ANY(%s)`` with the list as one array parameter."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # foreign keys keep lookups of their own


class Precompiled:
    """``build(**samples)`` is the QuerySet (of ``values_list`` rows); ``rows(**values)`` runs its SQL with
    ``values`` bound where ``samples`` stood, and returns the rows as tuples."""

    def __init__(self, build: Callable[..., QuerySet], **samples):
        self.build, self.samples = build, samples
        self._compiled: tuple[str, list] | None = None  # made once; two threads making it at once agree

    def compile(self) -> tuple[str, list]:
        """(SQL, each parameter: the name of the sample it is, or ``(constant,)``)."""
        if self._compiled is None:
            sql, params = self.build(**self.samples).query.sql_with_params()
            slots = [self._slot(param) for param in params]
            missing = set(self.samples) - {slot for slot in slots if isinstance(slot, str)}
            inlined = [name for name, value in self.samples.items() if str(value) in sql]
            if missing or inlined:
                raise ValueError(f"samples not bound as parameters: {sorted(missing | set(inlined))}")
            self._compiled = sql, slots
        return self._compiled

    def _slot(self, param):
        for name, value in self.samples.items():
            if type(param) is type(value) and param == value:
                return name
        return (param,)

    def rows(self, **values) -> list[tuple]:
        sql, slots = self.compile()
        with connection.cursor() as cursor:
            cursor.execute(sql, [values[slot] if isinstance(slot, str) else slot[0] for slot in slots])
            return cursor.fetchall()
