# SPDX-License-Identifier: Apache-2.0
"""``clearway scenario run FILE… [--json]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clearway.cli._common import echo

app = typer.Typer(no_args_is_help=True, help="Run scenario files (SPEC §7).")


@app.command("run")
def run(
    files: Annotated[list[Path], typer.Argument(help="Scenario files (YAML).", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
) -> None:
    """Validate every file, load each valid world into a fresh store and run its checks.

    Exit status: 0 if every check passes, 1 if any check disagrees, 2 if any file is invalid.
    """
    from clearway.domain.compiled import CompiledWorld
    from clearway.domain.facts import World
    from clearway.reference import default_reference
    from clearway.scenario.runner import (
        ValidScenario,
        exit_code,
        format_json,
        format_lines,
        run_files,
    )
    from clearway.services.index import DecisionIndex
    from clearway.services.scratch import ScratchStores
    from clearway.services.transfer import import_world

    reference = default_reference()
    with ScratchStores(reference) as scratch:

        def load(world: World, _scenario: ValidScenario) -> CompiledWorld:
            store = scratch.fresh()
            import_world(store, world)
            return DecisionIndex(store).world

        results = run_files(files, reference, load)
    if as_json:
        echo(format_json(results))
    else:
        for line in format_lines(results):
            echo(line)
        for result in results:
            for warning in result.warnings:
                echo(f"warning: {result.file}: {warning}", err=True)
    raise typer.Exit(exit_code(results))
