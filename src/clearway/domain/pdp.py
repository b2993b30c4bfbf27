# SPDX-License-Identifier: Apache-2.0
"""The policy decision point: ``decide`` and its batch and reverse forms (SPEC §6).

Pure functions of a compiled world and an instant: no I/O, no clock. Adapters (CLI, API, key
release) call these and write the audit entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from clearway.domain.compiled import CompiledWorld
from clearway.domain.decision import Action, Decision, DecisionError, Obligation, parse_action
from clearway.domain.explain import explain
from clearway.domain.facts import World
from clearway.domain.marking import render_banner
from clearway.domain.time import as_instant, to_micros
from clearway.errors import InvalidInputError, NotFoundError

__all__ = ["Request", "compile_world", "decide", "decide_batch", "readable_assets", "readers"]


@attrs.frozen
class Request:
    """One access request of a batch."""

    person: str
    asset: str
    action: str
    at: datetime


def compile_world(world: World | CompiledWorld) -> CompiledWorld:
    """``world`` compiled (lazily, per record); a compiled world is returned as is."""
    return world if isinstance(world, CompiledWorld) else CompiledWorld(world)


def decide(
    world: World | CompiledWorld,
    person: str,
    asset: str,
    action: Action | str,
    at: datetime,
) -> Decision:
    """Decide whether ``person`` may ``action`` ``asset`` at instant ``at``.

    Every failing rule is reported, in rule order, with explanations in English and Japanese.
    A permit carries the obligations: the audit entry, and for ``download`` the canonical banner
    to stamp on the copy. Raises :class:`NotFoundError` for an unknown person or asset and
    :class:`InvalidInputError` for an unknown action or a naive instant: errors, never denies.
    """
    compiled = compile_world(world)
    act = parse_action(action)
    instant = as_instant(at)
    reasons = compiled.reasons_at(person, asset, act is Action.DOWNLOAD, to_micros(instant))
    facts_person = compiled.people[person]
    facts_asset = compiled.assets[asset]
    marking = facts_asset.marking_at(instant)
    if reasons:
        explanations = explain(compiled, facts_person, facts_asset, act, instant, reasons)
        return Decision(person, asset, act, instant, tuple(reasons), explanations, (), marking)
    obligations = [Obligation("audit")]
    if act is Action.DOWNLOAD:
        obligations.append(Obligation("stamp-banner", render_banner(marking, compiled.reference)))
    return Decision(person, asset, act, instant, (), (), tuple(obligations), marking)


def decide_batch(
    world: World | CompiledWorld, requests: Iterable[Request]
) -> list[Decision | DecisionError]:
    """:func:`decide` for each request; an unknown person, asset or action (or a naive
    instant) becomes a :class:`DecisionError` item and leaves the other items unaffected."""
    compiled = compile_world(world)
    out: list[Decision | DecisionError] = []
    for request in requests:
        try:
            out.append(decide(compiled, request.person, request.asset, request.action, request.at))
        except (NotFoundError, InvalidInputError) as exc:
            out.append(
                DecisionError(
                    request.person,
                    request.asset,
                    str(request.action),
                    exc.message,
                    not_found=isinstance(exc, NotFoundError),
                )
            )
    return out


def readable_assets(
    world: World | CompiledWorld, person: str, action: Action | str, at: datetime
) -> list[str]:
    """Every asset ``person`` may ``action`` at ``at``, sorted by id."""
    compiled = compile_world(world)
    download = parse_action(action) is Action.DOWNLOAD
    instant = to_micros(as_instant(at))
    compiled.person(person)  # unknown person: an error, not an empty answer
    return sorted(
        asset
        for asset in compiled.assets
        if not compiled.reasons_at(person, asset, download, instant)
    )


def readers(
    world: World | CompiledWorld, asset: str, action: Action | str, at: datetime
) -> list[str]:
    """Every person who may ``action`` ``asset`` at ``at``, sorted by id."""
    compiled = compile_world(world)
    download = parse_action(action) is Action.DOWNLOAD
    instant = to_micros(as_instant(at))
    compiled.asset(asset)
    return sorted(
        person
        for person in compiled.people
        if not compiled.reasons_at(person, asset, download, instant)
    )
