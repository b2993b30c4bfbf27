# SPDX-License-Identifier: Apache-2.0
"""Registry commands: add, list, show and change people, organisations, employment,
clearances, facility clearances, programmes and read-ons, assets and markings, approvals,
export authorisations, AUKUS periods, visits, and corrections of facts.

Every command that changes the registry takes ``--as ROLE:SCOPE`` and is refused (exit 3)
exactly as the API will refuse it. Instants are dates (midnight UTC) or ISO instants with an
offset.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer

from clearway.cli._common import echo, handled, now, principal, print_json, require, state, when

As = Annotated[
    str | None, typer.Option("--as", help="Acting principal ROLE:SCOPE, e.g. authority:JPN.")
]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept with the record).")]
From = Annotated[str | None, typer.Option("--from", help="Start (date or instant).")]
Until = Annotated[str | None, typer.Option("--until", help="End, exclusive (date or instant).")]
At = Annotated[str | None, typer.Option("--at", help="Instant (default: now).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _services(ctx: typer.Context) -> Any:
    from clearway.services.registry import RegistryService

    return RegistryService(state(ctx).store())


def _queries(ctx: typer.Context) -> Any:
    from clearway.services.index import DecisionIndex
    from clearway.services.queries import QueryService

    return QueryService(DecisionIndex(state(ctx).store()))


def _table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            cells.append("—" if value in (None, "") else str(value))
        table.add_row(*cells)
    import sys

    Console(highlight=False, width=None if sys.stdout.isatty() else 200).print(table)


def _show(value: Any, as_json: bool, columns: list[str] | None = None) -> None:
    if as_json or columns is None:
        print_json(value)
    else:
        _table(value, columns)


def _at(text: str | None) -> datetime:
    return when(text) or now()


def _status(text: str) -> Any:
    from clearway.domain.lifecycle import Status
    from clearway.errors import InvalidInputError

    try:
        return Status(text)
    except ValueError:
        known = ", ".join(s.value for s in Status)
        raise InvalidInputError(f"unknown status `{text}` (known: {known})") from None


def _change(ctx: typer.Context, as_: str | None, run: Callable[[Any, Any], str]) -> None:
    acting = principal(as_)
    with handled():
        echo(run(_services(ctx), acting))


# --- people ---------------------------------------------------------------------------------

people = typer.Typer(no_args_is_help=True, help="People and their nationalities.")


@people.command("add")
def person_add(
    ctx: typer.Context,
    ident: Annotated[str, typer.Argument(help="Person id.")],
    nationality: Annotated[list[str], typer.Option("--nationality", help="Trigraph (repeatable).")],
    as_: As = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    employer: Annotated[str | None, typer.Option(help="Employing organisation.")] = None,
    since: From = None,
    reason: Reason = "",
) -> None:
    """Register a person (an authority of a nationality, or the employer's officer)."""
    _change(
        ctx,
        as_,
        lambda s, p: (
            s.add_person(
                p,
                ident,
                nationality,
                name=name,
                employer=employer,
                since=when(since),
                reason=reason,
            )
            or f"added person {ident}"
        ),
    )


@people.command("list")
def person_list(ctx: typer.Context, at: At = None, as_json: Json = False) -> None:
    """List people as at an instant."""
    with handled():
        rows = _queries(ctx).people(_at(at))
    _show(rows, as_json, ["id", "name", "nationalities", "employer", "clearances"])


@people.command("show")
def person_show(ctx: typer.Context, ident: str, at: At = None) -> None:
    """Show a person as at an instant, with every fact recorded about them (JSON)."""
    with handled():
        print_json(_queries(ctx).person(ident, _at(at)))


@people.command("nationality")
def person_nationality(
    ctx: typer.Context,
    ident: str,
    nation: str,
    as_: As = None,
    start: From = None,
    end: Until = None,
    ended: Annotated[
        bool, typer.Option("--end", help="Record that it was given up (at --until).")
    ] = False,
    reason: Reason = "",
) -> None:
    """Record a nationality held (or, with --end, given up)."""

    def run(s: Any, p: Any) -> str:
        if ended:
            fact = s.end_nationality(p, ident, nation, require(when(end), "--until"), reason=reason)
            return f"ended {nation} nationality of {ident} (fact {fact})"
        fact = s.add_nationality(p, ident, nation, start=when(start), end=when(end), reason=reason)
        return f"recorded {nation} nationality of {ident} (fact {fact})"

    _change(ctx, as_, run)


# --- organisations and employment -----------------------------------------------------------

orgs = typer.Typer(no_args_is_help=True, help="Organisations, facility clearances, AUKUS periods.")


@orgs.command("add")
def org_add(
    ctx: typer.Context,
    ident: str,
    nation: Annotated[str, typer.Option("--nation", help="The organisation's nation.")],
    as_: As = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    reason: Reason = "",
) -> None:
    """Register an organisation (its nation's authority)."""
    _change(
        ctx,
        as_,
        lambda s, p: (
            s.add_organisation(p, ident, nation, name, reason) or f"added organisation {ident}"
        ),
    )


@orgs.command("list")
def org_list(ctx: typer.Context, at: At = None, as_json: Json = False) -> None:
    """List organisations with their facility clearances."""
    with handled():
        rows = _queries(ctx).organisations(_at(at))
    if as_json:
        print_json(rows)
    else:
        for row in rows:
            row["facility"] = [f"{f['type']} ({f['status']})" for f in row["facility_clearances"]]
        _table(rows, ["id", "nation", "name", "facility"])


@orgs.command("show")
def org_show(ctx: typer.Context, ident: str, at: At = None) -> None:
    """Show an organisation with its facts (JSON)."""
    with handled():
        print_json(_queries(ctx).organisation(ident, _at(at)))


@orgs.command("aukus")
def org_aukus(
    ctx: typer.Context,
    ident: str,
    as_: As = None,
    start: From = None,
    end: Until = None,
    reason: Reason = "",
) -> None:
    """Record an AUKUS authorised-user period (authority of the USA or of its nation)."""
    _change(
        ctx,
        as_,
        lambda s, p: (
            f"recorded AUKUS authorised-user period of {ident} (fact "
            f"{s.add_aukus_period(p, ident, start=when(start), end=when(end), reason=reason)})"
        ),
    )


employment = typer.Typer(no_args_is_help=True, help="Joining and leaving organisations.")


@employment.command("join")
def employment_join(
    ctx: typer.Context,
    person: str,
    organisation: str,
    as_: As = None,
    start: From = None,
    reason: Reason = "",
) -> None:
    """Record that a person joined an organisation (its officer or nation's authority)."""
    _change(
        ctx,
        as_,
        lambda s, p: (
            f"{person} joined {organisation} (fact "
            f"{s.join(p, person, organisation, start=when(start), reason=reason)})"
        ),
    )


@employment.command("leave")
def employment_leave(
    ctx: typer.Context,
    person: str,
    organisation: str,
    as_: As = None,
    end: Until = None,
    reason: Reason = "",
) -> None:
    """Record that a person left an organisation."""
    _change(
        ctx,
        as_,
        lambda s, p: (
            f"{person} left {organisation} (fact "
            f"{s.leave(p, person, organisation, end=when(end), reason=reason)})"
        ),
    )


@employment.command("list")
def employment_list(
    ctx: typer.Context,
    organisation: Annotated[str | None, typer.Option(help="Only this organisation's.")] = None,
    at: At = None,
    as_json: Json = False,
) -> None:
    """List employment intervals (and whether each holds at an instant)."""
    with handled():
        rows = _queries(ctx).employment(_at(at), organisation)
    _show(rows, as_json, ["person", "organisation", "from", "until", "current"])


# --- clearances ----------------------------------------------------------------------------

clearances = typer.Typer(no_args_is_help=True, help="Personnel clearances and every transition.")


@clearances.command("add")
def clearance_add(
    ctx: typer.Context,
    person: str,
    issuer: Annotated[str, typer.Option("--issuer", help="Issuing nation.")],
    type_: Annotated[
        str, typer.Option("--type", help="Clearance type of the issuer (e.g. SC, SDS).")
    ],
    as_: As = None,
    status: Annotated[
        str, typer.Option(help="First status: applied, or an existing one's.")
    ] = "applied",
    at: At = None,
    expires: Annotated[str | None, typer.Option(help="Explicit expiry.")] = None,
    reason: Reason = "",
) -> None:
    """Open a clearance (issuer's authority; the employer's officer may apply)."""

    def run(s: Any, p: Any) -> str:
        first = _status(status)
        ident = s.add_clearance(
            p,
            person,
            issuer,
            type_,
            status=first,
            at=when(at),
            expires=when(expires),
            reason=reason,
        )
        return f"added clearance {ident} ({first.value})"

    _change(ctx, as_, run)


def _transition_command(verb: str, facility: bool) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        ident: Annotated[str, typer.Argument(help="Clearance id.")],
        as_: As = None,
        at: At = None,
        expires: Annotated[
            str | None, typer.Option(help="Explicit expiry (grant, revalidate).")
        ] = None,
        if_version: Annotated[
            int | None, typer.Option("--if-version", help="Fail if changed since.")
        ] = None,
        reason: Reason = "",
    ) -> None:
        def run(s: Any, p: Any) -> str:
            method = s.facility_transition if facility else s.transition
            status = method(
                p,
                ident,
                verb,
                at=when(at),
                expires=when(expires),
                expected_version=if_version,
                reason=reason,
            )
            return f"{ident} is now {status.value}"

        _change(ctx, as_, run)

    command.__doc__ = f"{verb.capitalize()} a {'facility ' if facility else ''}clearance."
    return command


def _register_transitions(app: typer.Typer, facility: bool) -> None:
    from clearway.domain.lifecycle import CLEARANCE_VERBS

    for verb in CLEARANCE_VERBS:
        app.command(verb)(_transition_command(verb, facility))


_register_transitions(clearances, facility=False)


@clearances.command("continuous-vetting")
def clearance_cv(
    ctx: typer.Context,
    ident: str,
    start: Annotated[str, typer.Option("--from")],
    as_: As = None,
    reason: Reason = "",
) -> None:
    """Enrol a clearance in continuous vetting from a date (it then stops expiring)."""
    _change(
        ctx,
        as_,
        lambda s, p: (
            f"{ident} in continuous vetting (fact "
            f"{s.set_continuous_vetting(p, ident, require(when(start), '--from'), reason)})"
        ),
    )


@clearances.command("list")
def clearance_list(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option(help="Only this person's.")] = None,
    issuer: Annotated[str | None, typer.Option(help="Only this issuer's.")] = None,
    expiring_before: Annotated[
        str | None,
        typer.Option("--expiring-before", help="Only active ones expiring before this date."),
    ] = None,
    at: At = None,
    as_json: Json = False,
) -> None:
    """List clearances with status, standing and expiry as at an instant."""
    with handled():
        rows = _queries(ctx).clearances(
            _at(at),
            person=person,
            issuer=issuer.upper() if issuer else None,
            expiring_before=when(expiring_before, what="--expiring-before"),
        )
    _show(
        rows,
        as_json,
        ["id", "person", "issuer", "type", "ceiling", "status", "standing", "expires"],
    )


@clearances.command("show")
def clearance_show(ctx: typer.Context, ident: str, at: At = None) -> None:
    """Show one clearance (JSON)."""
    with handled():
        rows = [r for r in _queries(ctx).clearances(_at(at)) if r["id"] == ident]
        if not rows:
            from clearway.errors import NotFoundError

            raise NotFoundError(f"unknown clearance `{ident}`")
    print_json(rows[0])


facilities = typer.Typer(no_args_is_help=True, help="Facility clearances and every transition.")


@facilities.command("add")
def facility_add(
    ctx: typer.Context,
    organisation: str,
    type_: Annotated[str, typer.Option("--type", help="Facility clearance type of its nation.")],
    as_: As = None,
    status: Annotated[str, typer.Option(help="First status.")] = "applied",
    at: At = None,
    expires: Annotated[str | None, typer.Option(help="Explicit expiry.")] = None,
    reason: Reason = "",
) -> None:
    """Open a facility clearance (the organisation's nation's authority)."""

    def run(s: Any, p: Any) -> str:
        first = _status(status)
        ident = s.add_facility_clearance(
            p, organisation, type_, status=first, at=when(at), expires=when(expires), reason=reason
        )
        return f"added facility clearance {ident} ({first.value})"

    _change(ctx, as_, run)


_register_transitions(facilities, facility=True)


# --- programmes and read-ons ----------------------------------------------------------------

programmes = typer.Typer(no_args_is_help=True, help="Programmes (need-to-know) and read-ons.")


@programmes.command("add")
def programme_add(
    ctx: typer.Context,
    ident: str,
    nation: Annotated[
        list[str], typer.Option("--nation", help="Participating nation (repeatable).")
    ],
    as_: As = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    reason: Reason = "",
) -> None:
    """Create a programme (an authority of a participating nation)."""
    _change(
        ctx,
        as_,
        lambda s, p: s.add_programme(p, ident, nation, name, reason) or f"added programme {ident}",
    )


@programmes.command("list")
def programme_list(ctx: typer.Context, at: At = None, as_json: Json = False) -> None:
    """List programmes and who is read on as at an instant."""
    with handled():
        rows = _queries(ctx).programmes(_at(at))
    _show(rows, as_json, ["id", "name", "nations", "members"])


@programmes.command("read-on")
def programme_read_on(
    ctx: typer.Context,
    person: str,
    programme: str,
    as_: As = None,
    start: From = None,
    end: Until = None,
    reason: Reason = "",
) -> None:
    """Read a person on to a programme (its manager)."""
    _change(
        ctx,
        as_,
        lambda s, p: (
            f"{person} read on to {programme} (fact "
            f"{s.read_on(p, person, programme, start=when(start), end=when(end), reason=reason)})"
        ),
    )


@programmes.command("read-off")
def programme_read_off(
    ctx: typer.Context,
    person: str,
    programme: str,
    as_: As = None,
    end: Until = None,
    reason: Reason = "",
) -> None:
    """Read a person off a programme (its manager)."""
    _change(
        ctx,
        as_,
        lambda s, p: (
            f"{person} read off {programme} (fact "
            f"{s.read_off(p, person, programme, end=when(end), reason=reason)})"
        ),
    )


# --- assets, markings, approvals, export authorisations -------------------------------------

assets = typer.Typer(no_args_is_help=True, help="Assets, markings, originator approvals.")

Marking = Annotated[str, typer.Option("--marking", help="The marking in any input form.")]
Programmes = Annotated[
    list[str] | None, typer.Option("--programme", help="Programme (repeatable).")
]
Controls = Annotated[
    list[str] | None, typer.Option("--export-control", help="ITAR, EAR… (repeatable).")
]


def _marking(
    reference: Any, text: str, programme: list[str] | None, control: list[str] | None
) -> Any:
    from clearway.domain.marking import make_marking, parse_marking

    parsed = parse_marking(text, reference)
    for warning in parsed.warnings:
        echo(f"warning: {warning}", err=True)
    base = parsed.marking
    return make_marking(
        reference,
        originator=base.originator,
        level=base.level,
        releasable_to=base.releasable_to,
        caveats=base.caveats,
        programmes=programme or (),
        export_controls=control or (),
        fgi=base.fgi,
    )


@assets.command("register")
def asset_register(
    ctx: typer.Context,
    ident: str,
    marking: Marking,
    as_: As = None,
    programme: Programmes = None,
    export_control: Controls = None,
    title: Annotated[str, typer.Option(help="Title.")] = "",
    reason: Reason = "",
) -> None:
    """Register an asset with its marking (the originator, or a manager of its programme)."""

    def run(s: Any, p: Any) -> str:
        structured = _marking(s.reference, marking, programme, export_control)
        s.register_asset(p, ident, structured, title, reason)
        from clearway.domain.marking import display_banner

        return f"registered {ident}: {display_banner(structured, s.reference)}"

    _change(ctx, as_, run)


@assets.command("mark")
def asset_mark(
    ctx: typer.Context,
    ident: str,
    marking: Marking,
    as_: As = None,
    programme: Programmes = None,
    export_control: Controls = None,
    at: At = None,
    reason: Reason = "",
) -> None:
    """Change an asset's marking from an instant (the originator only)."""

    def run(s: Any, p: Any) -> str:
        structured = _marking(s.reference, marking, programme, export_control)
        fact = s.change_marking(p, ident, structured, at=when(at), reason=reason)
        return f"changed the marking of {ident} (fact {fact})"

    _change(ctx, as_, run)


@assets.command("list")
def asset_list(ctx: typer.Context, at: At = None, as_json: Json = False) -> None:
    """List assets with their banners as at an instant."""
    with handled():
        rows = _queries(ctx).assets(_at(at))
    _show(rows, as_json, ["id", "title", "display"])


@assets.command("show")
def asset_show(ctx: typer.Context, ident: str, at: At = None) -> None:
    """Show an asset: marking as at an instant, its history, approvals and facts (JSON)."""
    with handled():
        print_json(_queries(ctx).asset(ident, _at(at)))


@assets.command("approvals")
def asset_approvals(
    ctx: typer.Context,
    ident: Annotated[str | None, typer.Argument(help="Only this asset's.")] = None,
    at: At = None,
    as_json: Json = False,
) -> None:
    """List originator approvals (ORCON releases)."""
    with handled():
        rows = _queries(ctx).approvals(_at(at), ident)
    _show(rows, as_json, ["asset", "target", "from", "until", "current"])


@assets.command("approve")
def asset_approve(
    ctx: typer.Context,
    ident: str,
    as_: As = None,
    person: Annotated[str | None, typer.Option(help="Release to this person.")] = None,
    organisation: Annotated[str | None, typer.Option(help="… this organisation.")] = None,
    nation: Annotated[str | None, typer.Option(help="… this nation's nationals.")] = None,
    start: From = None,
    end: Until = None,
    reason: Reason = "",
) -> None:
    """Release an ORCON asset to a person, organisation or nation (the originator)."""

    def run(s: Any, p: Any) -> str:
        given = [
            (k, v)
            for k, v in (("person", person), ("organisation", organisation), ("nation", nation))
            if v
        ]
        if len(given) != 1:
            from clearway.errors import InvalidInputError

            raise InvalidInputError("give exactly one of --person, --organisation or --nation")
        target, value = given[0]
        fact = s.add_approval(
            p, ident, target, value, start=when(start), end=when(end), reason=reason
        )
        return f"approved release of {ident} to {target} {value} (fact {fact})"

    _change(ctx, as_, run)


exports = typer.Typer(no_args_is_help=True, help="Export authorisations (ITAR and others).")


@exports.command("list")
def export_list(ctx: typer.Context, at: At = None, as_json: Json = False) -> None:
    """List export authorisations of people and organisations."""
    with handled():
        rows = _queries(ctx).export_authorisations(_at(at))
    _show(rows, as_json, ["holder", "regime", "covers", "from", "until", "current"])


@exports.command("add")
def export_add(
    ctx: typer.Context,
    regime: Annotated[str, typer.Option("--regime", help="ITAR, EAR, DSGL…")],
    as_: As = None,
    person: Annotated[str | None, typer.Option(help="Holder: a person.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Holder: an organisation.")] = None,
    asset: Annotated[str | None, typer.Option(help="Covers this asset.")] = None,
    programme: Annotated[str | None, typer.Option(help="Covers this programme.")] = None,
    start: From = None,
    end: Until = None,
    reason: Reason = "",
) -> None:
    """Record an export authorisation (the regime's issuing nation's authority)."""

    def run(s: Any, p: Any) -> str:
        if (person is None) == (organisation is None):
            from clearway.errors import InvalidInputError

            raise InvalidInputError("give exactly one of --person or --organisation")
        kind, holder = ("person", person) if person else ("organisation", organisation)
        fact = s.add_export_authorisation(
            p,
            kind,
            holder,
            regime,
            asset=asset,
            programme=programme,
            start=when(start),
            end=when(end),
            reason=reason,
        )
        return f"recorded {regime.upper()} authorisation of {holder} (fact {fact})"

    _change(ctx, as_, run)


# --- visits and facts -----------------------------------------------------------------------

visits = typer.Typer(no_args_is_help=True, help="Visits (recorded as approved, for now).")


@visits.command("add")
def visit_add(
    ctx: typer.Context,
    visitor: str,
    host: str,
    programme: Annotated[list[str], typer.Option("--programme", help="Programme (repeatable).")],
    start: Annotated[str, typer.Option("--from", help="First day.")],
    as_: As = None,
    end: Until = None,
    type_: Annotated[
        str, typer.Option("--type", help="one-time, recurring or emergency.")
    ] = "one-time",
    reason: Reason = "",
) -> None:
    """Record an approved visit (the host nation's authority)."""
    _change(
        ctx,
        as_,
        lambda s, p: (
            "recorded visit "
            + s.record_visit(
                p,
                visitor,
                host,
                programme,
                start=require(when(start), "--from"),
                end=when(end),
                kind=type_,
                reason=reason,
            )
        ),
    )


@visits.command("list")
def visit_list(ctx: typer.Context, as_json: Json = False) -> None:
    """List visits."""
    with handled():
        rows = _queries(ctx).visits()
    _show(rows, as_json, ["id", "visitor", "host", "type", "programmes", "from", "until", "status"])


facts = typer.Typer(no_args_is_help=True, help="The bitemporal facts behind every record.")


@facts.command("list")
def fact_list(
    ctx: typer.Context,
    owner: Annotated[str, typer.Argument(help="person:ID, organisation:ID or asset:ID.")],
    as_json: Json = False,
) -> None:
    """Every fact recorded through a record, corrections and superseded ones included."""
    with handled():
        rows = _queries(ctx).facts(owner)
    _show(
        rows,
        as_json,
        ["id", "kind", "subject", "payload", "effective_at", "recorded_at", "actor", "in_force"],
    )


@facts.command("correct")
def fact_correct(
    ctx: typer.Context,
    fact_id: int,
    reason: Annotated[str, typer.Option("--reason", help="Why the fact was wrong.")],
    as_: As = None,
    start: From = None,
    end: Until = None,
    retract: Annotated[
        bool, typer.Option("--retract", help="Withdraw it without replacement.")
    ] = False,
) -> None:
    """Correct a mis-keyed fact with a superseding one (never an overwrite)."""

    def run(s: Any, p: Any) -> str:
        changes = {k: when(v) for k, v in (("from", start), ("until", end)) if v is not None}
        new = s.correct(
            p, fact_id, changes=None if retract else changes, retract=retract, reason=reason
        )
        return f"fact {fact_id} superseded by fact {new}"

    _change(ctx, as_, run)
