# SPDX-License-Identifier: Apache-2.0
"""The store: an engine, a clock and the reference data, and units of work on them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from clearway.config import Settings
from clearway.domain.reference import Reference
from clearway.errors import ClearwayError
from clearway.persistence.engine import is_sqlite, make_engine
from clearway.persistence.migrate import current_revision, upgrade
from clearway.persistence.uow import UnitOfWork
from clearway.reference import default_reference

__all__ = ["HEAD", "Clock", "Store", "system_clock"]

Clock = Callable[[], datetime]

#: The migration revision this code expects.
HEAD = "0001"


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


class Store:
    """Where the registry lives, with the clock that stamps ``recorded_at``."""

    def __init__(
        self,
        engine: Engine,
        *,
        reference: Reference | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.engine = engine
        self.reference = reference or default_reference()
        self.clock = clock

    @classmethod
    def open(
        cls, settings: Settings, *, migrate: bool | None = None, clock: Clock = system_clock
    ) -> Store:
        """Open the store of ``settings``. An embedded SQLite store is migrated on first use
        (``migrate`` ``None``); PostgreSQL must be migrated with ``clearway db upgrade``."""
        engine = make_engine(settings.database_url, busy_timeout=settings.sqlite_busy_timeout)
        store = cls(engine, clock=clock)
        store.check_schema(migrate=is_sqlite(engine) if migrate is None else migrate)
        return store

    def check_schema(self, *, migrate: bool) -> None:
        """Make sure the schema is at :data:`HEAD`, migrating if allowed."""
        revision = current_revision(self.engine)
        if revision == HEAD:
            return
        if migrate:
            upgrade(self.engine)
            return
        where = self.engine.url.render_as_string(hide_password=True)
        state = "has no schema" if revision is None else f"is at revision {revision}"
        raise ClearwayError(f"the store {where} {state}: run `clearway db upgrade`")

    def read(self) -> UnitOfWork:
        """A read-only unit of work."""
        return UnitOfWork(self.engine, self.clock, write=False)

    def write(self) -> UnitOfWork:
        """A writing unit of work (takes the writer lock)."""
        return UnitOfWork(self.engine, self.clock, write=True)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()
