# SPDX-License-Identifier: Apache-2.0
"""The unit of work: one session and one transaction; commit on success, rollback on error.

A writing unit of work bumps the committed-change counter once, which also serialises writers
(the counter row is locked until commit), so transactions commit in counter order and a reader
that sees counter value ``n`` sees every row stamped ``txn <= n``. On PostgreSQL the bump also
queues a ``NOTIFY clearway_changes`` that is delivered at commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from clearway.errors import ConflictError
from clearway.persistence.engine import WRITE
from clearway.persistence.models import ChangeCounterRecord

__all__ = ["NOTIFY_CHANNEL", "UnitOfWork"]

NOTIFY_CHANNEL = "clearway_changes"


class UnitOfWork:
    """One transaction on ``engine``; ``write`` units take the writer lock (SQLite) up front."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime], *, write: bool) -> None:
        self.engine = engine
        self.write = write
        self._clock = clock
        self._now: datetime | None = None
        self._txn: int | None = None
        self._session: Session | None = None

    def __enter__(self) -> Self:
        connection = self.engine.connect().execution_options(**{WRITE: self.write})
        self._session = Session(bind=connection, expire_on_commit=False, autoflush=True)
        self._session.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        connection = session.connection()
        try:
            if exc_type is None:
                try:
                    session.commit()
                except IntegrityError as error:
                    session.rollback()
                    raise ConflictError("the change conflicts with one made meanwhile") from error
            else:
                session.rollback()
                if isinstance(exc, IntegrityError):  # a unique or foreign key refused a row
                    msg = "the change conflicts with a record that already exists"
                    raise ConflictError(msg) from exc
        finally:
            session.close()
            connection.close()

    @property
    def session(self) -> Session:
        """The session of this unit of work."""
        assert self._session is not None, "use the unit of work as a context manager"
        return self._session

    @property
    def txn(self) -> int:
        """This transaction's value of the committed-change counter (bumped on first use, which
        takes the writer lock)."""
        if self._txn is None:
            assert self.write, "a read-only unit of work writes no rows"
            session = self.session
            if self.engine.dialect.name == "postgresql":
                session.execute(
                    select(ChangeCounterRecord.value)
                    .where(ChangeCounterRecord.id == 1)
                    .with_for_update()
                )
            try:
                value = session.execute(
                    update(ChangeCounterRecord)
                    .where(ChangeCounterRecord.id == 1)
                    .values(value=ChangeCounterRecord.value + 1)
                    .returning(ChangeCounterRecord.value)
                ).scalar_one()
            except OperationalError as error:  # SQLite busy beyond the timeout
                raise ConflictError("the store is busy with another change; try again") from error
            if self.engine.dialect.name == "postgresql":
                session.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": NOTIFY_CHANNEL, "payload": str(value)},
                )
            self._txn = value
        return self._txn

    @property
    def now(self) -> datetime:
        """The instant this unit of work records (``recorded_at``), read once from the clock.

        Writers take the writer lock (:attr:`txn`) before anything asks for it, so recording
        order is commit order and a replay "as recorded by R" sees a prefix of history.
        """
        if self._now is None:
            self._now = self._clock()
        return self._now
