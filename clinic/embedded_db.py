"""The embedded PostgreSQL server used when DATABASE_URL is not set.

pgserver ships real PostgreSQL binaries inside a wheel. We keep the cluster in a git-ignored
folder (``.data/postgres``) and leave it running between commands, so ``manage.py``, ``make run``
and the tests all share one server. ``make run`` and ``make test`` start it through
``python -m clinic.embedded_db run -- CMD`` and stop it again afterwards if they started it.

This module deliberately imports nothing from Django: settings.py calls it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CLINIC_PGDATA", BASE_DIR / ".data" / "postgres"))
DATABASE = os.environ.get("CLINIC_DB_NAME", "clinic")


def _server(*, start: bool):
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, cron): harmless here.
        warnings.simplefilter("ignore")
        import pgserver
        from pgserver.utils import PostmasterInfo

        if not start:
            info = PostmasterInfo.read_from_pgdata(DATA_DIR) if DATA_DIR.exists() else None
            return info if info is not None and info.is_running() else None
        DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: the server outlives this process; `stop()` ends it explicitly.
        return pgserver.get_server(DATA_DIR, cleanup_mode=None)


def is_running() -> bool:
    return _server(start=False) is not None


def connection(database: str = DATABASE) -> tuple[str, str]:
    """Start the server if needed; return (socket folder, port) to connect through.

    When this call starts the server it also creates ``database`` if it does not exist yet.
    """
    info = _server(start=False)  # cheap: reads postmaster.pid
    if info is None:
        info = _server(start=True).get_postmaster_info()
        _ensure_database(info, database)
    return info.socket_dir.as_posix(), str(info.port)


def _ensure_database(info, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=info.socket_dir.as_posix(), port=info.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def stop() -> None:
    info = _server(start=False)
    if info is None:
        return
    from pgserver._commands import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=DATA_DIR, user=user)


def run(command: list[str]) -> int:
    """Run ``command`` with the embedded server up; stop it afterwards if we started it.

    With DATABASE_URL set the command runs as it is: that server is used and nothing is embedded.
    """
    if os.environ.get("DATABASE_URL"):
        return _call(command)
    started_here = not is_running()
    if not started_here:
        _ensure_database(_server(start=False), DATABASE)
    connection()
    try:
        return _call(command)
    finally:
        if started_here:
            stop()
            print("embedded PostgreSQL stopped", file=sys.stderr)


def _call(command: list[str]) -> int:
    proc = subprocess.Popen(command)  # noqa: S603 - our own Makefile's commands

    def forward_term(signum, frame):
        # `kill` (or a process manager) asks us to stop: pass it on, then fall through to stopping
        # the database once the child has gone.
        proc.terminate()

    signal.signal(signal.SIGTERM, forward_term)
    interrupts = 0
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the child too (same process group): let it shut down cleanly, then
            # stop the database. A second Ctrl-C hurries it along.
            interrupts += 1
            if interrupts > 1:
                proc.terminate()


def main(argv: list[str]) -> int:
    usage = "usage: python -m clinic.embedded_db start|stop|status|run -- COMMAND..."
    if not argv:
        print(usage, file=sys.stderr)
        return 2
    action, rest = argv[0], argv[1:]
    if action == "start":
        print(f"embedded PostgreSQL running, socket in {connection()[0]}")
    elif action == "stop":
        stop()
        print("embedded PostgreSQL stopped")
    elif action == "status":
        print("running" if is_running() else "stopped")
    elif action == "run":
        if rest[:1] == ["--"]:
            rest = rest[1:]
        if not rest:
            print(usage, file=sys.stderr)
            return 2
        return run(rest)
    else:
        print(usage, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
