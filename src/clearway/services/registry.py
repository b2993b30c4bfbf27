# SPDX-License-Identifier: Apache-2.0
"""Every change to the registry, on behalf of an explicit acting principal (SPEC §1, §3–§5).

Each method is one transaction: the change, its facts and its audit entry commit together or not
at all. A refused change (sovereignty or scope) raises :class:`NotPermittedError`, changes
nothing, and is audited in a transaction of its own. Who may do what is listed in
``docs/registry.md``; the rules themselves are :mod:`clearway.domain.principals`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import attrs
from sqlalchemy.orm import Session

from clearway.audit.chain import AuditEntry
from clearway.domain.lifecycle import (
    CLEARANCE_VERBS,
    Standing,
    Status,
    StatusEntry,
    check_transition,
    validate_history,
)
from clearway.domain.marking import Marking
from clearway.domain.principals import (
    SYSTEM_IMPORT,
    Principal,
    Role,
    require_any_authority,
    require_authority,
    require_authority_or_officer,
    require_manager,
)
from clearway.domain.time import Interval, as_instant
from clearway.errors import ConflictError, InvalidInputError, NotFoundError, NotPermittedError
from clearway.persistence.mappers import Assembler, Kind, current, instant, iso, subject
from clearway.persistence.models import (
    AssetRecord,
    ClearanceRecord,
    FacilityClearanceRecord,
    FactRecord,
    OrganisationRecord,
    PersonRecord,
    ProgrammeRecord,
    VisitRecord,
)
from clearway.persistence.repositories import AuditRepository, FactRepository, IdentityRepository
from clearway.persistence.uow import UnitOfWork
from clearway.services.loading import load_records
from clearway.services.store import Store

__all__ = ["RegistryService"]

_T = TypeVar("_T")


#: Fact kinds whose interval a correction may change. What a fact is about (a nation, an
#: organisation, a programme) is never corrected in place: retract it and record the right one,
#: which the permission rules of that change then check.
_CORRECTABLE = {
    Kind.NATIONALITY,
    Kind.EMPLOYMENT,
    Kind.READ_ON,
    Kind.AUKUS_PERIOD,
    Kind.EXPORT_AUTHORISATION,
    Kind.APPROVAL,
}
_INTERVAL_KEYS = {"from", "until"}


@attrs.define
class _Context:
    """One transaction of a change: its unit of work, principal and audit entries."""

    uow: UnitOfWork
    principal: Principal
    reason: str
    audit: list[AuditEntry] = attrs.Factory(list)

    @property
    def session(self) -> Session:
        return self.uow.session

    @property
    def ids(self) -> IdentityRepository:
        return IdentityRepository(self.uow.session)

    @property
    def facts(self) -> FactRepository:
        return FactRepository(self.uow.session)

    def record(self, event: str, subject_id: str, **detail: Any) -> None:
        """Queue the audit entry of this change."""
        detail = {k: v for k, v in detail.items() if v is not None}
        if self.reason:
            detail["reason"] = self.reason
        self.audit.append(
            AuditEntry(0, self.uow.now, str(self.principal), event, subject_id, "ok", detail)
        )

    def stamp(self) -> dict[str, Any]:
        """The recording columns of a new identity row."""
        return {"recorded_at": self.uow.now, "txn": self.uow.txn, "actor": str(self.principal)}

    def interval_fact(
        self,
        kind: Kind,
        owner: str,
        payload: dict[str, Any],
        begin: datetime | None,
        end: datetime | None,
    ) -> FactRecord:
        """Append a fact about ``owner`` holding for ``[begin, end)`` (validated)."""
        finish = None if end is None else as_instant(end)
        lo, hi = _interval(begin, finish)
        return self.fact(kind, owner, owner, {**payload, "from": lo, "until": hi}, begin)

    def fact(
        self,
        kind: Kind,
        subject_key: str,
        owner: str,
        payload: dict[str, Any],
        effective_at: datetime | None,
        *,
        supersedes: int | None = None,
        retracted: bool = False,
    ) -> FactRecord:
        """Append a fact stamped with this transaction."""
        return self.facts.add(
            FactRecord(
                txn=self.uow.txn,
                kind=kind.value,
                subject=subject_key,
                owner=owner,
                payload=payload,
                effective_at=effective_at,
                recorded_at=self.uow.now,
                actor=str(self.principal),
                reason=self.reason,
                supersedes=supersedes,
                retracted=retracted,
            )
        )


def _interval(start: datetime | None, end: datetime | None) -> tuple[str | None, str | None]:
    Interval(start, end)  # validates the order
    return iso(start), iso(end)


def _effective(fact: FactRecord) -> datetime:
    """A status fact's effective instant (status facts always carry one)."""
    assert fact.effective_at is not None
    return fact.effective_at


def _entries(facts: Iterable[FactRecord]) -> list[StatusEntry]:
    """Status facts (in time order) as history entries."""
    return [StatusEntry(Status(f.payload["status"]), _effective(f)) for f in facts]


def _check_expires(expires: datetime | None, status: Status, what: str) -> None:
    """An explicit expiry belongs to a grant (or an interim eligibility): anywhere else it
    would have no effect, so it is refused rather than silently ignored."""
    if expires is not None and status not in (Status.GRANTED, Status.INTERIM):
        msg = f"an explicit expiry goes with a grant or an interim eligibility, not with {what}"
        raise InvalidInputError(msg)


def _code(text: str) -> str:
    return text.strip().upper()


class RegistryService:
    """The registry's write side."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.reference = store.reference

    # --- plumbing ------------------------------------------------------------------------

    def _change(
        self,
        principal: Principal,
        event: str,
        subject_id: str,
        reason: str,
        work: Callable[[_Context], _T],
    ) -> _T:
        """Run ``work`` as one audited transaction; audit a refusal on its own."""
        try:
            if principal == SYSTEM_IMPORT:
                msg = "system:import acts only through a whole-world import"
                raise NotPermittedError(msg)
            with self.store.write() as uow:
                # Take the writer lock (the change counter) before reading anything, so that
                # what the change checks cannot move before it commits.
                uow.txn  # noqa: B018 - bumps and locks the counter
                context = _Context(uow, principal, reason)
                result = work(context)
                AuditRepository(uow.session).append(context.audit)
            return result
        except NotPermittedError as exc:
            self._refusal(principal, event, subject_id, exc)
            raise

    def _refusal(self, principal: Principal, event: str, subject_id: str, exc: Exception) -> None:
        with self.store.write() as uow:
            entry = AuditEntry(
                0, uow.now, str(principal), event, subject_id, "refused", {"error": str(exc)}
            )
            AuditRepository(uow.session).append([entry])

    def _nation(self, code: str) -> str:
        nation = _code(code)
        if nation not in self.reference.countries:
            raise InvalidInputError(f"unknown country code `{code}`")
        return nation

    def _when(self, value: datetime | None, ctx: _Context) -> datetime:
        return ctx.uow.now if value is None else as_instant(value)

    @staticmethod
    def _current(ctx: _Context, owner: str, kind: Kind) -> list[FactRecord]:
        facts = [f for f in ctx.facts.for_owners([owner]) if f.kind == kind.value]
        return [f for f in current(facts) if isinstance(f, FactRecord)]

    def _employer_now(self, ctx: _Context, person: str) -> str | None:
        now = ctx.uow.now
        for fact in self._current(ctx, subject("person", person), Kind.EMPLOYMENT):
            start, end = instant(fact.payload.get("from")), instant(fact.payload.get("until"))
            if (start is None or start <= now) and (end is None or now < end):
                return str(fact.payload["organisation"])
        return None

    def _require_attestor(
        self, ctx: _Context, nations: Iterable[str], organisations: Iterable[str], action: str
    ) -> None:
        """A nationality N is attested by N's authority, or by the officer of an organisation
        of nation N that employs the person (its industrial security regime is N's)."""
        principal = ctx.principal
        for nation in sorted(set(nations)):
            own = [
                o.id
                for o in (ctx.ids.get_or_none(OrganisationRecord, i) for i in organisations)
                if o is not None and o.nation == nation
            ]
            require_authority_or_officer(principal, [nation], own, f"{action} ({nation})")

    # --- organisations and people ----------------------------------------------------------

    def add_organisation(
        self, principal: Principal, ident: str, nation: str, name: str = "", reason: str = ""
    ) -> None:
        """Register an organisation (its nation's authority)."""

        def work(ctx: _Context) -> None:
            code = self._nation(nation)
            require_authority(principal, code, f"register an organisation of {code}")
            self.reference.scheme(code)  # facility clearances need the nation's scheme
            ctx.ids.add(OrganisationRecord(id=ident, nation=code, name=name, **ctx.stamp()))
            ctx.record("organisation:add", ident, nation=code)

        self._change(principal, "organisation:add", ident, reason, work)

    def add_person(
        self,
        principal: Principal,
        ident: str,
        nationalities: Iterable[str],
        *,
        name: str = "",
        employer: str | None = None,
        since: datetime | None = None,
        reason: str = "",
    ) -> None:
        """Register a person with their nationalities (and employer). Each nationality is
        attested by its nation's authority, or by the officer of an employer of that nation."""

        def work(ctx: _Context) -> None:
            codes = sorted({self._nation(n) for n in nationalities})
            if not codes:
                raise InvalidInputError("a person needs at least one nationality")
            if employer is not None:
                ctx.ids.get(OrganisationRecord, employer)
            orgs = [employer] if employer else []
            self._require_attestor(ctx, codes, orgs, "register a national")
            ctx.ids.add(PersonRecord(id=ident, name=name, **ctx.stamp()))
            owner = subject("person", ident)
            start = None if since is None else as_instant(since)
            for code in codes:
                payload = {"nation": code, "from": iso(start), "until": None}
                ctx.fact(Kind.NATIONALITY, owner, owner, payload, start)
            if employer is not None:
                payload = {"organisation": employer, "from": iso(start), "until": None}
                ctx.fact(Kind.EMPLOYMENT, owner, owner, payload, start)
            ctx.record("person:add", ident, nationalities=codes, employer=employer)

        self._change(principal, "person:add", ident, reason, work)

    def add_nationality(
        self,
        principal: Principal,
        person: str,
        nation: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        reason: str = "",
    ) -> int:
        """Record a nationality held from ``start`` (its authority, or the officer of an employer
        of that nation)."""

        def work(ctx: _Context) -> int:
            code = self._nation(nation)
            ctx.ids.get(PersonRecord, person)
            employer = self._employer_now(ctx, person)
            self._require_attestor(
                ctx, [code], [employer] if employer else [], "record nationality"
            )
            owner = subject("person", person)
            begin = None if start is None else as_instant(start)
            fact = ctx.interval_fact(Kind.NATIONALITY, owner, {"nation": code}, begin, end)
            ctx.record("nationality:add", person, nation=code, fact=fact.id)
            return fact.id

        return self._change(principal, "nationality:add", person, reason, work)

    def end_nationality(
        self, principal: Principal, person: str, nation: str, end: datetime, reason: str = ""
    ) -> int:
        """Record that a nationality was given up at ``end``."""
        code = _code(nation)
        return self._end_interval(
            principal, person, Kind.NATIONALITY, "nation", code, end, reason, "nationality:end"
        )

    def join(
        self,
        principal: Principal,
        person: str,
        organisation: str,
        *,
        start: datetime | None = None,
        reason: str = "",
    ) -> int:
        """Record that ``person`` joined ``organisation`` (its officer or its nation's authority).
        A person has one employer at a time: leave first."""

        def work(ctx: _Context) -> int:
            ctx.ids.get(PersonRecord, person)
            org = ctx.ids.get(OrganisationRecord, organisation)
            require_authority_or_officer(principal, [org.nation], [org.id], f"employ at {org.id}")
            begin = self._when(start, ctx)
            owner = subject("person", person)
            for fact in self._current(ctx, owner, Kind.EMPLOYMENT):
                end = instant(fact.payload.get("until"))
                if end is None or end > begin:
                    other = fact.payload["organisation"]
                    msg = f"`{person}` is employed by `{other}` then; record leaving it first"
                    raise ConflictError(msg)
            payload = {"organisation": org.id, "from": iso(begin), "until": None}
            fact = ctx.fact(Kind.EMPLOYMENT, owner, owner, payload, begin)
            ctx.record("employment:join", person, organisation=org.id, fact=fact.id)
            return fact.id

        return self._change(principal, "employment:join", person, reason, work)

    def leave(
        self,
        principal: Principal,
        person: str,
        organisation: str,
        *,
        end: datetime | None = None,
        reason: str = "",
    ) -> int:
        """Record that ``person`` left ``organisation`` at ``end``."""

        def authorise(ctx: _Context) -> None:
            org = ctx.ids.get(OrganisationRecord, organisation)
            require_authority_or_officer(
                principal, [org.nation], [org.id], f"end employment at {org.id}"
            )

        return self._end_interval(
            principal,
            person,
            Kind.EMPLOYMENT,
            "organisation",
            organisation,
            end,
            reason,
            "employment:leave",
            authorise,
        )

    def _end_interval(
        self,
        principal: Principal,
        person: str,
        kind: Kind,
        key: str,
        value: str,
        end: datetime | None,
        reason: str,
        event: str,
        authorise: Callable[[_Context], None] | None = None,
    ) -> int:
        def work(ctx: _Context) -> int:
            ctx.ids.get(PersonRecord, person)
            if authorise is not None:
                authorise(ctx)
            elif kind is Kind.NATIONALITY:
                employer = self._employer_now(ctx, person)
                self._require_attestor(
                    ctx, [value], [employer] if employer else [], "end nationality"
                )
            elif kind is Kind.READ_ON:
                require_manager(principal, value, f"read people off {value}")
            finish = self._when(end, ctx)
            owner = subject("person", person)
            open_facts = [
                f
                for f in self._current(ctx, owner, kind)
                if f.payload.get(key) == value and f.payload.get("until") is None
            ]
            if not open_facts:
                raise NotFoundError(
                    f"`{person}` has no open {kind.value.replace('_', '-')} for `{value}`"
                )
            fact = open_facts[-1]
            payload = dict(fact.payload)
            payload["until"] = _interval(instant(payload.get("from")), finish)[1]
            new = ctx.fact(
                kind, fact.subject, owner, payload, fact.effective_at, supersedes=fact.id
            )
            ctx.record(event, person, **{key: value, "until": payload["until"], "fact": new.id})
            return new.id

        return self._change(principal, event, person, reason, work)

    # --- clearances ------------------------------------------------------------------------

    def add_clearance(
        self,
        principal: Principal,
        person: str,
        issuer: str,
        clearance_type: str,
        *,
        status: Status = Status.APPLIED,
        at: datetime | None = None,
        expires: datetime | None = None,
        reason: str = "",
    ) -> str:
        """Open a clearance for ``person`` with its first status (``applied`` by default; an
        authority may record an existing one as ``granted``). The issuer's authority may; the
        employer's officer may only apply."""

        def work(ctx: _Context) -> str:
            _check_expires(expires, status, f"`{status.value}`")
            nation = self._nation(issuer)
            ctype = self.reference.scheme(nation).clearance_type(clearance_type)
            ctx.ids.get(PersonRecord, person)
            if status is Status.APPLIED:
                employer = self._employer_now(ctx, person)
                require_authority_or_officer(
                    principal,
                    [nation],
                    [employer] if employer else [],
                    f"apply for a {nation} clearance",
                )
            else:
                require_authority(principal, nation, f"record a {nation} clearance")
            count = len(ctx.ids.clearances_of(person))
            ident = f"{person}/CLR-{count + 1}"
            ctx.ids.add(
                ClearanceRecord(
                    id=ident,
                    person_id=person,
                    issuer=nation,
                    type=ctype.name,
                    version=0,
                    **ctx.stamp(),
                )
            )
            when = self._when(at, ctx)
            payload = {
                "status": status.value,
                "expires": iso(None if expires is None else as_instant(expires)),
            }
            owner = subject("person", person)
            ctx.fact(Kind.CLEARANCE_STATUS, subject("clearance", ident), owner, payload, when)
            ctx.record(
                "clearance:add",
                ident,
                person=person,
                type=f"{nation} {ctype.name}",
                status=status.value,
            )
            return ident

        return self._change(principal, "clearance:add", person, reason, work)

    def _history(self, ctx: _Context, key: str, owner: str) -> list[FactRecord]:
        facts = [f for f in ctx.facts.for_owners([owner]) if f.subject == key]
        kinds = {Kind.CLEARANCE_STATUS.value, Kind.FACILITY_STATUS.value}
        live = [f for f in current(facts) if isinstance(f, FactRecord) and f.kind in kinds]
        return sorted(live, key=_effective)

    def transition(
        self,
        principal: Principal,
        clearance: str,
        verb: str,
        *,
        at: datetime | None = None,
        expires: datetime | None = None,
        expected_version: int | None = None,
        reason: str = "",
    ) -> Status:
        """Apply a named transition (``grant``, ``suspend``, ``reinstate``…) to a personnel
        clearance, effective ``at`` (default now). Only the issuer's authority may. With
        ``expected_version``, a clearance changed meanwhile is a :class:`ConflictError`."""
        return self._transition(
            principal, clearance, verb, at, expires, expected_version, reason, facility=False
        )

    def facility_transition(
        self,
        principal: Principal,
        clearance: str,
        verb: str,
        *,
        at: datetime | None = None,
        expires: datetime | None = None,
        expected_version: int | None = None,
        reason: str = "",
    ) -> Status:
        """:meth:`transition` for a facility clearance (its organisation's nation may)."""
        return self._transition(
            principal, clearance, verb, at, expires, expected_version, reason, facility=True
        )

    def _transition(
        self,
        principal: Principal,
        clearance: str,
        verb: str,
        at: datetime | None,
        expires: datetime | None,
        expected_version: int | None,
        reason: str,
        *,
        facility: bool,
    ) -> Status:
        if verb not in CLEARANCE_VERBS:
            known = ", ".join(CLEARANCE_VERBS)
            raise InvalidInputError(f"unknown transition `{verb}` (known: {known})")
        kind_name = "facility" if facility else "clearance"
        noun = "facility clearance" if facility else "clearance"

        def work(ctx: _Context) -> Status:
            record: ClearanceRecord | FacilityClearanceRecord
            if facility:
                record = ctx.ids.get(FacilityClearanceRecord, clearance)
                org = ctx.ids.get(OrganisationRecord, record.organisation_id)
                nation, owner = org.nation, subject("organisation", org.id)
                fact_kind = Kind.FACILITY_STATUS
            else:
                record = ctx.ids.get(ClearanceRecord, clearance)
                nation, owner = record.issuer, subject("person", record.person_id)
                fact_kind = Kind.CLEARANCE_STATUS
            require_authority(principal, nation, f"{verb} a {nation} {noun}")
            if expected_version is not None and expected_version != record.version:
                msg = (
                    f"{noun} `{clearance}` was changed meanwhile (expected version"
                    f" {expected_version}, now {record.version}); reload"
                )
                raise ConflictError(msg)
            version = record.version
            key = subject(kind_name, clearance)
            facts = self._history(ctx, key, owner)
            history = _entries(facts)
            when = self._when(at, ctx)
            target = self._target(verb, history)
            if expires is not None and verb not in ("grant", "interim", "revalidate"):
                msg = (
                    f"an explicit expiry goes with a grant or an interim eligibility, not `{verb}`"
                )
                raise InvalidInputError(msg)
            if history and when <= history[-1].at:
                last = iso(history[-1].at)
                msg = f"`{verb}` at {iso(when)} is not after the last status change ({last})"
                raise InvalidInputError(msg)
            check_transition(history, target)
            validate_history([*history, StatusEntry(target, when)])
            ctx.ids.bump_version(type(record), clearance, version)
            payload = {
                "status": target.value,
                "expires": iso(None if expires is None else as_instant(expires)),
            }
            fact = ctx.fact(fact_kind, key, owner, payload, when)
            ctx.record(
                f"{kind_name}:{verb}", clearance, status=target.value, at=iso(when), fact=fact.id
            )
            return target

        return self._change(principal, f"{kind_name}:{verb}", clearance, reason, work)

    @staticmethod
    def _target(verb: str, history: list[StatusEntry]) -> Status:
        current_status = history[-1].status if history else None
        if verb == "reinstate":
            if current_status is not Status.SUSPENDED:
                raise InvalidInputError(
                    f"only a suspended clearance can be reinstated (it is `{current_status}`)"
                )
            before = next(
                (e.status for e in reversed(history) if e.status is not Status.SUSPENDED), None
            )
            return before if before is not None else Status.GRANTED
        if verb == "revalidate" and current_status is not Status.GRANTED:
            raise InvalidInputError(
                f"only a granted clearance can be revalidated (it is `{current_status}`)"
            )
        if verb == "grant" and current_status is Status.GRANTED:
            raise InvalidInputError("the clearance is already granted; use `revalidate`")
        if verb in ("grant", "interim") and current_status is Status.SUSPENDED:
            raise InvalidInputError("the clearance is suspended; use `reinstate`")
        target = CLEARANCE_VERBS[verb]
        assert target is not None
        return target

    def set_continuous_vetting(
        self, principal: Principal, clearance: str, start: datetime, reason: str = ""
    ) -> int:
        """Enrol a clearance in continuous vetting from ``start`` (its issuer's authority)."""

        def work(ctx: _Context) -> int:
            record = ctx.ids.get(ClearanceRecord, clearance)
            require_authority(
                principal, record.issuer, f"enrol a {record.issuer} clearance in continuous vetting"
            )
            begin = as_instant(start)
            fact = ctx.fact(
                Kind.CONTINUOUS_VETTING,
                subject("clearance", clearance),
                subject("person", record.person_id),
                {"from": iso(begin)},
                begin,
            )
            ctx.record("clearance:continuous-vetting", clearance, start=iso(begin), fact=fact.id)
            return fact.id

        return self._change(principal, "clearance:continuous-vetting", clearance, reason, work)

    def add_facility_clearance(
        self,
        principal: Principal,
        organisation: str,
        clearance_type: str,
        *,
        status: Status = Status.APPLIED,
        at: datetime | None = None,
        expires: datetime | None = None,
        reason: str = "",
    ) -> str:
        """Open a facility clearance for an organisation (its nation's authority)."""

        def work(ctx: _Context) -> str:
            _check_expires(expires, status, f"`{status.value}`")
            org = ctx.ids.get(OrganisationRecord, organisation)
            require_authority(principal, org.nation, f"record a {org.nation} facility clearance")
            ctype = self.reference.scheme(org.nation).clearance_type(clearance_type, facility=True)
            count = len(ctx.ids.facility_clearances_of(organisation))
            ident = f"{organisation}/FCL-{count + 1}"
            ctx.ids.add(
                FacilityClearanceRecord(
                    id=ident,
                    organisation_id=organisation,
                    type=ctype.name,
                    version=0,
                    **ctx.stamp(),
                )
            )
            payload = {
                "status": status.value,
                "expires": iso(None if expires is None else as_instant(expires)),
            }
            owner = subject("organisation", organisation)
            ctx.fact(
                Kind.FACILITY_STATUS,
                subject("facility", ident),
                owner,
                payload,
                self._when(at, ctx),
            )
            ctx.record(
                "facility:add",
                ident,
                organisation=organisation,
                type=ctype.name,
                status=status.value,
            )
            return ident

        return self._change(principal, "facility:add", organisation, reason, work)

    # --- programmes and read-ons -----------------------------------------------------------

    def add_programme(
        self,
        principal: Principal,
        ident: str,
        nations: Iterable[str],
        name: str = "",
        reason: str = "",
    ) -> None:
        """Create a programme (an authority of one of its participating nations)."""

        def work(ctx: _Context) -> None:
            codes = sorted({self._nation(n) for n in nations})
            if not codes:
                raise InvalidInputError("a programme needs at least one participating nation")
            require_any_authority(principal, codes, f"create programme {ident}")
            ctx.ids.add(ProgrammeRecord(id=ident, name=name, nations=codes, **ctx.stamp()))
            ctx.record("programme:add", ident, nations=codes)

        self._change(principal, "programme:add", ident, reason, work)

    def read_on(
        self,
        principal: Principal,
        person: str,
        programme: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        reason: str = "",
    ) -> int:
        """Read ``person`` on to ``programme`` (its manager). Only nationals of a participating
        nation can be read on."""

        def work(ctx: _Context) -> int:
            require_manager(principal, programme, f"read people on to {programme}")
            record = ctx.ids.get(ProgrammeRecord, programme)
            ctx.ids.get(PersonRecord, person)
            begin = self._when(start, ctx)
            owner = subject("person", person)
            held = {
                f.payload["nation"]
                for f in self._current(ctx, owner, Kind.NATIONALITY)
                if Interval(
                    instant(f.payload.get("from")), instant(f.payload.get("until"))
                ).contains(begin)
            }
            if record.nations is not None and not held & set(record.nations):
                have = ", ".join(sorted(held)) or "no nationality"
                raise InvalidInputError(
                    f"`{person}` ({have}) cannot be read on to `{programme}`: its nations are"
                    f" {', '.join(record.nations)}"
                )
            fact = ctx.interval_fact(Kind.READ_ON, owner, {"programme": programme}, begin, end)
            p = fact.payload
            ctx.record(
                "read-on:add",
                person,
                programme=programme,
                start=p["from"],
                end=p["until"],
                fact=fact.id,
            )
            return fact.id

        return self._change(principal, "read-on:add", person, reason, work)

    def read_off(
        self,
        principal: Principal,
        person: str,
        programme: str,
        *,
        end: datetime | None = None,
        reason: str = "",
    ) -> int:
        """End ``person``'s open read-on to ``programme`` at ``end`` (its manager)."""
        return self._end_interval(
            principal, person, Kind.READ_ON, "programme", programme, end, reason, "read-on:end"
        )

    # --- assets, markings, approvals -------------------------------------------------------

    def register_asset(
        self, principal: Principal, ident: str, marking: Marking, title: str = "", reason: str = ""
    ) -> None:
        """Register an asset with its marking: the originator's authority, or the manager of
        one of its programmes whose nations include the originator."""

        def work(ctx: _Context) -> None:
            self._check_programmes(ctx, marking)
            managers = [
                p
                for p in marking.programmes
                if (record := ctx.ids.get_or_none(ProgrammeRecord, p)) is not None
                and (record.nations is None or marking.originator in record.nations)
            ]
            if not (principal.role is Role.MANAGER and principal.scope in managers):
                require_authority(
                    principal, marking.originator, f"register {marking.originator} information"
                )
            ctx.ids.add(
                AssetRecord(id=ident, title=title, originator=marking.originator, **ctx.stamp())
            )
            owner = subject("asset", ident)
            ctx.fact(Kind.MARKING, owner, owner, marking.as_dict(), None)
            ctx.record("asset:register", ident, marking=marking.as_dict())

        self._change(principal, "asset:register", ident, reason, work)

    def _check_programmes(self, ctx: _Context, marking: Marking) -> None:
        for programme in sorted(marking.programmes):
            ctx.ids.get(ProgrammeRecord, programme)

    def change_marking(
        self,
        principal: Principal,
        asset: str,
        marking: Marking,
        *,
        at: datetime | None = None,
        reason: str = "",
    ) -> int:
        """Change an asset's marking from ``at`` (default now). Only the originator may; the
        originator itself does not change."""

        def work(ctx: _Context) -> int:
            record = ctx.ids.get(AssetRecord, asset)
            require_authority(
                principal,
                record.originator,
                f"change the marking of {record.originator} information",
            )
            if marking.originator != record.originator:
                raise InvalidInputError(
                    f"the originator of `{asset}` is {record.originator}; a marking change keeps it"
                )
            self._check_programmes(ctx, marking)
            owner = subject("asset", asset)
            when = self._when(at, ctx)
            fact = ctx.fact(Kind.MARKING, owner, owner, marking.as_dict(), when)
            ctx.record(
                "marking:change", asset, marking=marking.as_dict(), at=iso(when), fact=fact.id
            )
            return fact.id

        return self._change(principal, "marking:change", asset, reason, work)

    def add_approval(
        self,
        principal: Principal,
        asset: str,
        target: str,
        value: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        reason: str = "",
    ) -> int:
        """Release an ORCON asset to a person, organisation or nation (the originator)."""

        def work(ctx: _Context) -> int:
            record = ctx.ids.get(AssetRecord, asset)
            require_authority(
                principal, record.originator, f"approve release of {record.originator} information"
            )
            named = value
            if target == "person":
                ctx.ids.get(PersonRecord, value)
            elif target == "organisation":
                ctx.ids.get(OrganisationRecord, value)
            elif target == "nation":
                named = self._nation(value)
            else:
                raise InvalidInputError(
                    f"unknown approval target `{target}` (person, organisation, nation)"
                )
            owner = subject("asset", asset)
            payload = {"target": target, "value": named}
            fact = ctx.interval_fact(Kind.APPROVAL, owner, payload, self._when(start, ctx), end)
            p = fact.payload
            ctx.record(
                "approval:add",
                asset,
                target=target,
                value=named,
                start=p["from"],
                end=p["until"],
                fact=fact.id,
            )
            return fact.id

        return self._change(principal, "approval:add", asset, reason, work)

    # --- export authorisations, AUKUS, visits ----------------------------------------------

    def add_export_authorisation(
        self,
        principal: Principal,
        holder_kind: str,
        holder: str,
        regime: str,
        *,
        asset: str | None = None,
        programme: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        reason: str = "",
    ) -> int:
        """Record an export authorisation of a person or organisation covering one asset or one
        programme (the authority of the regime's issuing nation)."""

        def work(ctx: _Context) -> int:
            code = _code(regime)
            issuer = self.reference.export_issuers.get(code)
            if issuer is None:
                known = ", ".join(sorted(self.reference.export_issuers))
                raise InvalidInputError(f"unknown regime `{regime}` (known: {known})")
            if code == self.reference.itar_excluded:
                msg = f"`{code}` is a marking (the Excluded Technology List), not a regime"
                raise InvalidInputError(msg)
            require_authority(principal, issuer, f"grant {code} export authorisations")
            if (asset is None) == (programme is None):
                raise InvalidInputError(
                    "an export authorisation covers exactly one asset or one programme"
                )
            if asset is not None:
                ctx.ids.get(AssetRecord, asset)
            if programme is not None:
                ctx.ids.get(ProgrammeRecord, programme)
            if holder_kind == "person":
                ctx.ids.get(PersonRecord, holder)
            elif holder_kind == "organisation":
                ctx.ids.get(OrganisationRecord, holder)
            else:
                raise InvalidInputError(
                    f"unknown holder kind `{holder_kind}` (person, organisation)"
                )
            owner = subject(holder_kind, holder)
            payload = {"regime": code, "asset": asset, "programme": programme}
            begin = self._when(start, ctx)
            fact = ctx.interval_fact(Kind.EXPORT_AUTHORISATION, owner, payload, begin, end)
            ctx.record(
                "export-authorisation:add",
                holder,
                regime=code,
                asset=asset,
                programme=programme,
                fact=fact.id,
            )
            return fact.id

        return self._change(principal, "export-authorisation:add", holder, reason, work)

    def add_aukus_period(
        self,
        principal: Principal,
        organisation: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        reason: str = "",
    ) -> int:
        """Record an AUKUS authorised-user period (the USA's or the organisation's authority)."""

        def work(ctx: _Context) -> int:
            org = ctx.ids.get(OrganisationRecord, organisation)
            require_any_authority(
                principal, {"USA", org.nation}, f"list {org.id} as an AUKUS authorised user"
            )
            owner = subject("organisation", organisation)
            fact = ctx.interval_fact(Kind.AUKUS_PERIOD, owner, {}, self._when(start, ctx), end)
            p = fact.payload
            ctx.record("aukus:add", organisation, start=p["from"], end=p["until"], fact=fact.id)
            return fact.id

        return self._change(principal, "aukus:add", organisation, reason, work)

    def record_visit(
        self,
        principal: Principal,
        visitor: str,
        host: str,
        programmes: Iterable[str],
        *,
        start: datetime,
        end: datetime | None,
        kind: str = "one-time",
        ident: str | None = None,
        reason: str = "",
    ) -> str:
        """Record an approved visit (the host nation's authority)."""

        def work(ctx: _Context) -> str:
            org = ctx.ids.get(OrganisationRecord, host)
            require_authority(principal, org.nation, f"approve visits to {org.id}")
            ctx.ids.get(PersonRecord, visitor)
            self._require_assurance(ctx, visitor, as_instant(start))
            names = sorted(set(programmes))
            if not names:
                raise InvalidInputError("a visit names at least one programme")
            for programme in names:
                ctx.ids.get(ProgrammeRecord, programme)
            if kind not in ("one-time", "recurring", "emergency"):
                raise InvalidInputError(
                    f"unknown visit type `{kind}` (one-time, recurring, emergency)"
                )
            begin = as_instant(start)
            finish = None if end is None else as_instant(end)
            _interval(begin, finish)
            visit_id = ident
            if visit_id is None:
                number = ctx.ids.count(VisitRecord) + 1
                while ctx.ids.exists(VisitRecord, f"VISIT-{number}"):
                    number += 1
                visit_id = f"VISIT-{number}"
            ctx.ids.add(
                VisitRecord(
                    id=visit_id,
                    visitor_id=visitor,
                    host_id=host,
                    kind=kind,
                    programmes=names,
                    valid_from=begin,
                    valid_until=finish,
                    **ctx.stamp(),
                )
            )
            ctx.fact(
                Kind.VISIT_STATUS,
                subject("visit", visit_id),
                subject("person", visitor),
                {"status": "approved"},
                ctx.uow.now,
            )
            ctx.record("visit:record", visit_id, visitor=visitor, host=host, programmes=names)
            return visit_id

        return self._change(principal, "visit:record", visitor, reason, work)

    def _require_assurance(self, ctx: _Context, visitor: str, start: datetime) -> None:
        """SPEC §4: a visit is approved only after the visitor's own authority has given a
        security assurance: an active, unexpired clearance issued by one of the visitor's
        nations when the visit starts."""
        records = load_records(ctx.session, Assembler(self.reference), {("person", visitor)})
        person = records.people.get(visitor)
        assert person is not None
        nations = set(person.nationalities_at(start))
        for clearance in person.clearances:
            if clearance.issuer in nations and clearance.standing_at(start) is Standing.VALID:
                return
        held = ", ".join(sorted(nations)) or "no nationality"
        msg = (
            f"no security assurance for `{visitor}` ({held}): no active, unexpired clearance of"
            f" their own nation when the visit starts ({iso(start)})"
        )
        raise InvalidInputError(msg)

    # --- corrections -----------------------------------------------------------------------

    def correct(
        self,
        principal: Principal,
        fact_id: int,
        *,
        changes: dict[str, Any] | None = None,
        retract: bool = False,
        reason: str,
    ) -> int:
        """Correct a mis-keyed fact by a superseding fact (or retract it), with a reason.

        Intervals can be corrected (and nationality and employer keys); statuses and markings
        are corrected by retraction and a new record. The principal must be one who could
        have recorded the fact."""
        if not reason.strip():
            raise InvalidInputError("a correction needs a reason")

        def work(ctx: _Context) -> int:
            fact = ctx.facts.get(fact_id)
            if ctx.facts.superseded_by(fact_id) is not None:
                raise ConflictError(f"fact {fact_id} was already corrected; correct the newer one")
            if fact.retracted:
                raise InvalidInputError(f"fact {fact_id} is a retraction")
            self._authorise_fact(ctx, fact)
            kind = Kind(fact.kind)
            payload = dict(fact.payload)
            if not retract:
                allowed = _INTERVAL_KEYS if kind in _CORRECTABLE else set()
                unknown = sorted(set(changes or {}) - allowed)
                if unknown or not changes:
                    keys = " and ".join(sorted(allowed)) or "nothing (retract it instead)"
                    raise InvalidInputError(f"a {kind.value} fact can be corrected in {keys}")
                for key, value in changes.items():
                    payload[key] = (
                        iso(as_instant(value)) if key in ("from", "until") and value else value
                    )
                Interval(instant(payload.get("from")), instant(payload.get("until")))
            if kind in (Kind.CLEARANCE_STATUS, Kind.FACILITY_STATUS):
                ident = fact.subject.split(":", 1)[1]
                if kind is Kind.CLEARANCE_STATUS:
                    clearance = ctx.ids.get(ClearanceRecord, ident)
                    ctx.ids.bump_version(ClearanceRecord, ident, clearance.version)
                else:
                    facility = ctx.ids.get(FacilityClearanceRecord, ident)
                    ctx.ids.bump_version(FacilityClearanceRecord, ident, facility.version)
            if kind in (Kind.CLEARANCE_STATUS, Kind.FACILITY_STATUS) and retract:
                rest = [f for f in self._history(ctx, fact.subject, fact.owner) if f.id != fact.id]
                entries = _entries(rest)
                if entries:
                    validate_history(entries)
            if kind is Kind.MARKING and retract:
                markings = [
                    f for f in self._current(ctx, fact.owner, Kind.MARKING) if f.id != fact.id
                ]
                if not markings:
                    raise InvalidInputError(
                        "an asset keeps at least one marking: record the right one first"
                    )
            effective = instant(payload.get("from")) if "from" in payload else fact.effective_at
            new = ctx.fact(
                kind,
                fact.subject,
                fact.owner,
                payload,
                effective,
                supersedes=fact.id,
                retracted=retract,
            )
            ctx.record(
                "fact:correct", fact.subject, fact=fact_id, superseded_by=new.id, retracted=retract
            )
            return new.id

        return self._change(principal, "fact:correct", str(fact_id), reason, work)

    def _authorise_fact(self, ctx: _Context, fact: FactRecord) -> None:
        kind = Kind(fact.kind)
        owner_kind, owner_id = fact.owner.split(":", 1)
        p = ctx.principal
        action = f"correct a {kind.value.replace('_', '-')} fact"
        if kind is Kind.NATIONALITY:
            employer = self._employer_now(ctx, owner_id)
            self._require_attestor(
                ctx, [fact.payload["nation"]], [employer] if employer else [], action
            )
        elif kind is Kind.EMPLOYMENT:
            org = ctx.ids.get(OrganisationRecord, fact.payload["organisation"])
            require_authority_or_officer(p, [org.nation], [org.id], action)
        elif kind is Kind.READ_ON:
            require_manager(p, fact.payload["programme"], action)
        elif kind in (Kind.CLEARANCE_STATUS, Kind.CONTINUOUS_VETTING):
            record = ctx.ids.get(ClearanceRecord, fact.subject.split(":", 1)[1])
            require_authority(p, record.issuer, action)
        elif kind in (Kind.FACILITY_STATUS, Kind.AUKUS_PERIOD):
            org = ctx.ids.get(OrganisationRecord, owner_id)
            nations = {org.nation, "USA"} if kind is Kind.AUKUS_PERIOD else {org.nation}
            require_any_authority(p, nations, action)
        elif kind is Kind.EXPORT_AUTHORISATION:
            require_authority(p, self.reference.export_issuers[fact.payload["regime"]], action)
        elif kind in (Kind.MARKING, Kind.APPROVAL):
            asset = ctx.ids.get(AssetRecord, owner_id)
            require_authority(p, asset.originator, action)
        elif kind is Kind.VISIT_STATUS:
            visit = ctx.ids.get(VisitRecord, fact.subject.split(":", 1)[1])
            org = ctx.ids.get(OrganisationRecord, visit.host_id)
            require_authority(p, org.nation, action)
        del owner_kind
