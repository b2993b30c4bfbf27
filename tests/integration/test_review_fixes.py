# SPDX-License-Identifier: Apache-2.0
"""Regression tests for problems found in review: each failed before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner

from clearway.cli import app
from clearway.domain.lifecycle import Status
from clearway.domain.principals import parse_principal
from clearway.errors import InvalidInputError, NotFoundError
from clearway.persistence.models import AuditEntryRecord
from clearway.services.access import AccessService
from clearway.services.index import DecisionIndex
from clearway.services.loading import load_world
from clearway.services.queries import QueryService, verify_audit
from clearway.services.registry import RegistryService
from clearway.services.store import Store
from clearway.services.transfer import import_world
from tests.factories import utc, world_from_yaml

JPN = parse_principal("authority:JPN")
GBR = parse_principal("authority:GBR")
USA = parse_principal("authority:USA")

WORLD = """
organisations:
  - {id: ORG-JP, nation: JPN}
  - {id: ORG-GB, nation: GBR}
programmes:
  - {id: PRG, nations: [GBR, JPN, USA]}
people:
  - id: P-JP
    nationalities: [JPN]
    employer: ORG-JP
    clearances: [{issuer: JPN, type: SDS, status: granted, granted: 2025-01-01}]
  - id: P-NOCLR
    nationalities: [JPN]
    employer: ORG-JP
assets:
  - {id: A-1, originator: USA, level: SECRET, releasable_to: [JPN], export_control: ITAR-EXCLUDED}
"""


@pytest.fixture
def world(store: Store) -> Store:
    import_world(store, world_from_yaml(WORLD))
    return store


def _nationality_fact(store: Store, person: str) -> int:
    facts = QueryService(DecisionIndex(store)).facts(f"person:{person}")
    return int(next(f["id"] for f in facts if f["kind"] == "nationality" and f["in_force"]))


def test_a_correction_cannot_change_what_a_fact_is_about(world: Store) -> None:
    """Correcting a nationality into USA would lift the ITAR rule without USA's authority."""
    registry = RegistryService(world)
    fact = _nationality_fact(world, "P-JP")
    with pytest.raises(InvalidInputError, match="from and until"):
        registry.correct(JPN, fact, changes={"nation": "USA"}, reason="typo")
    index = DecisionIndex(world)
    reasons = index.reasons("P-JP", "A-1", "read", utc(2026, 6, 1))  # type: ignore[arg-type]
    assert [r.value for r in reasons] == ["export-authorisation-required"]


def test_an_officer_attests_only_its_own_nations_nationals(world: Store) -> None:
    registry = RegistryService(world)
    officer = parse_principal("officer:ORG-JP")
    with pytest.raises(Exception, match="authority:USA"):
        registry.add_nationality(officer, "P-JP", "USA", start=utc(2026, 1, 1))
    registry.add_nationality(officer, "P-NOCLR", "JPN", start=utc(2026, 1, 1))


def test_the_last_marking_cannot_be_retracted(world: Store) -> None:
    registry = RegistryService(world)
    facts = QueryService(DecisionIndex(world)).facts("asset:A-1")
    (marking,) = [f["id"] for f in facts if f["kind"] == "marking"]
    with pytest.raises(InvalidInputError, match="at least one marking"):
        registry.correct(USA, marking, retract=True, reason="wrong")
    assert "A-1" in load_world(world).assets


def test_audit_verify_notices_entries_removed_from_the_end(world: Store) -> None:
    index = DecisionIndex(world)
    count, bad = verify_audit(index)
    assert bad is None
    with world.write() as uow:
        uow.session.execute(delete(AuditEntryRecord).where(AuditEntryRecord.seq > count - 2))
    _, bad = verify_audit(index)
    assert bad == count - 1


def test_a_visit_needs_a_security_assurance(world: Store) -> None:
    registry = RegistryService(world)
    with pytest.raises(InvalidInputError, match="no security assurance"):
        registry.record_visit(
            GBR, "P-NOCLR", "ORG-GB", ["PRG"], start=utc(2026, 5, 1), end=utc(2026, 5, 10)
        )
    visit = registry.record_visit(
        GBR, "P-JP", "ORG-GB", ["PRG"], start=utc(2026, 5, 1), end=utc(2026, 5, 10)
    )
    assert visit.startswith("VISIT-")


def test_an_expiry_where_it_would_have_no_effect_is_refused(world: Store) -> None:
    registry = RegistryService(world)
    with pytest.raises(InvalidInputError, match="explicit expiry"):
        registry.add_clearance(JPN, "P-NOCLR", "JPN", "SDS", expires=utc(2030, 1, 1))
    with pytest.raises(InvalidInputError, match="explicit expiry"):
        registry.transition(
            JPN, "P-JP/CLR-1", "suspend", at=utc(2026, 1, 1), expires=utc(2027, 1, 1)
        )
    ident = registry.add_clearance(
        JPN,
        "P-NOCLR",
        "JPN",
        "SDS",
        status=Status.GRANTED,
        at=utc(2025, 1, 1),
        expires=utc(2026, 1, 1),
    )
    (clearance,) = load_world(world).people["P-NOCLR"].clearances
    assert clearance.id == ident
    assert clearance.expiry_at(utc(2025, 6, 1)) == utc(2026, 1, 1)


def test_the_built_in_programme_is_there_in_every_replay(world: Store) -> None:
    replay = load_world(world, recorded_by=utc(2001, 1, 1))
    assert "NATO" in replay.programmes


def test_an_itar_excluded_authorisation_is_refused(world: Store) -> None:
    registry = RegistryService(world)
    with pytest.raises(InvalidInputError, match="not a regime"):
        registry.add_export_authorisation(
            USA, "person", "P-JP", "ITAR-EXCLUDED", asset="A-1", start=utc(2026, 1, 1)
        )


def test_checks_keep_their_error_kinds_and_queries_audit_errors(world: Store) -> None:
    access = AccessService(DecisionIndex(world))
    asker = parse_principal("member:P-JP")
    with pytest.raises(InvalidInputError):
        access.check(asker, "P-JP", "A-1", "print", utc(2026, 1, 1))
    with pytest.raises(NotFoundError):
        access.check(asker, "P-X", "A-1", "read", utc(2026, 1, 1))
    with pytest.raises(NotFoundError):
        access.readable_assets(asker, "P-X", "read", utc(2026, 1, 1))
    last = QueryService(access.index).audit(limit=None)[-1]
    assert (last["event"], last["outcome"]) == ("query:readable", "error")


def test_a_file_whose_rows_clash_is_invalid_not_a_crash(tmp_path: Path) -> None:
    clash = tmp_path / "clash.yaml"
    clash.write_text(
        """version: 1
at: 2026-06-01T00:00:00Z
organisations: [{id: ORG-1, nation: GBR}]
programmes: [{id: PRG, nations: [GBR]}]
people:
  - id: P-1
    nationalities: [GBR]
    clearances: [{id: C-1, issuer: GBR, type: SC, status: granted, granted: 2025-01-01}]
  - id: P-2
    nationalities: [GBR]
    clearances: [{id: C-1, issuer: GBR, type: SC, status: granted, granted: 2025-01-01}]
visits:
  - {id: V-1, visitor: P-1, host: ORG-1, programmes: [PRG], from: 2026-01-01}
  - {id: V-1, visitor: P-2, host: ORG-1, programmes: [PRG], from: 2026-01-01}
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["scenario", "run", str(clash)])
    assert result.exit_code == 2, result.output
    assert "is already the id of" in result.output
