# SPDX-License-Identifier: Apache-2.0
"""Between records and domain facts: fact kinds and payloads, and the assembly of domain
records (people, organisations, programmes, assets) from rows as recorded by an instant.

The only module that knows both the record shapes and the domain types.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import attrs

from clearway.domain.facts import (
    Approval,
    ApprovalTarget,
    Asset,
    Clearance,
    Employment,
    ExportAuthorisation,
    FacilityClearance,
    MarkingVersion,
    Nationality,
    Organisation,
    Person,
    Programme,
    ReadOn,
    Visit,
)
from clearway.domain.lifecycle import Status, StatusEntry
from clearway.domain.marking import Marking
from clearway.domain.reference import Reference
from clearway.domain.time import Interval

__all__ = [
    "Assembler",
    "FactRow",
    "Kind",
    "current",
    "instant",
    "iso",
    "marking_from_payload",
    "owner_of",
    "subject",
]


class Kind(enum.StrEnum):
    """Fact kinds; payload keys in brackets (instants as ISO 8601 UTC strings)."""

    NATIONALITY = "nationality"  # person: {nation, from, until}
    EMPLOYMENT = "employment"  # person: {organisation, from, until}
    READ_ON = "read_on"  # person: {programme, from, until}
    CLEARANCE_STATUS = "clearance_status"  # clearance: {status, expires}
    CONTINUOUS_VETTING = "continuous_vetting"  # clearance: {from}
    FACILITY_STATUS = "facility_status"  # facility: {status, expires}
    AUKUS_PERIOD = "aukus_period"  # organisation: {from, until}
    EXPORT_AUTHORISATION = (
        "export_authorisation"  # person|organisation: {regime, asset, programme, from, until}
    )
    MARKING = "marking"  # asset: the structured marking
    APPROVAL = "approval"  # asset: {target, value, from, until}
    VISIT_STATUS = "visit_status"  # visit: {status}


def subject(kind: str, ident: str) -> str:
    """The subject key of a record: ``person:P-1``, ``clearance:P-1/CLR-1``…"""
    return f"{kind}:{ident}"


def owner_of(key: str) -> tuple[str, str]:
    """``("person", "P-1")`` from ``"person:P-1"``."""
    kind, _, ident = key.partition(":")
    return kind, ident


def iso(value: datetime | None) -> str | None:
    """An instant as ISO 8601 UTC text, for payloads."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def instant(value: Any) -> datetime | None:
    """A payload instant back as an aware datetime."""
    if value is None:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class FactLike(Protocol):
    """What assembly reads of a fact row (a record, or a lightweight copy)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def effective_at(self) -> datetime | None: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def supersedes(self) -> int | None: ...
    @property
    def retracted(self) -> bool: ...


@attrs.frozen
class FactRow:
    """A fact row detached from the session."""

    id: int
    kind: str
    subject: str
    payload: dict[str, Any]
    effective_at: datetime | None
    recorded_at: datetime
    supersedes: int | None
    retracted: bool

    @classmethod
    def of(cls, record: FactLike) -> FactRow:
        """A detached copy of ``record``."""
        return cls(
            record.id,
            record.kind,
            record.subject,
            record.payload,
            record.effective_at,
            record.recorded_at,
            record.supersedes,
            record.retracted,
        )


def current(facts: Iterable[FactLike], *, recorded_by: datetime | None = None) -> list[FactLike]:
    """The facts in force as recorded by ``recorded_by`` (``None``: as now recorded): those
    recorded by then, less the ones a correction recorded by then supersedes, less
    retractions."""
    visible = [f for f in facts if recorded_by is None or f.recorded_at <= recorded_by]
    superseded = {f.supersedes for f in visible if f.supersedes is not None}
    return [f for f in visible if f.id not in superseded and not f.retracted]


def _interval(payload: Mapping[str, Any]) -> Interval:
    return Interval(instant(payload.get("from")), instant(payload.get("until")))


def marking_from_payload(payload: Mapping[str, Any]) -> Marking:
    """The structured marking stored in a ``marking`` fact."""
    return Marking(
        originator=payload["originator"],
        level=payload["level"],
        releasable_to=frozenset(payload["releasable_to"]),
        caveats=frozenset(payload.get("caveats", ())),
        programmes=frozenset(payload.get("programmes", ())),
        export_controls=frozenset(payload.get("export_controls", ())),
        fgi=frozenset(payload.get("fgi", ())),
    )


@attrs.frozen
class PersonRows:
    """What assembling a person reads."""

    id: str
    name: str
    clearances: Sequence[tuple[str, str, str, datetime | None, str | None]]  # id, issuer, type…
    visits: Sequence[tuple[str, str, list[str], datetime, datetime | None, str]]  # id, host…


class Assembler:
    """Builds domain records from rows; interns identical markings to save memory."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self._markings: dict[tuple[Any, ...], Marking] = {}

    def marking(self, payload: Mapping[str, Any]) -> Marking:
        """The (interned) marking of a payload."""
        key = (
            payload["originator"],
            payload["level"],
            tuple(payload["releasable_to"]),
            tuple(payload.get("caveats", ())),
            tuple(payload.get("programmes", ())),
            tuple(payload.get("export_controls", ())),
            tuple(payload.get("fgi", ())),
        )
        found = self._markings.get(key)
        if found is None:
            found = self._markings[key] = marking_from_payload(payload)
        return found

    @staticmethod
    def _by_kind(facts: Iterable[FactLike]) -> dict[str, list[FactLike]]:
        out: dict[str, list[FactLike]] = {}
        for fact in facts:
            out.setdefault(fact.kind, []).append(fact)
        return out

    @staticmethod
    def _history(facts: Iterable[FactLike], key: str) -> tuple[StatusEntry, ...]:
        entries = [
            StatusEntry(
                Status(f.payload["status"]),
                f.effective_at,
                instant(f.payload.get("expires")),
            )
            for f in facts
            if f.subject == key and f.effective_at is not None
        ]
        return tuple(sorted(entries, key=lambda e: e.at))

    def export_authorisations(self, facts: Iterable[FactLike]) -> tuple[ExportAuthorisation, ...]:
        """Export authorisations from their facts."""
        return tuple(
            ExportAuthorisation(
                regime=f.payload["regime"],
                interval=_interval(f.payload),
                asset=f.payload.get("asset"),
                programme=f.payload.get("programme"),
            )
            for f in facts
        )

    def person(self, rows: PersonRows, facts: Sequence[FactLike]) -> Person:
        """A person from their rows and their current facts (own, clearances', visits')."""
        kinds = self._by_kind(facts)
        clearances = []
        for ident, issuer, type_name, hint, recognised in rows.clearances:
            key = subject("clearance", ident)
            history = self._history(kinds.get(Kind.CLEARANCE_STATUS, ()), key)
            if not history:
                continue  # never given a status: does not exist yet
            cv = [f for f in kinds.get(Kind.CONTINUOUS_VETTING, ()) if f.subject == key]
            clearances.append(
                Clearance(
                    id=ident,
                    type=self.reference.scheme(issuer).clearance_type(type_name),
                    history=history,
                    continuous_vetting_from=instant(cv[-1].payload["from"]) if cv else None,
                    granted_hint=hint,
                    recognised=recognised,
                )
            )
        visits = []
        for ident, host, programmes, start, end, kind in rows.visits:
            key = subject("visit", ident)
            statuses = sorted(
                (f for f in kinds.get(Kind.VISIT_STATUS, ()) if f.subject == key),
                key=lambda f: (f.effective_at is not None, f.effective_at or start),
            )
            visits.append(
                Visit(
                    id=ident,
                    visitor=rows.id,
                    host=host,
                    programmes=frozenset(programmes),
                    interval=Interval(start, end),
                    approved=_approved(statuses),
                    status=statuses[-1].payload["status"] if statuses else "requested",
                    kind=kind,
                )
            )
        return Person(
            id=rows.id,
            nationalities=tuple(
                Nationality(f.payload["nation"], _interval(f.payload))
                for f in kinds.get(Kind.NATIONALITY, ())
            ),
            employment=tuple(
                Employment(f.payload["organisation"], _interval(f.payload))
                for f in kinds.get(Kind.EMPLOYMENT, ())
            ),
            clearances=tuple(clearances),
            read_ons=tuple(
                ReadOn(f.payload["programme"], _interval(f.payload))
                for f in kinds.get(Kind.READ_ON, ())
            ),
            visits=tuple(visits),
            export_authorisations=self.export_authorisations(
                kinds.get(Kind.EXPORT_AUTHORISATION, ())
            ),
            name=rows.name,
        )

    def organisation(
        self,
        ident: str,
        nation: str,
        name: str,
        facilities: Sequence[tuple[str, str]],
        facts: Sequence[FactLike],
    ) -> Organisation:
        """An organisation from its row, facility clearance rows and current facts."""
        kinds = self._by_kind(facts)
        scheme = self.reference.scheme(nation)
        clearances = []
        for facility_id, type_name in facilities:
            history = self._history(
                kinds.get(Kind.FACILITY_STATUS, ()), subject("facility", facility_id)
            )
            if history:
                ctype = scheme.clearance_type(type_name, facility=True)
                clearances.append(FacilityClearance(facility_id, ctype, history))
        return Organisation(
            id=ident,
            nation=nation,
            facility_clearances=tuple(clearances),
            aukus_periods=tuple(_interval(f.payload) for f in kinds.get(Kind.AUKUS_PERIOD, ())),
            export_authorisations=self.export_authorisations(
                kinds.get(Kind.EXPORT_AUTHORISATION, ())
            ),
            name=name,
        )

    @staticmethod
    def programme(ident: str, name: str, nations: list[str] | None) -> Programme:
        """A programme from its row."""
        return Programme(ident, None if nations is None else frozenset(nations), name)

    def asset(self, ident: str, title: str, facts: Sequence[FactLike]) -> Asset | None:
        """An asset from its row and current facts (``None`` if it has no marking)."""
        kinds = self._by_kind(facts)
        versions = sorted(
            kinds.get(Kind.MARKING, ()),
            key=lambda f: (f.effective_at is not None, f.effective_at, f.id),
        )
        if not versions:
            return None
        return Asset(
            id=ident,
            markings=tuple(
                MarkingVersion(self.marking(f.payload), f.effective_at) for f in versions
            ),
            approvals=tuple(
                Approval(
                    asset=ident,
                    target=ApprovalTarget(f.payload["target"]),
                    value=f.payload["value"],
                    interval=_interval(f.payload),
                )
                for f in kinds.get(Kind.APPROVAL, ())
            ),
            title=title,
        )


def _approved(statuses: Sequence[FactLike]) -> Interval | None:
    """When a visit's approval was in effect, from its status facts in time order."""
    start: datetime | None = None
    approved = False
    for fact in statuses:
        status = fact.payload["status"]
        if status == "approved" and not approved:
            approved, start = True, fact.effective_at
        elif status != "approved" and approved:
            return Interval(start, fact.effective_at)
    return Interval(start, None) if approved else None
