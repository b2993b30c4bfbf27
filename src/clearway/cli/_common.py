# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the command modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from clearway.errors import ClearwayError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` on standard error and exit with ``code``."""
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


@contextmanager
def handled(code: int = 2) -> Iterator[None]:
    """Turn a :class:`ClearwayError` into a one-line message and exit status ``code``."""
    try:
        yield
    except ClearwayError as exc:
        fail(exc.message, code)


def echo(text: str, *, err: bool = False) -> None:
    """Print plain text (no markup interpretation)."""
    typer.echo(text, err=err)


Command = Callable[..., None]
