# SPDX-License-Identifier: Apache-2.0
"""``clearway import``, ``export`` and ``synth``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from clearway.cli._common import echo, handled, state


def _write_world(store: Any, world: Any, label: str) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from clearway.services.transfer import import_world

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task(label, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return import_world(store, world, progress=progress)


def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A world file (the world part of a scenario).")],
) -> None:
    """Import a whole world atomically as system:import (an existing id is an error)."""
    from clearway.scenario.build import build_world
    from clearway.scenario.document import WorldDoc
    from clearway.scenario.runner import load_document
    from clearway.scenario.yamlload import load_yaml

    with handled():
        store = state(ctx).store()
        raw = load_yaml(file)
        if isinstance(raw, dict):  # a scenario file's checks are not part of its world
            raw = {k: v for k, v in raw.items() if k not in ("at", "checks", "markings")}
        world, warnings = build_world(
            load_document(file, WorldDoc, raw), store.reference, str(file)
        )
        for warning in warnings:
            echo(f"warning: {warning}", err=True)
        result = _write_world(store, world, f"importing {file.name}")
    echo(
        f"imported {result.people} people, {result.organisations} organisations, "
        f"{result.programmes} programmes, {result.assets} assets ({result.facts} facts, "
        f"{result.audit_entries} audit entries)"
    )


def export(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout).")
    ] = None,
) -> None:
    """Export the world as now recorded (levels and clearance histories included)."""
    import yaml

    from clearway.services.transfer import export_world

    with handled():
        document = export_world(state(ctx).store())
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        echo(f"wrote {output}")


def synth(
    ctx: typer.Context,
    people: Annotated[int, typer.Option("--people", min=0, help="How many people.")],
    assets: Annotated[int, typer.Option("--assets", min=0, help="How many assets.")],
    seed: Annotated[
        int, typer.Option("--seed", help="Seed: the same seed gives the same world.")
    ] = 1,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write a world file instead of importing.")
    ] = None,
) -> None:
    """Generate a synthetic world (documented distributions) and import it."""
    from clearway.services.synth import synth_world

    with handled():
        if output is not None:
            import yaml

            from clearway.reference import default_reference
            from clearway.services.synth import synth_document

            document = synth_document(default_reference(), people=people, assets=assets, seed=seed)
            output.write_text(
                yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
            echo(f"wrote {output}")
            return
        store = state(ctx).store()
        world = synth_world(store.reference, people=people, assets=assets, seed=seed)
        result = _write_world(store, world, "importing synthetic world")
    echo(
        f"imported {result.people} people, {result.organisations} organisations, "
        f"{result.programmes} programmes, {result.assets} assets (seed {seed})"
    )
