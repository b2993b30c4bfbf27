# SPDX-License-Identifier: Apache-2.0
"""``clearway check`` (exit 0 permit, 1 deny, 2 error) and the reverse queries."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from clearway.cli._common import EXIT_ERROR, echo, fail, handled, now, print_json, state, when

Action = Annotated[str, typer.Option("--action", help="read or download.")]
At = Annotated[str | None, typer.Option("--at", help="Instant to decide at (default: now).")]
As = Annotated[str | None, typer.Option("--as", help="Who asks (default: member:PERSON); audited.")]


def _access(ctx: typer.Context) -> Any:
    from clearway.services.access import AccessService
    from clearway.services.index import DecisionIndex

    return AccessService(DecisionIndex(state(ctx).store()))


def _asker(as_: str | None, default: str) -> Any:
    from clearway.cli._common import principal

    return principal(as_ or default)


def check(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Person id.")],
    asset: Annotated[str, typer.Argument(help="Asset id.")],
    action: Action = "read",
    at: At = None,
    recorded_by: Annotated[
        str | None, typer.Option("--recorded-by", help="Replay: use only facts recorded by then.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Explanations in en or ja.")] = "en",
    as_: As = None,
) -> None:
    """Decide whether PERSON may read (or download) ASSET. Exit 0 permit, 1 deny, 2 error."""
    from clearway.domain.marking import display_banner

    if lang not in ("en", "ja"):
        fail(f"unknown language `{lang}` (known: en, ja)")
    instant = when(at) or now()
    with handled():
        access = _access(ctx)
        decision = access.check(
            _asker(as_, f"member:{person}"),
            person,
            asset,
            action,
            instant,
            recorded_by=when(recorded_by, what="--recorded-by"),
        )
        assert decision.marking is not None
        banner = display_banner(decision.marking, access.store.reference)
    if as_json:
        print_json(
            {
                "person": decision.person,
                "asset": decision.asset,
                "action": decision.action.value,
                "at": decision.at.isoformat().replace("+00:00", "Z"),
                "permit": decision.permit,
                "reasons": [r.value for r in decision.reasons],
                "explanations": [
                    {"reason": e.reason.value, "en": e.en, "ja": e.ja}
                    for e in decision.explanations
                ],
                "obligations": [{"kind": o.kind, "value": o.value} for o in decision.obligations],
                "banner": banner,
            }
        )
    else:
        permit, deny = ("許可", "拒否") if lang == "ja" else ("PERMIT", "DENY")
        outcome = permit if decision.permit else deny
        echo(f"{outcome}: {person} {decision.action.value} {asset} [{banner}]")
        for explanation in decision.explanations:
            echo(f"  {explanation.reason.value}: {explanation.text(lang)}")
        for obligation in decision.obligations:
            if obligation.kind == "stamp-banner":
                echo(f"  stamp: {obligation.value}")
    raise typer.Exit(0 if decision.permit else 1)


def _print_ids(ids: list[str], as_json: bool) -> None:
    if as_json:
        print_json(ids)
    else:
        for ident in ids:
            echo(ident)


def readable(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Person id.")],
    action: Action = "read",
    at: At = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_: As = None,
) -> None:
    """What may PERSON read (or download)?"""
    with handled():
        found = _access(ctx).readable_assets(
            _asker(as_, f"member:{person}"), person, action, when(at) or now()
        )
    _print_ids(found, as_json)


def readers(
    ctx: typer.Context,
    asset: Annotated[str, typer.Argument(help="Asset id.")],
    action: Action = "read",
    at: At = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_: As = None,
) -> None:
    """Who may read (or download) ASSET?"""
    if as_ is None:
        fail("give who asks with --as ROLE:SCOPE (e.g. authority:GBR)", EXIT_ERROR)
    with handled():
        found = _access(ctx).readers(_asker(as_, ""), asset, action, when(at) or now())
    _print_ids(found, as_json)
