# SPDX-License-Identifier: Apache-2.0
"""The decision index: the registry compiled in memory, answering any instant, kept current.

It starts with the programmes only and loads each person, organisation and asset the first
time a decision needs it (reverse queries load every record once; :meth:`DecisionIndex.load`
warms it completely). Before each request :meth:`DecisionIndex.ensure_current` reads the
committed-change counter (one cheap query) and, if it moved, catches up by reading only the rows
of the transactions it has not seen and rebuilding the loaded records they touch; a change
committed by another process is seen by the next decision, and nothing is ever reloaded in full.
On PostgreSQL a background listener on ``NOTIFY clearway_changes`` catches up idle processes too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from clearway.domain.compiled import CompiledWorld
from clearway.domain.decision import Action, Decision, DecisionError, Reason, parse_action
from clearway.domain.facts import Asset, Organisation, Person, World
from clearway.domain.pdp import Request, decide, decide_batch, readers
from clearway.domain.time import as_instant, to_micros
from clearway.persistence.mappers import Assembler, owner_of
from clearway.persistence.models import (
    AssetRecord,
    ClearanceRecord,
    FacilityClearanceRecord,
    OrganisationRecord,
    PersonRecord,
    ProgrammeRecord,
    VisitRecord,
)
from clearway.persistence.repositories import (
    CounterRepository,
    FactRepository,
    IdentityRepository,
)
from clearway.persistence.uow import NOTIFY_CHANNEL
from clearway.services.loading import Records, load_records, load_world
from clearway.services.reverse import AssetColumns
from clearway.services.store import Store

__all__ = ["DecisionIndex"]

log = logging.getLogger(__name__)


def _owners_since(session: Session, txn: int) -> set[tuple[str, str]]:
    """The records touched by transactions after ``txn``."""
    ids = IdentityRepository(session)
    owners: set[tuple[str, str]] = set()
    owners.update(("person", r.id) for r in ids.since(PersonRecord, txn))
    owners.update(("person", r.person_id) for r in ids.since(ClearanceRecord, txn))
    owners.update(("person", r.visitor_id) for r in ids.since(VisitRecord, txn))
    owners.update(("organisation", r.id) for r in ids.since(OrganisationRecord, txn))
    owners.update(
        ("organisation", r.organisation_id) for r in ids.since(FacilityClearanceRecord, txn)
    )
    owners.update(("programme", r.id) for r in ids.since(ProgrammeRecord, txn))
    owners.update(("asset", r.id) for r in ids.since(AssetRecord, txn))
    owners.update(owner_of(f.owner) for f in FactRepository(session).since(txn))
    return owners


class DecisionIndex:
    """The compiled registry of one store. Thread-safe."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.assembler = Assembler(store.reference)
        self._lock = threading.RLock()
        self._world: CompiledWorld | None = None
        self._complete = False  # every record loaded (not only those decisions asked for)
        self.txn = -1
        self.catch_ups = 0
        self._columns: AssetColumns | None = None
        self._listener: threading.Thread | None = None
        self._listen_connection: Any = None

    # --- keeping current -------------------------------------------------------------------

    @property
    def world(self) -> CompiledWorld:
        """The compiled world (started on first use: programmes now, records on demand)."""
        with self._lock:
            if self._world is None:
                self._start()
            assert self._world is not None
            return self._world

    def _start(self) -> None:
        with self.store.read() as uow:
            txn = CounterRepository(uow.session).current()
            programmes = {
                r.id: self.assembler.programme(r.id, r.name, r.nations)
                for r in IdentityRepository(uow.session).all(ProgrammeRecord)
            }
        world = World(self.store.reference, {}, {}, programmes, {})
        self._world = CompiledWorld(world, source=_Source(self))
        self.txn = txn

    def load(self) -> None:
        """Load the whole registry now (a warm start; reverse queries need it)."""
        with self._lock:
            with self.store.read() as uow:
                txn = CounterRepository(uow.session).current()
            # Rows committed after the counter was read are applied again by the next
            # catch-up; rebuilding a record is idempotent.
            world = load_world(self.store, assembler=self.assembler)
            self._world = CompiledWorld(world, source=_Source(self))
            self._columns = None
            self._complete = True
            self.txn = txn

    def ensure_complete(self) -> None:
        """Load every record once (for reverse queries over everyone or everything)."""
        with self._lock:
            if not self._complete:
                self.load()

    def fetch(self, kind: str, ident: str) -> Records:
        """The record ``(kind, ident)`` from the store as now recorded."""
        with self.store.read() as uow:
            return load_records(uow.session, self.assembler, {(kind, ident)})

    def _loaded(self, kind: str, ident: str) -> bool:
        """Whether the compiled world holds the record (so a change must refresh it)."""
        world = self._world
        assert world is not None
        if self._complete or kind == "programme":
            return True
        if kind == "person":
            return ident in world.people
        if kind == "organisation":
            return ident in world.organisations
        return ident in world.assets

    def ensure_current(self) -> None:
        """Catch up if the committed-change counter moved (one cheap query otherwise)."""
        with self.store.read() as uow:
            txn = CounterRepository(uow.session).current()
        if txn != self.txn:
            self.catch_up()

    def catch_up(self) -> None:
        """Apply every transaction committed since the last one seen."""
        with self._lock:
            if self._world is None:
                self._start()
                return
            with self.store.read() as uow:
                txn = CounterRepository(uow.session).current()
                if txn == self.txn:
                    return
                owners = {o for o in _owners_since(uow.session, self.txn) if self._loaded(*o)}
                records = load_records(uow.session, self.assembler, owners)
            self._apply(records)
            self.txn = txn
            self.catch_ups += 1

    def _apply(self, records: Records) -> None:
        world = self._world
        assert world is not None
        for programme in records.programmes.values():
            if programme is not None:
                world.replace_programme(programme)
        for ident, org in records.organisations.items():
            if org is None:
                world.forget("organisation", ident)
            else:
                world.replace_organisation(org)
        for ident, person in records.people.items():
            if person is None:
                world.forget("person", ident)
            else:
                world.replace_person(person)
        changed = []
        for ident, asset in records.assets.items():
            if asset is None:
                world.forget("asset", ident)
            else:
                world.replace_asset(asset)
            changed.append(ident)
        if self._columns is not None and (changed or records.programmes):
            if records.programmes:
                self._columns = None  # programme bits may have grown: rebuilt on next query
            else:
                self._columns.add(changed)

    # --- PostgreSQL LISTEN/NOTIFY ----------------------------------------------------------

    def listen(self) -> None:
        """On PostgreSQL, catch up in the background whenever another process commits."""
        if self.store.engine.dialect.name != "postgresql" or self._listener is not None:
            return
        import psycopg  # only the PostgreSQL store needs it

        url = self.store.engine.url.set(drivername="postgresql")
        connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        self._listen_connection = connection

        def run() -> None:
            try:
                for _ in connection.notifies():
                    try:
                        self.catch_up()
                    except Exception:
                        log.exception("catching up after a notification failed")
            except psycopg.Error:
                return  # the connection was closed by stop()

        self._listener = threading.Thread(target=run, name="clearway-listen", daemon=True)
        self._listener.start()

    def stop(self) -> None:
        """Stop listening."""
        connection, self._listen_connection = self._listen_connection, None
        if connection is not None:
            connection.close()
        if self._listener is not None:
            self._listener.join(timeout=5)
            self._listener = None

    # --- decisions -------------------------------------------------------------------------

    def reasons(self, person: str, asset: str, action: Action, at: datetime) -> list[Reason]:
        """Every failing rule (no freshness check: call :meth:`ensure_current` per request)."""
        with self._lock:
            return self.world.reasons(person, asset, action, at)

    def decide(self, person: str, asset: str, action: Action | str, at: datetime) -> Decision:
        """The full decision, with explanations and obligations."""
        with self._lock:
            return decide(self.world, person, asset, action, at)

    def decide_batch(self, requests: Sequence[Request]) -> list[Decision | DecisionError]:
        """Decide many requests against one consistent view."""
        with self._lock:
            return decide_batch(self.world, requests)

    def readable_assets(self, person: str, action: Action | str, at: datetime) -> list[str]:
        """Every asset ``person`` may ``action`` at ``at``, over columns of every asset."""
        download = parse_action(action) is Action.DOWNLOAD
        instant = to_micros(as_instant(at))
        with self._lock:
            self.ensure_complete()
            world = self.world
            state = world.person(person).at(instant)
            org = None if state.employer is None else world.organisation(state.employer).at(instant)
            if self._columns is None:
                self._columns = AssetColumns(world)
            return self._columns.readable(person, state, org, download, instant)

    def readers(self, asset: str, action: Action | str, at: datetime) -> list[str]:
        """Every person who may ``action`` ``asset`` at ``at``."""
        with self._lock:
            self.ensure_complete()
            return readers(self.world, asset, action, at)


class _Source:
    """The index as the record source of its compiled world (records load on demand)."""

    def __init__(self, index: DecisionIndex) -> None:
        self.index = index

    def person(self, ident: str) -> Person | None:
        return self.index.fetch("person", ident).people.get(ident)

    def organisation(self, ident: str) -> Organisation | None:
        return self.index.fetch("organisation", ident).organisations.get(ident)

    def asset(self, ident: str) -> Asset | None:
        return self.index.fetch("asset", ident).assets.get(ident)
