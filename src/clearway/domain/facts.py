# SPDX-License-Identifier: Apache-2.0
"""The facts a decision reads, as they are in effect (SPEC §3–§5).

The registry keeps every fact bitemporally (when it took effect, when it was recorded, who and
why); what reaches the domain is the resolved view for one recording horizon ("as now recorded"
or "as recorded at R"): plain values with validity intervals. A :class:`World` bundles them with
the reference data.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from clearway.domain.lifecycle import Standing, StatusEntry, expiry_at, standing_timeline
from clearway.domain.marking import Marking
from clearway.domain.reference import ClearanceType, Reference
from clearway.domain.time import Interval, from_micros, to_micros

__all__ = [
    "ALWAYS",
    "NATO_PROGRAMME",
    "Approval",
    "ApprovalTarget",
    "Asset",
    "Clearance",
    "Employment",
    "ExportAuthorisation",
    "FacilityClearance",
    "MarkingVersion",
    "Nationality",
    "Organisation",
    "Person",
    "Programme",
    "ReadOn",
    "Visit",
    "World",
]

#: The interval that holds at every instant.
ALWAYS = Interval()

#: The built-in programme every store has; a NATO briefing is a read-on to it.
NATO_PROGRAMME = "NATO"


@attrs.frozen
class Clearance:
    """A personnel clearance issued by ``type.nation`` (or a recognised one: see ``recognised``)."""

    id: str
    type: ClearanceType
    history: tuple[StatusEntry, ...]
    continuous_vetting_from: datetime | None = None
    granted_hint: datetime | None = None
    recognised: str | None = None  # the certificate this recognised clearance rests on

    @property
    def issuer(self) -> str:
        """The issuing nation."""
        return self.type.nation

    def timeline(self) -> list[tuple[int, Standing]]:
        """The compiled standing segments of this clearance."""
        return standing_timeline(
            self.history,
            validity_years=self.type.validity_years,
            continuous_vetting_from=self.continuous_vetting_from,
            granted_hint=self.granted_hint,
        )

    def entry_at(self, at: datetime) -> StatusEntry | None:
        """The status entry in effect at ``at`` (``None`` before the clearance exists)."""
        found = None
        for entry in self.history:
            if entry.at <= at:
                found = entry
        return found

    def standing_at(self, at: datetime) -> Standing:
        """What the clearance is worth at ``at``."""
        instant = to_micros(at)
        standing = Standing.NONEXISTENT
        for start, value in self.timeline():
            if start <= instant:
                standing = value
        return standing

    def expiry_at(self, at: datetime) -> datetime | None:
        """The expiry in effect at ``at`` (``None``: it does not expire)."""
        expiry = expiry_at(
            self.history,
            at,
            validity_years=self.type.validity_years,
            continuous_vetting_from=self.continuous_vetting_from,
            granted_hint=self.granted_hint,
        )
        return None if expiry is None else from_micros(expiry)


@attrs.frozen
class FacilityClearance:
    """A facility clearance held by an organisation, issued by its own nation."""

    id: str
    type: ClearanceType
    history: tuple[StatusEntry, ...]

    def timeline(self) -> list[tuple[int, Standing]]:
        """The compiled standing segments (facility clearances expire only when explicit)."""
        return standing_timeline(self.history, validity_years=None)


@attrs.frozen
class Nationality:
    """A nationality held for an interval."""

    nation: str
    interval: Interval = ALWAYS


@attrs.frozen
class Employment:
    """Employment by an organisation for an interval."""

    organisation: str
    interval: Interval = ALWAYS


@attrs.frozen
class ReadOn:
    """A read-on to a programme for an interval (need-to-know)."""

    programme: str
    interval: Interval = ALWAYS


@attrs.frozen
class ExportAuthorisation:
    """An export authorisation of a regime covering one asset or one programme for a period."""

    regime: str
    interval: Interval
    asset: str | None = None
    programme: str | None = None


@attrs.frozen
class Visit:
    """A visit: counts as a read-on to its programmes for its interval while approved."""

    id: str
    visitor: str
    host: str
    programmes: frozenset[str]
    interval: Interval
    approved: Interval | None = None  # when the approval was in effect; None if not approved
    status: str = "approved"  # requested, approved, refused or cancelled (the latest)
    kind: str = "one-time"  # one-time, recurring or emergency


@attrs.frozen
class Person:
    """A person and every fact about them a decision reads."""

    id: str
    nationalities: tuple[Nationality, ...] = ()
    employment: tuple[Employment, ...] = ()
    clearances: tuple[Clearance, ...] = ()
    read_ons: tuple[ReadOn, ...] = ()
    visits: tuple[Visit, ...] = ()
    export_authorisations: tuple[ExportAuthorisation, ...] = ()
    name: str = ""

    def nationalities_at(self, at: datetime) -> list[str]:
        """The nationalities held at ``at``, sorted."""
        return sorted({n.nation for n in self.nationalities if n.interval.contains(at)})

    def employer_at(self, at: datetime) -> str | None:
        """The employing organisation at ``at``, if any."""
        for job in self.employment:
            if job.interval.contains(at):
                return job.organisation
        return None


@attrs.frozen
class Organisation:
    """An organisation of one nation: facility clearances, AUKUS periods, authorisations."""

    id: str
    nation: str
    facility_clearances: tuple[FacilityClearance, ...] = ()
    aukus_periods: tuple[Interval, ...] = ()
    export_authorisations: tuple[ExportAuthorisation, ...] = ()
    name: str = ""


@attrs.frozen
class Programme:
    """A programme (need-to-know); ``nations`` ``None`` means open to every nation."""

    id: str
    nations: frozenset[str] | None
    name: str = ""


class ApprovalTarget(enum.StrEnum):
    """Who an originator approval names."""

    PERSON = "person"
    ORGANISATION = "organisation"
    NATION = "nation"


@attrs.frozen
class Approval:
    """An originator approval releasing one ORCON asset to a person, organisation or nation."""

    asset: str
    target: ApprovalTarget
    value: str
    interval: Interval = ALWAYS


@attrs.frozen
class MarkingVersion:
    """A marking in effect from ``effective`` (``None``: from the beginning)."""

    marking: Marking
    effective: datetime | None = None


@attrs.frozen
class Asset:
    """A piece of information: its marking history and the approvals given for it."""

    id: str
    markings: tuple[MarkingVersion, ...]
    approvals: tuple[Approval, ...] = ()
    title: str = ""

    def marking_at(self, at: datetime) -> Marking:
        """The marking in effect at ``at`` (the first one before any change)."""
        current = self.markings[0].marking
        for version in self.markings[1:]:
            if version.effective is not None and version.effective <= at:
                current = version.marking
        return current


@attrs.frozen
class World:
    """Reference data and every person, organisation, programme and asset, by id."""

    reference: Reference
    people: Mapping[str, Person]
    organisations: Mapping[str, Organisation]
    programmes: Mapping[str, Programme]
    assets: Mapping[str, Asset]
