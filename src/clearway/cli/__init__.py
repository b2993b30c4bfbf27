# SPDX-License-Identifier: Apache-2.0
"""The ``clearway`` command line: a thin adapter over the domain and services.

Errors that clearway raises on purpose are printed as one line on standard error, with exit
status 2; nothing else is caught.
"""

from __future__ import annotations

import typer

from clearway.cli import demo, markings, scenario

app = typer.Typer(
    name="clearway",
    no_args_is_help=True,
    add_completion=False,
    help="Security-clearance and controlled-information-sharing gateway.",
    pretty_exceptions_enable=False,
)
app.add_typer(scenario.app, name="scenario")
app.add_typer(markings.app, name="marking")
app.command("demo")(demo.demo)


def main() -> None:
    """Entry point of the ``clearway`` script."""
    app()
