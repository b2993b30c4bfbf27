# SPDX-License-Identifier: Apache-2.0
"""``clearway marking …``: parse, roll up and translate markings."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from clearway.cli._common import echo, handled
from clearway.domain.marking import display_banner, parse_marking, render_banner, roll_up
from clearway.domain.reference import Reference


def default_reference() -> Reference:
    """The shipped reference data (imported late: the loader is not needed for --help)."""
    from clearway.reference import default_reference as load

    return load()


app = typer.Typer(no_args_is_help=True, help="Parse, roll up and translate markings (SPEC §5).")


@app.command("parse")
def parse(
    text: Annotated[str, typer.Argument(help="A marking in any input form.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the structured marking.")] = False,
) -> None:
    """Validate a marking and print its canonical banner (exit 2 if it is invalid)."""
    reference = default_reference()
    with handled():
        parsed = parse_marking(text, reference)
    for warning in parsed.warnings:
        echo(f"warning: {warning}", err=True)
    if as_json:
        document = {
            "canonical": render_banner(parsed.marking, reference),
            **parsed.marking.as_dict(),
        }
        echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        echo(display_banner(parsed.marking, reference))


@app.command("rollup")
def rollup(
    portions: Annotated[list[str], typer.Argument(help="The portions' markings.")],
    by: Annotated[str, typer.Option("--by", help="The compiling nation (trigraph).")],
) -> None:
    """Print the roll-up of several portion markings by a compiling nation."""
    reference = default_reference()
    with handled():
        markings = [parse_marking(p, reference).marking for p in portions]
        echo(render_banner(roll_up(markings, by, reference), reference))


@app.command("translate")
def translate(
    level: Annotated[str, typer.Argument(help="A level of the source scheme (aliases allowed).")],
    source: Annotated[str, typer.Option("--from", help="The scheme the level belongs to.")],
    target: Annotated[str, typer.Option("--to", help="The scheme to protect it in.")],
) -> None:
    """Print how a level of one scheme is protected in another (protect-as translation)."""
    reference = default_reference()
    with handled():
        found = reference.scheme(source.upper()).level(level)
        reference.scheme(target.upper())
        translated = reference.translate(found, target.upper())
    if translated is None:
        echo(f"{target.upper()} cannot receive {found.nation} {found.name}", err=True)
        raise typer.Exit(1)
    row = reference.agreements.get((found.nation, found.name, target.upper()))
    how = "agreement row" if row is not None else "designated level, rounded up"
    echo(f"{found.nation} {found.name} → {translated.nation} {translated.name} ({how})")
