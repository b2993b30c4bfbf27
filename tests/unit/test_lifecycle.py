# SPDX-License-Identifier: Apache-2.0
"""The clearance lifecycle (SPEC §3): the transition table, reinstatement, terminal statuses,
history validation, grant dates and the expiry timeline a decision reads."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from clearway.domain.lifecycle import (
    ACTIVE,
    Standing,
    Status,
    StatusEntry,
    check_transition,
    grant_dates,
    standing_timeline,
    validate_history,
)
from clearway.domain.time import add_years, to_micros
from clearway.errors import InvalidInputError, TransitionError
from tests.factories import utc

S = Status
MICRO = timedelta(microseconds=1)

# --- SPEC §3: the only allowed transitions --------------------------------------------------

#: The SPEC §3 table, written out; ``suspended`` is handled separately (reinstatement).
SPEC_TABLE: dict[Status, set[Status]] = {
    S.APPLIED: {S.INVESTIGATING, S.WITHDRAWN},
    S.INVESTIGATING: {S.INTERIM, S.GRANTED, S.DENIED, S.WITHDRAWN},
    S.INTERIM: {S.GRANTED, S.DENIED, S.SUSPENDED, S.REVOKED, S.WITHDRAWN},
    S.GRANTED: {S.GRANTED, S.SUSPENDED, S.REVOKED, S.WITHDRAWN},
    S.DENIED: set(),
    S.REVOKED: set(),
    S.WITHDRAWN: set(),
}
TERMINAL = (S.DENIED, S.REVOKED, S.WITHDRAWN)


def entry(status: Status, year: int, month: int = 1, day: int = 1) -> StatusEntry:
    return StatusEntry(status, utc(year, month, day))


def history(*statuses: Status) -> list[StatusEntry]:
    """A history with one entry per status, a year apart from 2010."""
    return [entry(status, 2010 + i) for i, status in enumerate(statuses)]


def pairs(table: dict[Status, set[Status]], allowed: bool) -> list[tuple[Status, Status]]:
    return [(old, new) for old in table for new in Status if (new in table[old]) is allowed]


@pytest.mark.parametrize(("old", "new"), pairs(SPEC_TABLE, allowed=True))
def test_allowed_transition_passes(old: Status, new: Status) -> None:
    check_transition(history(old), new)


@pytest.mark.parametrize(("old", "new"), pairs(SPEC_TABLE, allowed=False))
def test_forbidden_transition_names_both_statuses(old: Status, new: Status) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(history(old), new)
    message = str(caught.value)
    assert f"`{old}`" in message
    assert f"`{new}`" in message


#: From ``suspended``: the status held before (reinstatement), revoked or withdrawn.
SUSPENDED_TABLE: dict[Status, set[Status]] = {
    S.GRANTED: {S.GRANTED, S.REVOKED, S.WITHDRAWN},
    S.INTERIM: {S.INTERIM, S.REVOKED, S.WITHDRAWN},
}


@pytest.mark.parametrize(("before", "new"), pairs(SUSPENDED_TABLE, allowed=True))
def test_from_suspended_allowed(before: Status, new: Status) -> None:
    check_transition(history(before, S.SUSPENDED), new)


@pytest.mark.parametrize(("before", "new"), pairs(SUSPENDED_TABLE, allowed=False))
def test_from_suspended_forbidden(before: Status, new: Status) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(history(before, S.SUSPENDED), new)
    message = str(caught.value)
    assert "`suspended`" in message
    assert f"`{new}`" in message


def test_reinstatement_granted_suspended_granted() -> None:
    validate_history(history(S.GRANTED, S.SUSPENDED, S.GRANTED))


def test_reinstatement_interim_suspended_interim() -> None:
    validate_history(history(S.INTERIM, S.SUSPENDED, S.INTERIM))


def test_no_reinstatement_to_a_status_not_held_before() -> None:
    with pytest.raises(TransitionError, match=r"`suspended`.*`granted`"):
        check_transition(history(S.INTERIM, S.SUSPENDED), S.GRANTED)
    with pytest.raises(TransitionError):
        validate_history(history(S.INVESTIGATING, S.INTERIM, S.SUSPENDED, S.GRANTED))


def test_reinstatement_reads_the_latest_suspension() -> None:
    # interim → granted → suspended: the status before is granted, not interim
    check_transition(history(S.INTERIM, S.GRANTED, S.SUSPENDED), S.GRANTED)
    with pytest.raises(TransitionError):
        check_transition(history(S.INTERIM, S.GRANTED, S.SUSPENDED), S.INTERIM)


def test_suspended_twice_is_not_allowed() -> None:
    with pytest.raises(TransitionError):
        check_transition(history(S.GRANTED, S.SUSPENDED), S.SUSPENDED)


@pytest.mark.parametrize("terminal", TERMINAL)
@pytest.mark.parametrize("new", list(Status))
def test_terminal_statuses_accept_nothing(terminal: Status, new: Status) -> None:
    with pytest.raises(TransitionError, match="terminal"):
        check_transition(history(terminal), new)


@pytest.mark.parametrize("terminal", [S.REVOKED, S.WITHDRAWN])
def test_suspended_then_terminal_is_final(terminal: Status) -> None:
    hist = history(S.GRANTED, S.SUSPENDED, terminal)
    validate_history(hist)
    for new in Status:
        with pytest.raises(TransitionError):
            check_transition(hist, new)


def test_transition_error_is_invalid_input() -> None:
    assert issubclass(TransitionError, InvalidInputError)


def test_active_statuses() -> None:
    assert frozenset({S.INTERIM, S.GRANTED}) == ACTIVE


@pytest.mark.parametrize("first", list(Status))
def test_empty_history_accepts_any_first_status(first: Status) -> None:
    check_transition([], first)
    validate_history([entry(first, 2020)])


# --- validate_history --------------------------------------------------------------------------


def test_validate_history_empty_is_an_error() -> None:
    with pytest.raises(TransitionError, match="at least one entry"):
        validate_history([])


def test_validate_history_full_life() -> None:
    validate_history(
        history(
            S.APPLIED,
            S.INVESTIGATING,
            S.INTERIM,
            S.GRANTED,
            S.GRANTED,
            S.SUSPENDED,
            S.GRANTED,
            S.REVOKED,
        )
    )


def test_validate_history_equal_instants_rejected() -> None:
    same = utc(2020)
    with pytest.raises(TransitionError, match="not after"):
        validate_history([StatusEntry(S.GRANTED, same), StatusEntry(S.SUSPENDED, same)])


def test_validate_history_decreasing_instants_rejected() -> None:
    with pytest.raises(TransitionError, match="entry 2"):
        validate_history([entry(S.GRANTED, 2020), entry(S.SUSPENDED, 2019)])


def test_validate_history_one_microsecond_apart_is_fine() -> None:
    validate_history([entry(S.GRANTED, 2020), StatusEntry(S.SUSPENDED, utc(2020) + MICRO)])


def test_validate_history_rejects_a_bad_later_entry() -> None:
    with pytest.raises(TransitionError, match=r"`applied`.*`granted`"):
        validate_history(history(S.APPLIED, S.GRANTED))
    with pytest.raises(TransitionError, match=r"`revoked`.*`granted`"):
        validate_history(history(S.GRANTED, S.REVOKED, S.GRANTED))


# --- grant dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "grant_years"),
    [
        ((S.INVESTIGATING, S.GRANTED), [2011]),
        ((S.INTERIM, S.GRANTED), [2011]),  # first entry into granted from interim
        ((S.GRANTED,), [2010]),  # an imported history starting granted
        ((S.GRANTED, S.GRANTED), [2010, 2011]),  # revalidation
        ((S.GRANTED, S.SUSPENDED, S.GRANTED), [2010]),  # reinstatement: no new grant
        ((S.GRANTED, S.SUSPENDED, S.GRANTED, S.GRANTED), [2010, 2013]),
        ((S.INTERIM,), []),
        ((S.INTERIM, S.SUSPENDED, S.INTERIM), []),
        ((S.APPLIED, S.INVESTIGATING, S.DENIED), []),
    ],
)
def test_grant_dates(statuses: tuple[Status, ...], grant_years: list[int]) -> None:
    hist = history(*statuses)
    validate_history(hist)
    assert grant_dates(hist) == [utc(year) for year in grant_years]


# --- the standing timeline ----------------------------------------------------------------------


def standing(
    hist: Sequence[StatusEntry],
    at: datetime,
    *,
    years: int | None = 10,
    cv: datetime | None = None,
    hint: datetime | None = None,
) -> Standing:
    """What the clearance is worth at ``at``: the last segment starting at or before it."""
    timeline = standing_timeline(
        hist, validity_years=years, continuous_vetting_from=cv, granted_hint=hint
    )
    instant = to_micros(at)
    found = Standing.NONEXISTENT
    for start, value in timeline:
        if start <= instant:
            found = value
    return found


GRANTED_2020 = [entry(S.GRANTED, 2020)]


def test_nonexistent_before_the_first_entry() -> None:
    assert standing(GRANTED_2020, utc(2020) - MICRO) is Standing.NONEXISTENT
    assert standing(GRANTED_2020, utc(2020)) is Standing.VALID


def test_timeline_starts_at_the_first_entry() -> None:
    timeline = standing_timeline(GRANTED_2020, validity_years=10)
    assert timeline == [
        (to_micros(utc(2020)), Standing.VALID),
        (to_micros(utc(2030)), Standing.EXPIRED),
    ]


def test_timeline_expiry_at_a_status_change() -> None:
    e = to_micros(utc(2020))
    # reinstated exactly at E: expired from the reinstatement, no empty valid segment
    reinstated = [entry(S.GRANTED, 2010), entry(S.SUSPENDED, 2015), entry(S.GRANTED, 2020)]
    assert standing_timeline(reinstated, validity_years=10) == [
        (to_micros(utc(2010)), Standing.VALID),
        (to_micros(utc(2015)), Standing.INACTIVE),
        (e, Standing.EXPIRED),
    ]
    # suspended exactly at E: inactive from then, no empty expired segment
    suspended = [entry(S.GRANTED, 2010), entry(S.SUSPENDED, 2020)]
    assert standing_timeline(suspended, validity_years=10) == [
        (to_micros(utc(2010)), Standing.VALID),
        (e, Standing.INACTIVE),
    ]


def test_default_validity_in_calendar_years_expired_exactly_at_e() -> None:
    expiry = utc(2030)
    assert standing(GRANTED_2020, expiry - MICRO) is Standing.VALID
    assert standing(GRANTED_2020, expiry) is Standing.EXPIRED
    assert standing(GRANTED_2020, utc(2090)) is Standing.EXPIRED


def test_default_validity_counts_years_not_days() -> None:
    # 2020-03-01 + 10 calendar years = 2030-03-01 (not 3650 days, which ends on 2030-02-27)
    hist = [entry(S.GRANTED, 2020, 3, 1)]
    assert standing(hist, utc(2030, 2, 28)) is Standing.VALID
    assert standing(hist, utc(2030, 3, 1) - MICRO) is Standing.VALID
    assert standing(hist, utc(2030, 3, 1)) is Standing.EXPIRED


def test_29_february_becomes_28_february() -> None:
    hist = [entry(S.GRANTED, 2024, 2, 29)]
    assert standing(hist, utc(2034, 2, 28) - MICRO, years=10) is Standing.VALID
    assert standing(hist, utc(2034, 2, 28), years=10) is Standing.EXPIRED
    # into a leap year, 29 February stays
    assert standing(hist, utc(2028, 2, 29) - MICRO, years=4) is Standing.VALID
    assert standing(hist, utc(2028, 2, 29), years=4) is Standing.EXPIRED


def test_grant_date_keeps_the_time_of_day() -> None:
    granted = utc(2020) + timedelta(hours=13)
    hist = [StatusEntry(S.GRANTED, granted)]
    assert standing(hist, utc(2030) + timedelta(hours=13) - MICRO, years=10) is Standing.VALID
    assert standing(hist, utc(2030) + timedelta(hours=13), years=10) is Standing.EXPIRED


def test_no_validity_never_expires() -> None:
    assert standing(GRANTED_2020, utc(2500), years=None) is Standing.VALID


def test_explicit_expires_overrides_a_longer_default() -> None:
    hist = [StatusEntry(S.GRANTED, utc(2020), expires=utc(2022, 6, 1))]
    assert standing(hist, utc(2022, 6, 1) - MICRO) is Standing.VALID
    assert standing(hist, utc(2022, 6, 1)) is Standing.EXPIRED


def test_explicit_expires_overrides_a_shorter_default() -> None:
    hist = [StatusEntry(S.GRANTED, utc(2020), expires=utc(2040))]
    assert standing(hist, utc(2030), years=5) is Standing.VALID
    assert standing(hist, utc(2040) - MICRO, years=5) is Standing.VALID
    assert standing(hist, utc(2040), years=5) is Standing.EXPIRED


def test_explicit_expires_without_any_validity() -> None:
    hist = [StatusEntry(S.GRANTED, utc(2020), expires=utc(2021))]
    assert standing(hist, utc(2021), years=None) is Standing.EXPIRED


def test_revalidation_resets_the_grant_date() -> None:
    hist = [entry(S.GRANTED, 2010), entry(S.GRANTED, 2018)]
    assert standing(hist, utc(2020)) is Standing.VALID  # the first grant alone expired in 2020
    assert standing(hist, utc(2028) - MICRO) is Standing.VALID
    assert standing(hist, utc(2028)) is Standing.EXPIRED


def test_revalidation_after_expiry_makes_it_valid_again() -> None:
    hist = [entry(S.GRANTED, 2010), entry(S.GRANTED, 2022)]
    assert standing(hist, utc(2021)) is Standing.EXPIRED
    assert standing(hist, utc(2022)) is Standing.VALID
    assert standing(hist, utc(2032)) is Standing.EXPIRED


def test_reinstatement_does_not_reset_the_grant_date() -> None:
    hist = [entry(S.GRANTED, 2010), entry(S.SUSPENDED, 2015), entry(S.GRANTED, 2016)]
    assert standing(hist, utc(2015, 6, 1)) is Standing.INACTIVE
    assert standing(hist, utc(2016)) is Standing.VALID
    assert standing(hist, utc(2020) - MICRO) is Standing.VALID
    assert standing(hist, utc(2020)) is Standing.EXPIRED  # 2010 + 10, not 2016 + 10


def test_reinstated_after_expiry_is_expired() -> None:
    hist = [entry(S.GRANTED, 2010), entry(S.SUSPENDED, 2019), entry(S.GRANTED, 2021)]
    assert standing(hist, utc(2020)) is Standing.INACTIVE  # inactive is reported over expired
    assert standing(hist, utc(2021)) is Standing.EXPIRED


def test_first_grant_from_interim_sets_the_grant_date() -> None:
    hist = [entry(S.INTERIM, 2010), entry(S.GRANTED, 2012)]
    assert standing(hist, utc(2011)) is Standing.VALID
    assert standing(hist, utc(2020)) is Standing.VALID  # 2010 + 10 does not apply
    assert standing(hist, utc(2022) - MICRO) is Standing.VALID
    assert standing(hist, utc(2022)) is Standing.EXPIRED


def test_never_granted_interim_has_no_default_expiry() -> None:
    hist = [entry(S.INTERIM, 2000)]
    assert standing(hist, utc(2100), years=5) is Standing.VALID


def test_never_granted_interim_with_explicit_expires() -> None:
    hist = [StatusEntry(S.INTERIM, utc(2000), expires=utc(2005))]
    assert standing(hist, utc(2005) - MICRO, years=5) is Standing.VALID
    assert standing(hist, utc(2005), years=5) is Standing.EXPIRED


def test_interim_suspended_interim_still_has_no_default_expiry() -> None:
    hist = [entry(S.INTERIM, 2000), entry(S.SUSPENDED, 2001), entry(S.INTERIM, 2002)]
    assert standing(hist, utc(2001)) is Standing.INACTIVE
    assert standing(hist, utc(2100), years=1) is Standing.VALID


def test_granted_hint_gives_the_grant_date() -> None:
    # an imported history whose first entry is a suspension: the grant is given beside it
    hist = [entry(S.SUSPENDED, 2015), entry(S.GRANTED, 2016)]
    assert standing(hist, utc(2019), hint=utc(2010)) is Standing.VALID
    assert standing(hist, utc(2020), hint=utc(2010)) is Standing.EXPIRED


@pytest.mark.parametrize(
    "status", [S.APPLIED, S.INVESTIGATING, S.SUSPENDED, S.REVOKED, S.WITHDRAWN, S.DENIED]
)
def test_inactive_statuses(status: Status) -> None:
    assert standing([entry(status, 2020)], utc(2021)) is Standing.INACTIVE


@pytest.mark.parametrize("status", [S.SUSPENDED, S.REVOKED, S.WITHDRAWN])
def test_suspended_or_revoked_is_inactive_from_its_instant(status: Status) -> None:
    hist = [entry(S.GRANTED, 2020), entry(status, 2022)]
    assert standing(hist, utc(2022) - MICRO) is Standing.VALID
    assert standing(hist, utc(2022)) is Standing.INACTIVE
    assert standing(hist, utc(2031)) is Standing.INACTIVE  # never reported expired


# --- continuous vetting ---------------------------------------------------------------------


def test_continuous_vetting_before_expiry_never_expires() -> None:
    for at in (utc(2021), utc(2030) - MICRO, utc(2030), utc(2200)):
        assert standing(GRANTED_2020, at, cv=utc(2029)) is Standing.VALID


def test_continuous_vetting_one_microsecond_before_expiry() -> None:
    assert standing(GRANTED_2020, utc(2100), cv=utc(2030) - MICRO) is Standing.VALID


def test_continuous_vetting_from_before_the_grant() -> None:
    assert standing(GRANTED_2020, utc(2100), cv=utc(2015)) is Standing.VALID


def test_continuous_vetting_exactly_at_expiry_does_not_revive() -> None:
    assert standing(GRANTED_2020, utc(2030), cv=utc(2030)) is Standing.EXPIRED
    assert standing(GRANTED_2020, utc(2040), cv=utc(2030)) is Standing.EXPIRED


def test_continuous_vetting_after_expiry_does_not_revive() -> None:
    assert standing(GRANTED_2020, utc(2031), cv=utc(2032)) is Standing.EXPIRED
    assert standing(GRANTED_2020, utc(2032), cv=utc(2032)) is Standing.EXPIRED
    assert standing(GRANTED_2020, utc(2050), cv=utc(2032)) is Standing.EXPIRED


def test_continuous_vetting_does_not_override_status() -> None:
    hist = [entry(S.GRANTED, 2020), entry(S.SUSPENDED, 2035)]
    assert standing(hist, utc(2034), cv=utc(2025)) is Standing.VALID
    assert standing(hist, utc(2035), cv=utc(2025)) is Standing.INACTIVE


def test_continuous_vetting_survives_a_suspension() -> None:
    hist = [entry(S.GRANTED, 2020), entry(S.SUSPENDED, 2025), entry(S.GRANTED, 2026)]
    assert standing(hist, utc(2040), cv=utc(2024)) is Standing.VALID
    assert standing(hist, utc(2040), cv=None) is Standing.EXPIRED


# --- the timeline against a direct reading of SPEC §3 ---------------------------------------

#: Allowed next statuses (SPEC §3); ``suspended`` goes back to the status held before.
NEXT: dict[Status, tuple[Status, ...]] = {
    old: tuple(sorted(new)) for old, new in SPEC_TABLE.items()
}


def spec_grant(hist: Sequence[StatusEntry], index: int) -> bool:
    """SPEC §3: the first entry into granted (from interim too) or a revalidation; a
    reinstatement (suspended → granted) is not a grant."""
    if hist[index].status is not S.GRANTED:
        return False
    return index == 0 or hist[index - 1].status is not S.SUSPENDED


def spec_expiry(hist: Sequence[StatusEntry], at: datetime, years: int | None) -> datetime | None:
    """E in effect at ``at``: the explicit expiry if given (the scenario loader puts it on the
    first entry and every grant), else the latest grant at or before it plus the validity."""
    if hist[0].expires is not None:
        return hist[0].expires
    grants = [e.at for i, e in enumerate(hist) if e.at <= at and spec_grant(hist, i)]
    if not grants or years is None:
        return None
    return add_years(grants[-1], years)


def spec_expired(hist: Sequence[StatusEntry], at: datetime, years: int | None) -> bool:
    if at < hist[0].at:
        return False  # a clearance that does not exist yet is not expired (no revival needed)
    expiry = spec_expiry(hist, at, years)
    return expiry is not None and at >= expiry


def spec_standing(
    hist: Sequence[StatusEntry], at: datetime, years: int | None, cv: datetime | None
) -> Standing:
    current = [e for e in hist if e.at <= at]
    if not current:
        return Standing.NONEXISTENT
    if current[-1].status not in ACTIVE:
        return Standing.INACTIVE
    if cv is not None and at >= cv and not spec_expired(hist, cv, years):
        return Standing.VALID  # continuous vetting: never expires from D on
    return Standing.EXPIRED if spec_expired(hist, at, years) else Standing.VALID


@st.composite
def histories(draw: st.DrawFn) -> list[StatusEntry]:
    first = draw(st.sampled_from([s for s in Status if s is not S.SUSPENDED]))
    at = utc(2000) + timedelta(days=draw(st.integers(0, 3000)))
    out = [StatusEntry(first, at)]
    for _ in range(draw(st.integers(0, 6))):
        current = out[-1].status
        if current is S.SUSPENDED:
            choices: tuple[Status, ...] = (out[-2].status, S.REVOKED, S.WITHDRAWN)
        else:
            choices = NEXT[current]
        if not choices:
            break
        step = timedelta(days=draw(st.integers(1, 4000)), seconds=draw(st.integers(0, 5)))
        at += step
        out.append(StatusEntry(draw(st.sampled_from(choices)), at))
    return out


@given(
    hist=histories(),
    years=st.sampled_from([None, 1, 5, 10]),
    explicit_days=st.none() | st.integers(1, 15000),
    cv_days=st.none() | st.integers(0, 12000),
    probes=st.lists(st.integers(-100, 15000), max_size=8),
)
def test_timeline_matches_spec(
    hist: list[StatusEntry],
    years: int | None,
    explicit_days: int | None,
    cv_days: int | None,
    probes: list[int],
) -> None:
    validate_history(hist)
    if explicit_days is not None:
        explicit = hist[0].at + timedelta(days=explicit_days)  # after the clearance exists
        hist = [
            StatusEntry(e.status, e.at, explicit) if i == 0 or spec_grant(hist, i) else e
            for i, e in enumerate(hist)
        ]
    cv = None if cv_days is None else utc(2000) + timedelta(days=cv_days)
    instants = [utc(2000) + timedelta(days=d) for d in probes]
    for e in hist:
        instants += [e.at - MICRO, e.at]
        for candidate in (spec_expiry(hist, e.at, years),):
            if candidate is not None:
                instants += [candidate - MICRO, candidate]
    if cv is not None:
        instants += [cv - MICRO, cv]
    for at in instants:
        assert standing(hist, at, years=years, cv=cv) is spec_standing(hist, at, years, cv), at
    timeline = standing_timeline(hist, validity_years=years, continuous_vetting_from=cv)
    assert timeline[0][0] == to_micros(hist[0].at)
    for (start, value), (next_start, next_value) in itertools.pairwise(timeline):
        assert start < next_start  # no empty segments
        assert value is not next_value  # equal neighbours are merged
