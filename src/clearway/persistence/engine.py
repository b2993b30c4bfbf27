# SPDX-License-Identifier: Apache-2.0
"""Engines for the embedded SQLite store and the PostgreSQL scale-out store.

SQLite: foreign keys on, WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions so
that concurrent writers queue instead of failing on upgrade. PostgreSQL: psycopg 3, pre-ping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["WRITE", "is_sqlite", "make_engine", "normalise_url"]

#: Execution option marking a connection whose transactions write.
WRITE = "clearway_write"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` is the embedded SQLite store."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """An engine for ``url``; creates the directory of a SQLite file if needed."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout, "check_same_thread": False}
        )
        _sqlite_events(engine, busy_timeout)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_events(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN (pysqlite's own is deferred and late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
