# SPDX-License-Identifier: Apache-2.0
"""The ``clearway`` command line: a thin adapter over the domain and services.

Errors clearway raises on purpose are printed as one line on standard error: exit status 2 for
bad input, unknown records and conflicts, 3 for a refusal (sovereignty or scope). ``check``
exits 0 on permit and 1 on deny; ``scenario run`` 0, 1 or 2 as SPEC §7 says.
"""

from __future__ import annotations

from typing import Annotated

import typer

from clearway.cli import db, decisions, demo, markings, registry, scenario, transfer
from clearway.cli._common import State

app = typer.Typer(
    name="clearway",
    no_args_is_help=True,
    add_completion=False,
    help="Security-clearance and controlled-information-sharing gateway.",
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    db_url: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: CLEARWAY_DATABASE_URL, else a SQLite file in the "
            "user data directory).",
        ),
    ] = None,
) -> None:
    """clearway: who is cleared, to what, by whom, until when; who may read what, and why not."""
    ctx.obj = State(db_url)


app.command("demo")(demo.demo)
app.add_typer(scenario.app, name="scenario")
app.add_typer(markings.app, name="marking")
app.command("check")(decisions.check)
app.command("readable")(decisions.readable)
app.command("readers")(decisions.readers)
app.command("import")(transfer.import_)
app.command("export")(transfer.export)
app.command("synth")(transfer.synth)
app.add_typer(db.app, name="db")
app.add_typer(db.audit, name="audit")
app.add_typer(registry.people, name="person")
app.add_typer(registry.orgs, name="org")
app.add_typer(registry.employment, name="employment")
app.add_typer(registry.clearances, name="clearance")
app.add_typer(registry.facilities, name="facility")
app.add_typer(registry.programmes, name="programme")
app.add_typer(registry.assets, name="asset")
app.add_typer(registry.exports, name="export-auth")
app.add_typer(registry.visits, name="visit")
app.add_typer(registry.facts, name="fact")


def main() -> None:
    """Entry point of the ``clearway`` script."""
    app()
