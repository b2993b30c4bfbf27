# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the command modules: the store, principals, instants, errors, output."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, NoReturn

import typer
from rich.console import Console

from clearway.domain.principals import SYSTEM_IMPORT, Principal, parse_principal
from clearway.errors import ClearwayError, InvalidInputError, NotPermittedError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

#: Exit statuses: 2 bad input, unknown record or conflict; 3 refused (sovereignty or scope).
EXIT_ERROR = 2
EXIT_REFUSED = 3

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class State:
    """What the root callback knows: the database URL given with ``--db``."""

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._store: Any = None

    def store(self) -> Any:
        """The store (opened once; an embedded SQLite store is migrated on first use)."""
        if self._store is None:
            from clearway.config import load_settings
            from clearway.services.store import Store

            self._store = Store.open(load_settings(database_url=self.db))
        return self._store


def state(ctx: typer.Context) -> State:
    """The root state of this invocation."""
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print ``message`` on standard error and exit with ``code``."""
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Turn a :class:`ClearwayError` into a one-line message and its exit status."""
    try:
        yield
    except NotPermittedError as exc:
        err_console.print(f"refused: {exc.message}", markup=False)
        raise typer.Exit(EXIT_REFUSED) from exc
    except ClearwayError as exc:
        fail(exc.message)


def echo(text: str, *, err: bool = False) -> None:
    """Print plain text (no markup interpretation)."""
    typer.echo(text, err=err)


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def principal(text: str | None, *, allow_import: bool = False) -> Principal:
    """The acting principal of ``--as``; required for changes."""
    if text is None:
        fail("this command changes the registry: give the acting principal with --as ROLE:SCOPE")
    with handled():
        found = parse_principal(text)
    if found == SYSTEM_IMPORT and not allow_import:
        fail("system:import acts only through `clearway import`")
    return found


def when(text: str | None, *, what: str = "instant") -> datetime | None:
    """A date (midnight UTC) or an instant with an offset; ``None`` stays ``None``."""
    if text is None:
        return None
    value = text.strip()
    try:
        if _DATE.match(value):
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{what} `{text}` is not a date (YYYY-MM-DD) or an instant (YYYY-MM-DDThh:mm:ssZ)")
    if parsed.tzinfo is None:
        fail(f"{what} `{text}` has no UTC offset; write it with Z or +hh:mm")
    return parsed.astimezone(UTC)


def require(value: datetime | None, what: str) -> datetime:
    """``value``, which the command needs."""
    if value is None:
        raise InvalidInputError(f"{what} is required")
    return value


def now() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(UTC)
