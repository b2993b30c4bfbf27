# SPDX-License-Identifier: Apache-2.0
"""``clearway db …``: schema migrations and the audit trail."""

from __future__ import annotations

from typing import Annotated

import typer

from clearway.cli._common import echo, fail, handled, print_json, state

app = typer.Typer(no_args_is_help=True, help="The store's schema migrations.")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Migrate the store's schema to the newest revision."""
    from clearway.config import load_settings
    from clearway.persistence.engine import make_engine
    from clearway.persistence.migrate import (
        current_revision,
        upgrade as run,
    )

    with handled():
        settings = load_settings(database_url=state(ctx).db)
        engine = make_engine(settings.database_url)
        run(engine)
        where = engine.url.render_as_string(hide_password=True)
        echo(f"{where} is at revision {current_revision(engine)}")
        engine.dispose()


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the store's schema revision."""
    from clearway.config import load_settings
    from clearway.persistence.engine import make_engine
    from clearway.persistence.migrate import current_revision

    with handled():
        engine = make_engine(load_settings(database_url=state(ctx).db).database_url)
        echo(current_revision(engine) or "(no schema)")
        engine.dispose()


audit = typer.Typer(no_args_is_help=True, help="The audit trail.")


@audit.command("list")
def audit_list(
    ctx: typer.Context,
    after: Annotated[int, typer.Option(help="Entries after this sequence number.")] = 0,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
) -> None:
    """Print audit entries (JSON)."""
    from clearway.services.index import DecisionIndex
    from clearway.services.queries import QueryService

    with handled():
        print_json(QueryService(DecisionIndex(state(ctx).store())).audit(after=after, limit=limit))


@audit.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Recompute the audit hash chain; exit 1 at the first entry that does not follow."""
    from clearway.services.index import DecisionIndex
    from clearway.services.queries import verify_audit

    with handled():
        count, bad = verify_audit(DecisionIndex(state(ctx).store()))
    if bad is not None:
        fail(f"the audit chain breaks at entry {bad} (of {count})", 1)
    echo(f"audit chain intact: {count} entries")
