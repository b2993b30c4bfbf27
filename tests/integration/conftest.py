# SPDX-License-Identifier: Apache-2.0
"""Stores for integration tests: a fresh SQLite file, and a fresh PostgreSQL database.

Every test that takes ``store`` runs on both. PostgreSQL databases are created from a template
migrated once per test worker (``CREATE DATABASE … TEMPLATE``); the URL of the server comes from
``CLEARWAY_TEST_POSTGRES_URL``. Without a reachable server the PostgreSQL half is skipped, except
under ``CI=true``, where it fails.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from clearway.persistence.engine import make_engine
from clearway.persistence.migrate import upgrade
from clearway.services.store import Store

POSTGRES_URL = os.environ.get(
    "CLEARWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_counter = itertools.count(1)


class FakeClock:
    """A clock that moves only when told to (recorded_at stamps in tests)."""

    def __init__(self, start: datetime = datetime(2026, 6, 1, 12, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move on by a timedelta's keyword arguments; returns the new instant."""
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _admin_engine() -> Engine:
    return create_engine(
        make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(worker_id: str) -> Iterator[str]:
    name = f"clearway_template_{worker_id}"
    try:
        admin = _admin_engine()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required in CI: {exc}")
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    engine = make_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(False))
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _sqlite_store(template: Path, directory: Path, clock: FakeClock) -> Store:
    path = directory / f"store-{next(_counter)}.db"
    shutil.copyfile(template, path)
    return Store(make_engine(f"sqlite:///{path}"), clock=clock)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: FakeClock,
    sqlite_template: Path,
    worker_id: str,
) -> Iterator[Store]:
    """A fresh, migrated, empty store on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        made = _sqlite_store(sqlite_template, tmp_path, clock)
        yield made
        made.close()
        return
    template = request.getfixturevalue("postgres_template")
    name = f"clearway_test_{worker_id}_{next(_counter)}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    made = Store(make_engine(url), clock=clock)
    yield made
    made.close()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: FakeClock, sqlite_template: Path) -> Iterator[Store]:
    """A fresh SQLite store only."""
    made = _sqlite_store(sqlite_template, tmp_path, clock)
    yield made
    made.close()
