# SPDX-License-Identifier: Apache-2.0
"""Properties of the access decision (SPEC §6) over small random worlds.

* Restricting information never helps: adding a programme, a caveat (ORCON; NOFORN on US
  information) or ITAR to an asset's marking, narrowing its releasable set, or taking a clearance
  away from a person (removing, revoking, suspending it) never turns a deny into a permit.
  Stronger: the failing rules only grow (the clearance group counted once) and the clearance
  code only moves towards ``clearance-missing``. The one exception SPEC §6 itself makes: an ITAR
  export authorisation for a programme lifts rule 5 once the asset is marked with that programme.
* The batch form equals the single form; the reverse queries equal filtering ``decide``.
* Reasons come in rule order with at most one clearance-group code, and agree with a direct
  reading of SPEC §6 over the facts (also when nationalities, employers and markings change over
  time); a clearance's standing agrees with a direct reading of SPEC §3.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, strategies as st

from clearway.domain.compiled import CompiledWorld
from clearway.domain.decision import RULE_ORDER, Decision, DecisionError, Reason
from clearway.domain.facts import (
    NATO_PROGRAMME,
    ApprovalTarget,
    Asset,
    Clearance,
    FacilityClearance,
    MarkingVersion,
    World,
)
from clearway.domain.lifecycle import Standing, Status, StatusEntry
from clearway.domain.marking import Marking, make_marking, render_banner
from clearway.domain.pdp import Request, decide, decide_batch, readable_assets, readers
from clearway.domain.time import to_micros
from clearway.errors import InvalidInputError, NotFoundError
from tests.factories import utc, world_from_yaml
from tests.strategies import (
    ACTIONS,
    REFERENCE,
    Spec,
    build,
    instants,
    instants_for,
    time_varying_worlds,
    worlds,
)

CLEARANCE_GROUP = frozenset(
    {
        Reason.CLEARANCE_MISSING,
        Reason.CLEARANCE_INACTIVE,
        Reason.CLEARANCE_EXPIRED,
        Reason.CLEARANCE_INSUFFICIENT,
    }
)
ORDER = {reason: i for i, reason in enumerate(RULE_ORDER)}
JST = timezone(timedelta(hours=9))


Key = tuple[str, str, str, datetime]


# --- helpers ---------------------------------------------------------------------------------


def decisions(world: World | CompiledWorld, ats: Iterable[datetime]) -> dict[Key, Decision]:
    """Every (person, asset, action, instant) decision of a world."""
    compiled = world if isinstance(world, CompiledWorld) else CompiledWorld(world)
    return {
        (p, a, action, at): decide(compiled, p, a, action, at)
        for p in compiled.people
        for a in compiled.assets
        for action in ACTIONS
        for at in ats
    }


def rules(decision: Decision) -> set[str]:
    """The failing rules of a decision, the clearance group counted as one rule."""
    return {"clearance" if r in CLEARANCE_GROUP else r.value for r in decision.reasons}


def clearance_code(decision: Decision) -> Reason | None:
    found = [r for r in decision.reasons if r in CLEARANCE_GROUP]
    return found[0] if found else None


def assert_never_more_permissive(
    before: dict[Key, Decision], after: dict[Key, Decision], *, ignore: frozenset[str] = frozenset()
) -> None:
    """``after`` is a restriction of ``before``: no deny became a permit, no failing rule
    (outside ``ignore``) went away, and no clearance code moved away from ``clearance-missing``."""
    assert before.keys() == after.keys()
    for key, old in before.items():
        new = after[key]
        context = f"{key}: before {list(old.reasons)}, after {list(new.reasons)}"
        if not ignore:
            assert not (new.permit and not old.permit), "a deny became a permit: " + context
        assert rules(old) - ignore <= rules(new), context
        old_code, new_code = clearance_code(old), clearance_code(new)
        if old_code is not None:
            assert new_code is not None, context
            assert ORDER[new_code] <= ORDER[old_code], context


def with_marking(world: World, asset_id: str, marking: Marking) -> World:
    asset = world.assets[asset_id]
    changed = attrs.evolve(asset, markings=(MarkingVersion(marking),))
    return attrs.evolve(world, assets={**world.assets, asset_id: changed})


def remake(marking: Marking, **changes: Iterable[str]) -> Marking:
    """``marking`` with some fields replaced, validated and normalised by :func:`make_marking`."""
    fields: dict[str, Iterable[str]] = {
        "releasable_to": marking.releasable_to,
        "caveats": marking.caveats,
        "programmes": marking.programmes,
        "export_controls": marking.export_controls,
        "fgi": marking.fgi,
    }
    fields.update(changes)
    return make_marking(
        REFERENCE,
        originator=marking.originator,
        level=marking.level,
        releasable_to=fields["releasable_to"],
        caveats=fields["caveats"],
        programmes=fields["programmes"],
        export_controls=fields["export_controls"],
        fgi=fields["fgi"],
    )


def marking_of(world: World, asset_id: str) -> Marking:
    return world.assets[asset_id].markings[0].marking


# --- restricting never helps -----------------------------------------------------------------


@given(spec=worlds(), data=st.data())
def test_adding_a_programme_never_turns_a_deny_into_a_permit(
    spec: Spec, data: st.DataObject
) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    # An ITAR authorisation naming the added programme may lift rule 5 (SPEC §6 rule 5(b) covers
    # "the asset or one of its programmes"): see the example test below. Here no authorisation
    # names the programme, so nothing may get better.
    world = build(spec)
    asset_id = data.draw(st.sampled_from(sorted(world.assets)), label="asset")
    programme = data.draw(st.sampled_from(sorted(world.programmes)), label="programme")
    for record in [*spec["people"], *spec["organisations"]]:
        record["export_authorisations"] = [
            a for a in record["export_authorisations"] if a.get("programme") != programme
        ]
    world = build(spec)
    marking = marking_of(world, asset_id)
    changed = with_marking(
        world, asset_id, remake(marking, programmes={*marking.programmes, programme})
    )
    assert_never_more_permissive(decisions(world, ats), decisions(changed, ats))


@given(spec=worlds(), data=st.data())
def test_adding_a_programme_only_ever_lifts_the_export_rule(
    spec: Spec, data: st.DataObject
) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    world = build(spec)
    asset_id = data.draw(st.sampled_from(sorted(world.assets)), label="asset")
    programme = data.draw(st.sampled_from(sorted(world.programmes)), label="programme")
    marking = marking_of(world, asset_id)
    changed = with_marking(
        world, asset_id, remake(marking, programmes={*marking.programmes, programme})
    )
    before, after = decisions(world, ats), decisions(changed, ats)
    assert_never_more_permissive(before, after, ignore=frozenset({"export-authorisation-required"}))
    for key, old in before.items():
        if after[key].permit and not old.permit:
            assert list(old.reasons) == [Reason.EXPORT_AUTHORISATION_REQUIRED], key


def test_an_itar_authorisation_for_an_added_programme_lifts_the_export_rule() -> None:
    """The exception to "adding a programme never helps" that SPEC §6 rule 5(b) implies: a
    Japanese engineer read on to P1, whose firm holds an ITAR authorisation for P1, may read ITAR
    data once it is marked P1, but not before."""
    yaml = """
        organisations:
          - id: ORG-J
            nation: JPN
            export_authorisations: [{regime: ITAR, programme: P1, from: 2025-01-01}]
        programmes: [{id: P1, nations: [JPN, USA]}]
        people:
          - id: P-J
            nationalities: [JPN]
            employer: ORG-J
            read_on: [{programme: P1, from: 2025-01-01}]
        assets:
          - id: D-1
            originator: USA
            level: UNCLASSIFIED
            releasable_to: [JPN]
            export_control: ITAR
    """
    world = world_from_yaml(yaml)
    at = utc(2026)
    assert decide(world, "P-J", "D-1", "read", at).reasons == (
        Reason.EXPORT_AUTHORISATION_REQUIRED,
    )
    marking = marking_of(world, "D-1")
    changed = with_marking(world, "D-1", remake(marking, programmes={"P1"}))
    assert decide(changed, "P-J", "D-1", "read", at).permit


@given(spec=worlds(), data=st.data())
def test_adding_orcon_never_turns_a_deny_into_a_permit(spec: Spec, data: st.DataObject) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    world = build(spec)
    asset_id = data.draw(st.sampled_from(sorted(world.assets)), label="asset")
    marking = marking_of(world, asset_id)
    changed = with_marking(world, asset_id, remake(marking, caveats={*marking.caveats, "ORCON"}))
    assert_never_more_permissive(decisions(world, ats), decisions(changed, ats))


@given(spec=worlds(), data=st.data())
def test_adding_noforn_to_us_information_never_turns_a_deny_into_a_permit(
    spec: Spec, data: st.DataObject
) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    for asset in spec["assets"]:  # make sure some asset is US information
        if asset["originator"] == "USA":
            break
    else:
        spec["assets"][0]["originator"] = "USA"
        spec["assets"][0]["level"] = data.draw(st.sampled_from(("C", "SECRET", "TOP SECRET")))
    world = build(spec)
    us_assets = sorted(
        a for a, v in world.assets.items() if v.markings[0].marking.originator == "USA"
    )
    asset_id = data.draw(st.sampled_from(us_assets), label="asset")
    marking = marking_of(world, asset_id)
    # NOFORN is never combined with other releasable nations: the set shrinks to USA alone
    noforn = remake(marking, caveats={*marking.caveats, "NOFORN"}, releasable_to={"USA"})
    assert "NOFORN" in noforn.caveats
    changed = with_marking(world, asset_id, noforn)
    assert_never_more_permissive(decisions(world, ats), decisions(changed, ats))


@given(spec=worlds(), data=st.data())
def test_adding_itar_never_turns_a_deny_into_a_permit(spec: Spec, data: st.DataObject) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    world = build(spec)
    asset_id = data.draw(st.sampled_from(sorted(world.assets)), label="asset")
    control = data.draw(st.sampled_from(("ITAR", "ITAR-EXCLUDED")), label="control")
    marking = marking_of(world, asset_id)
    changed = with_marking(
        world, asset_id, remake(marking, export_controls={*marking.export_controls, control})
    )
    assert_never_more_permissive(decisions(world, ats), decisions(changed, ats))


@given(spec=worlds(), data=st.data())
def test_narrowing_the_releasable_set_never_turns_a_deny_into_a_permit(
    spec: Spec, data: st.DataObject
) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    world = build(spec)
    asset_id = data.draw(st.sampled_from(sorted(world.assets)), label="asset")
    marking = marking_of(world, asset_id)
    others = sorted(marking.releasable_to - {marking.originator})
    kept = data.draw(st.lists(st.sampled_from(others), unique=True) if others else st.just([]))
    narrowed = remake(marking, releasable_to=kept)
    assert narrowed.releasable_nations(REFERENCE) <= marking.releasable_nations(REFERENCE)
    changed = with_marking(world, asset_id, narrowed)
    assert_never_more_permissive(decisions(world, ats), decisions(changed, ats))


@given(spec=worlds(), data=st.data())
def test_removing_a_clearance_never_turns_a_deny_into_a_permit(
    spec: Spec, data: st.DataObject
) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    holders = [p for p in spec["people"] if p["clearances"]]
    if not holders:
        spec["people"][0]["clearances"] = [
            {"issuer": "GBR", "type": "SC", "status": "granted", "granted": "2024-01-01"}
        ]
        holders = [spec["people"][0]]
    before = build(spec)
    changed = copy.deepcopy(spec)
    person = data.draw(st.sampled_from(range(len(holders))), label="person")
    holder = next(p for p in changed["people"] if p["id"] == holders[person]["id"])
    index = data.draw(st.sampled_from(range(len(holder["clearances"]))), label="clearance")
    del holder["clearances"][index]  # edit the YAML before building
    assert_never_more_permissive(decisions(before, ats), decisions(build(changed), ats))


@given(spec=worlds(), data=st.data())
def test_revoking_or_suspending_a_clearance_never_turns_a_deny_into_a_permit(
    spec: Spec, data: st.DataObject
) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    world = build(spec)
    live = [
        (person.id, i)
        for person in world.people.values()
        for i, c in enumerate(person.clearances)
        if c.history[-1].status in {Status.INTERIM, Status.GRANTED}
    ]
    if not live:
        return
    person_id, index = data.draw(st.sampled_from(live), label="clearance")
    person = world.people[person_id]
    clearance = person.clearances[index]
    when = data.draw(instants(), label="when")
    if when <= clearance.history[-1].at:
        when = clearance.history[-1].at + timedelta(days=1)
    status = data.draw(st.sampled_from((Status.REVOKED, Status.SUSPENDED)), label="status")
    taken = attrs.evolve(clearance, history=(*clearance.history, StatusEntry(status, when)))
    clearances = (*person.clearances[:index], taken, *person.clearances[index + 1 :])
    changed = attrs.evolve(
        world, people={**world.people, person_id: attrs.evolve(person, clearances=clearances)}
    )
    assert_never_more_permissive(decisions(world, ats), decisions(changed, ats))


# --- the batch and reverse forms -------------------------------------------------------------


@st.composite
def requests(draw: st.DrawFn, people: list[str], assets: list[str]) -> Request:
    person = draw(st.sampled_from([*people, "P-UNKNOWN"]))
    asset = draw(st.sampled_from([*assets, "D-UNKNOWN"]))
    action = draw(st.sampled_from((*ACTIONS, *ACTIONS, "copy", "READ", "")))
    at = draw(instants())
    if draw(st.integers(0, 9)) == 0:
        at = at.replace(tzinfo=None)  # a naive instant is an error too
    return Request(person, asset, action, at)


@given(spec=worlds(), data=st.data())
def test_the_batch_form_equals_the_single_form(spec: Spec, data: st.DataObject) -> None:
    world = CompiledWorld(build(spec))
    batch = data.draw(
        st.lists(requests(sorted(world.people), sorted(world.assets)), max_size=12),
        label="requests",
    )
    results = decide_batch(world, batch)
    assert len(results) == len(batch)
    for request, result in zip(batch, results, strict=True):
        unknown = (
            request.person not in world.people
            or request.asset not in world.assets
            or request.action not in ACTIONS
            or request.at.tzinfo is None
        )
        if unknown:
            assert isinstance(result, DecisionError), request
            assert not result.permit
            assert (result.person, result.asset, result.action) == (
                request.person,
                request.asset,
                request.action,
            )
            assert result.error
            with pytest.raises((NotFoundError, InvalidInputError)):
                decide(world, request.person, request.asset, request.action, request.at)
        else:
            assert isinstance(result, Decision), (request, result)
            single = decide(world, request.person, request.asset, request.action, request.at)
            assert result.permit == single.permit
            assert result.reasons == single.reasons
            assert result == single


@given(spec=worlds(), action=st.sampled_from(ACTIONS), data=st.data())
def test_reverse_queries_equal_filtering_decide(
    spec: Spec, action: str, data: st.DataObject
) -> None:
    world = CompiledWorld(build(spec))
    (at,) = data.draw(instants_for(spec, max_size=1), label="at")
    for person in world.people:
        expected = {a for a in world.assets if decide(world, person, a, action, at).permit}
        found = readable_assets(world, person, action, at)
        assert found == sorted(found)
        assert set(found) == expected, person
    for asset in world.assets:
        expected = {p for p in world.people if decide(world, p, asset, action, at).permit}
        found = readers(world, asset, action, at)
        assert found == sorted(found)
        assert set(found) == expected, asset


def test_unknown_ids_and_actions_are_errors_not_denies() -> None:
    world = world_from_yaml(
        """
        people: [{id: P-1, nationalities: [GBR]}]
        assets: [{id: D-1, originator: GBR, level: OFFICIAL}]
        """
    )
    at = utc(2026)
    assert decide(world, "P-1", "D-1", "read", at).permit
    with pytest.raises(NotFoundError):
        decide(world, "P-2", "D-1", "read", at)
    with pytest.raises(NotFoundError):
        decide(world, "P-1", "D-2", "read", at)
    with pytest.raises(InvalidInputError):
        decide(world, "P-1", "D-1", "copy", at)
    with pytest.raises(InvalidInputError):
        decide(world, "P-1", "D-1", "read", at.replace(tzinfo=None))
    with pytest.raises(NotFoundError):
        readable_assets(world, "P-2", "read", at)
    with pytest.raises(NotFoundError):
        readers(world, "D-2", "read", at)
    with pytest.raises(InvalidInputError):
        readers(world, "D-1", "copy", at)
    assert decide_batch(world, []) == []


# --- the shape of a decision -----------------------------------------------------------------


@given(spec=worlds(), data=st.data())
def test_reasons_come_in_rule_order_with_at_most_one_clearance_code(
    spec: Spec, data: st.DataObject
) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    world = CompiledWorld(build(spec))
    found = decisions(world, ats)
    for (person, asset, action, at), decision in found.items():
        indices = [ORDER[r] for r in decision.reasons]
        assert indices == sorted(set(indices)), decision.reasons
        assert len(CLEARANCE_GROUP.intersection(decision.reasons)) <= 1, decision.reasons
        assert decision.permit == (not decision.reasons)
        assert [e.reason for e in decision.explanations] == list(decision.reasons)
        assert all(e.en and e.ja for e in decision.explanations)
        if decision.permit:
            kinds = [o.kind for o in decision.obligations]
            assert kinds[0] == "audit"
            if action == "download":
                banner = render_banner(world.assets[asset].marking_at(at), REFERENCE)
                assert [o.value for o in decision.obligations if o.kind == "stamp-banner"] == [
                    banner
                ]
            else:
                assert kinds == ["audit"]
        else:
            assert decision.obligations == ()
        # download differs from read only by rule 4 (possession)
        if action == "download":
            read = found[person, asset, "read", at]
            assert [r for r in decision.reasons if r is not Reason.FACILITY_CLEARANCE] == list(
                read.reasons
            )
        else:
            assert Reason.FACILITY_CLEARANCE not in decision.reasons
        # the same instant written with another offset is the same instant
        assert decide(world, person, asset, action, at.astimezone(JST)).reasons == decision.reasons


# --- a direct reading of SPEC §6 -------------------------------------------------------------


def _standing(timeline: list[tuple[int, Standing]], at: datetime) -> Standing:
    instant = to_micros(at)
    standing = Standing.NONEXISTENT
    for start, value in timeline:
        if start <= instant:
            standing = value
    return standing


def spec_reasons(
    world: World, person_id: str, asset_id: str, action: str, at: datetime
) -> list[Reason]:
    """SPEC §6, rule by rule, read straight off the facts (no compiled state)."""
    ref = world.reference
    person = world.people[person_id]
    asset: Asset = world.assets[asset_id]
    marking = asset.marking_at(at)
    level = marking.level_of(ref)
    nationalities = person.nationalities_at(at)
    releasable = marking.releasable_nations(ref)
    employer_id = person.employer_at(at)
    employer = None if employer_id is None else world.organisations[employer_id]
    out: list[Reason] = []
    # 1. releasable to a nationality (that can receive the level)
    held = [n for n in nationalities if n in releasable and ref.translate(level, n) is not None]
    if not held:
        out.append(Reason.NOT_RELEASABLE)

    # 2. the clearance group
    def below_threshold(nation: str) -> bool:
        translated = ref.translate(level, nation)
        threshold = ref.scheme(nation).personnel_threshold
        return translated is not None and threshold is not None and translated.below(threshold)

    if level.rank and not any(below_threshold(n) for n in held):
        counted = [c for c in person.clearances if c.issuer in releasable]
        standings = [(c, c.standing_at(at)) for c in counted]
        existing = [s for _, s in standings if s is not Standing.NONEXISTENT]
        active = [s for s in existing if s is not Standing.INACTIVE]
        valid = [c for c, s in standings if s is Standing.VALID]

        def covers(clearance: Clearance) -> bool:
            translated = ref.translate(level, clearance.issuer)
            return translated is not None and translated.rank <= clearance.type.ceiling.rank

        if not existing:
            out.append(Reason.CLEARANCE_MISSING)
        elif not active:
            out.append(Reason.CLEARANCE_INACTIVE)
        elif not valid:
            out.append(Reason.CLEARANCE_EXPIRED)
        elif not any(covers(c) for c in valid):
            out.append(Reason.CLEARANCE_INSUFFICIENT)
    # 3. need-to-know
    needed = set(marking.programmes)
    if marking.originator == "NATO" and level.rank >= 1:
        needed.add(NATO_PROGRAMME)

    def participates(programme: str) -> bool:
        nations = world.programmes[programme].nations
        return nations is None or bool(nations & set(nationalities))

    def known(programme: str) -> bool:
        if not participates(programme):
            return False
        if any(r.programme == programme and r.interval.contains(at) for r in person.read_ons):
            return True
        return any(
            programme in v.programmes
            and v.interval.contains(at)
            and v.approved is not None
            and v.approved.contains(at)
            for v in person.visits
        )

    if not all(known(p) for p in needed):
        out.append(Reason.NEED_TO_KNOW)
    # 4. facility clearance (download only)
    if action == "download" and level.rank:
        if employer is None:
            out.append(Reason.FACILITY_CLEARANCE)
        else:
            translated = ref.translate(level, employer.nation)
            threshold = ref.scheme(employer.nation).facility_threshold
            needs = not (
                translated is not None and threshold is not None and translated.below(threshold)
            )

            def facility_covers(f: FacilityClearance) -> bool:
                return (
                    translated is not None
                    and _standing(f.timeline(), at) is Standing.VALID
                    and f.type.ceiling.rank >= translated.rank
                )

            if needs and not any(facility_covers(f) for f in employer.facility_clearances):
                out.append(Reason.FACILITY_CLEARANCE)
    # 5. ITAR
    controls = marking.export_controls
    if {"ITAR", "ITAR-EXCLUDED"} & controls and "USA" not in nationalities:
        aukus = (
            bool({"AUS", "GBR"} & set(nationalities))
            and employer is not None
            and at >= ref.aukus_effective
            and any(p.contains(at) for p in employer.aukus_periods)
            and "ITAR-EXCLUDED" not in controls
        )
        authorisations = [*person.export_authorisations]
        if employer is not None:
            authorisations += employer.export_authorisations
        licensed = any(
            a.regime == "ITAR"
            and a.interval.contains(at)
            and (
                a.asset == asset_id
                or (a.programme is not None and a.programme in marking.programmes)
            )
            for a in authorisations
        )
        if not (aukus or licensed):
            out.append(Reason.EXPORT_AUTHORISATION_REQUIRED)
    # 6. ORCON
    if "ORCON" in marking.caveats:
        approved = any(
            a.interval.contains(at)
            and (
                (a.target is ApprovalTarget.PERSON and a.value == person_id)
                or (a.target is ApprovalTarget.ORGANISATION and a.value == employer_id)
                or (a.target is ApprovalTarget.NATION and a.value in nationalities)
            )
            for a in asset.approvals
        )
        if not approved:
            out.append(Reason.ORIGINATOR_APPROVAL_REQUIRED)
    return out


@given(spec=worlds(), data=st.data())
def test_decide_agrees_with_a_direct_reading_of_the_spec(spec: Spec, data: st.DataObject) -> None:
    ats = data.draw(instants_for(spec), label="instants")
    world = build(spec)
    for (person, asset, action, at), decision in decisions(world, ats).items():
        expected = spec_reasons(world, person, asset, action, at.astimezone(UTC))
        assert list(decision.reasons) == expected, (person, asset, action, at)


@given(pair=time_varying_worlds(), data=st.data())
def test_decide_agrees_with_the_spec_when_facts_change_over_time(
    pair: tuple[Spec, World], data: st.DataObject
) -> None:
    _, world = pair
    ats = data.draw(instants_for(world), label="instants")
    for (person, asset, action, at), decision in decisions(world, ats).items():
        expected = spec_reasons(world, person, asset, action, at.astimezone(UTC))
        assert list(decision.reasons) == expected, (person, asset, action, at)


@given(pair=time_varying_worlds(), action=st.sampled_from(ACTIONS), data=st.data())
def test_reverse_queries_equal_filtering_decide_when_facts_change_over_time(
    pair: tuple[Spec, World], action: str, data: st.DataObject
) -> None:
    _, facts = pair
    world = CompiledWorld(facts)
    for at in data.draw(instants_for(facts, max_size=2), label="instants"):
        for person in world.people:
            expected = {a for a in world.assets if decide(world, person, a, action, at).permit}
            assert set(readable_assets(world, person, action, at)) == expected
        for asset in world.assets:
            expected = {p for p in world.people if decide(world, p, asset, action, at).permit}
            assert set(readers(world, asset, action, at)) == expected


# --- a direct reading of SPEC §3 (clearance standing) -----------------------------------------


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _plus_years(day: datetime, years: int) -> datetime:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def spec_standing(doc: dict[str, Any], validity: int | None, at: datetime) -> Standing:
    """SPEC §3 read straight off a clearance as the scenario file states it."""
    if "history" in doc:
        entries = [(e["status"], _day(e["at"])) for e in doc["history"]]
    else:
        entries = [(doc["status"], _day(doc["granted"]))]
    grants = [
        when
        for i, (status, when) in enumerate(entries)
        if status == "granted" and (i == 0 or entries[i - 1][0] != "suspended")
    ]
    # beside a history that reaches `granted` only by reinstatement, `granted` is the grant date;
    # in the short form it is only the date the status took effect (interim is never a grant)
    hint = _day(doc["granted"]) if "history" in doc and "granted" in doc and not grants else None
    explicit = _day(doc["expires"]) if "expires" in doc else None

    def expiry(t: datetime) -> datetime | None:
        if explicit is not None:
            return explicit
        latest = max((g for g in grants if g <= t), default=hint)
        return None if latest is None or validity is None else _plus_years(latest, validity)

    def expired(t: datetime) -> bool:
        e = expiry(t)
        return e is not None and t >= e

    cv = doc.get("continuous_vetting")
    vetted_from = None if cv is None else _day(cv["from"])
    current = [status for status, when in entries if when <= at]
    if not current:
        return Standing.NONEXISTENT
    if current[-1] not in {"interim", "granted"}:
        return Standing.INACTIVE
    if vetted_from is not None and at >= vetted_from and not expired(vetted_from):
        return Standing.VALID  # continuous vetting: never expires from D on
    return Standing.EXPIRED if expired(at) else Standing.VALID


@given(spec=worlds(), data=st.data())
def test_clearance_standing_follows_the_spec(spec: Spec, data: st.DataObject) -> None:
    world = build(spec)
    ats = data.draw(instants_for(spec, max_size=4), label="instants")
    for person in spec["people"]:
        for doc, clearance in zip(
            person["clearances"], world.people[person["id"]].clearances, strict=True
        ):
            for at in ats:
                expected = spec_standing(doc, clearance.type.validity_years, at.astimezone(UTC))
                assert clearance.standing_at(at) is expected, (doc, at)
    for org in spec["organisations"]:
        facilities = world.organisations[org["id"]].facility_clearances
        for doc, facility in zip(org["facility_clearances"], facilities, strict=True):
            for at in ats:
                # facility clearances expire only at an explicit `expires`
                expected = spec_standing(doc, None, at.astimezone(UTC))
                assert _standing(facility.timeline(), at) is expected, (doc, at)


def test_continuous_vetting_does_not_protect_an_expiry_at_its_start() -> None:
    world = world_from_yaml(
        """
        people:
          - id: P-1
            nationalities: [GBR]
            clearances:
              - {issuer: GBR, type: SC, status: granted, granted: 2024-01-01,
                 expires: 2023-01-01, continuous_vetting: {from: 2023-01-01}}
        """
    )
    clearance = world.people["P-1"].clearances[0]
    assert clearance.standing_at(utc(2025)) is Standing.EXPIRED


def test_continuous_vetting_before_an_earlier_expiry_does_not_revive_it() -> None:
    world = world_from_yaml(
        """
        people:
          - id: P-1
            nationalities: [GBR]
            clearances:
              - {issuer: GBR, type: SC, status: granted, granted: 2024-01-01,
                 expires: 2022-01-01, continuous_vetting: {from: 2023-01-01}}
              - {issuer: GBR, type: SC, status: granted, granted: 2014-01-01,
                 continuous_vetting: {from: 2023-01-01}}
              - {issuer: GBR, type: SC, status: granted, granted: 2014-01-01,
                 continuous_vetting: {from: 2024-01-01}}
        """
    )
    expired_first, vetted_in_time, vetted_too_late = world.people["P-1"].clearances
    assert expired_first.standing_at(utc(2025)) is Standing.EXPIRED
    assert vetted_in_time.standing_at(utc(2030)) is Standing.VALID
    assert vetted_too_late.standing_at(utc(2030)) is Standing.EXPIRED
