# SPDX-License-Identifier: Apache-2.0
"""``clearway scenario run FILE… [--json]`` (SPEC §7), run in-process through the typer app and
once as ``python -m clearway``.

The files live in ``tests/vectors/scenarios``: the two shared examples (byte-identical copies),
small passing files at the top level, ``failing/`` (valid files whose checks disagree) and
``invalid/`` (one schema or domain error each).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, strategies as st
from typer.testing import CliRunner

from clearway.cli import app
from clearway.domain.decision import RULE_ORDER
from clearway.domain.pdp import decide
from clearway.reference import default_reference
from clearway.services.index import DecisionIndex
from clearway.services.scratch import ScratchStores
from clearway.services.transfer import import_world
from tests.strategies import ACTIONS, Spec, build, instants_for, worlds

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "scenarios"
SHARED = sorted(VECTORS / name for name in ("pillar2-basics.yaml", "spec-example.yaml"))
MINIMAL = VECTORS / "minimal.yaml"
ALIAS = VECTORS / "aukus-alias.yaml"
FAILING = VECTORS / "failing" / "one-failing-check.yaml"
INVALID = VECTORS / "invalid"

#: ``PASS|FAIL file:index kind … expected=… actual=…``
LINE = re.compile(
    r"^(?P<status>PASS|FAIL) (?P<file>.+?):(?P<index>\d+) (?P<kind>decision|marking) "
    r"(?P<label>.*) expected=(?P<expected>.*) actual=(?P<actual>.*)$"
)
CODES = [reason.value for reason in RULE_ORDER]

runner = CliRunner()


def run(*args: str | Path) -> Any:
    return runner.invoke(app, ["scenario", "run", *map(str, args)])


def check_lines(output: str) -> list[re.Match[str]]:
    """The PASS/FAIL lines of an output, parsed."""
    found = [LINE.match(line) for line in output.splitlines()]
    return [m for m in found if m is not None]


def lines_of(output: str, file: Path) -> list[re.Match[str]]:
    return [m for m in check_lines(output) if m["file"] == str(file)]


def in_rule_order(codes: list[str]) -> bool:
    return [CODES.index(c) for c in codes] == sorted(CODES.index(c) for c in codes)


def codes_in(text: str) -> list[str]:
    """The reason codes a line shows, in the order shown (longest names matched first)."""
    pattern = "|".join(sorted(map(re.escape, CODES), key=len, reverse=True))
    return re.findall(pattern, text)


# --- the shared examples ---------------------------------------------------------------------


def test_the_vectors_are_byte_identical_copies_of_the_shared_examples() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "scenarios"
    if not shared.is_dir():
        pytest.skip("the shared scenarios are not next to this checkout")
    for copy in SHARED:
        assert copy.read_bytes() == (shared / copy.name).read_bytes(), copy.name


@pytest.mark.parametrize("file", SHARED, ids=lambda p: p.name)
def test_a_shared_example_passes(file: Path) -> None:
    result = run(file)
    assert result.exit_code == 0, result.output
    lines = lines_of(result.stdout, file)
    assert lines
    assert all(m["status"] == "PASS" for m in lines), result.stdout
    # one line per check, indexed 0…n-1: decisions first, then markings
    assert [int(m["index"]) for m in lines] == list(range(len(lines)))
    kinds = [m["kind"] for m in lines]
    assert kinds == sorted(kinds)  # "decision" < "marking"
    assert "INVALID" not in result.output


def test_the_spec_example_lines() -> None:
    file = VECTORS / "spec-example.yaml"
    result = run(file)
    assert result.exit_code == 0, result.output
    lines = lines_of(result.stdout, file)
    assert [(m["kind"]) for m in lines] == ["decision"] * 2 + ["marking"] * 4
    first, second = lines[0], lines[1]
    for token in ("P-TANAKA", "D-1", "read"):
        assert token in first["label"]
    assert "permit" in first["expected"]
    assert "permit" in first["actual"]
    # the instant of the check, not the file's default
    assert "2031-01-01" in second["label"]
    assert "download" in second["label"]
    for side in ("expected", "actual"):
        assert "deny" in second[side]
        assert codes_in(second[side]) == ["clearance-expired", "export-authorisation-required"]
    marking = lines[2]
    assert "SECRET//REL TO USA, AUS, GBR" in marking["expected"]
    assert "SECRET//REL TO USA, AUS, GBR" in marking["actual"]
    assert "error" in lines[3]["expected"]
    assert "error" in lines[3]["actual"]


def test_several_files_in_one_run() -> None:
    files = [*SHARED, MINIMAL]
    result = run(*files)
    assert result.exit_code == 0, result.output
    for file in files:
        assert lines_of(result.stdout, file), file
    # files are reported in the order given
    order = [m["file"] for m in check_lines(result.stdout)]
    assert list(dict.fromkeys(order)) == [str(f) for f in files]


def test_a_file_without_a_default_instant_uses_each_checks_own() -> None:
    result = run(MINIMAL)
    assert result.exit_code == 0, result.output
    lines = lines_of(result.stdout, MINIMAL)
    assert len(lines) == 5
    assert "2026-06-01" in lines[0]["label"]
    assert "2034-01-01" in lines[1]["label"]
    # a +09:00 instant is shown and decided as the same instant in UTC
    assert "2034-01-01T00:00:00" in lines[3]["label"]
    assert codes_in(lines[3]["actual"]) == ["clearance-expired"]


# --- failing checks --------------------------------------------------------------------------


def test_a_failing_check_exits_1_with_a_fail_line() -> None:
    result = run(FAILING)
    assert result.exit_code == 1, result.output
    lines = lines_of(result.stdout, FAILING)
    assert [int(m["index"]) for m in lines] == list(range(9))
    status = {int(m["index"]): m["status"] for m in lines}
    assert [i for i, s in status.items() if s == "FAIL"] == [1, 4, 6, 7]
    wrong = lines[1]
    assert "permit" in wrong["expected"]
    assert "deny" in wrong["actual"]
    assert codes_in(wrong["actual"]) == ["need-to-know", "export-authorisation-required"]
    # reasons are an exact set: given out of rule order they match, shown in rule order
    assert lines[0]["status"] == "PASS"
    assert codes_in(lines[0]["expected"]) == ["need-to-know", "export-authorisation-required"]
    # a subset of the reasons is not enough
    assert codes_in(lines[4]["expected"]) == ["facility-clearance"]
    assert codes_in(lines[4]["actual"]) == ["facility-clearance", "export-authorisation-required"]
    # omitted reasons: the outcome alone is checked
    assert lines[2]["status"] == "PASS"
    assert codes_in(lines[2]["expected"]) == []
    for m in lines:
        assert in_rule_order(codes_in(m["expected"]))
        assert in_rule_order(codes_in(m["actual"]))


def test_failing_and_passing_files_together_exit_1() -> None:
    result = run(SHARED[0], FAILING, SHARED[1])
    assert result.exit_code == 1, result.output
    for file in (*SHARED, FAILING):
        assert lines_of(result.stdout, file)


# --- invalid files ---------------------------------------------------------------------------

#: file → (key path, fragments of what was wrong or expected)
INVALID_CASES = {
    "unknown-key.yaml": ("people[0].clearence", ["unknown key"]),
    "bad-date.yaml": ("people[0].read_on[0].from", ["2025-02-30", "YYYY-MM-DD"]),
    "naive-instant.yaml": ("checks[1].at", ["2026-06-01T12:00:00", "offset"]),
    "unknown-programme.yaml": ("people[0].read_on[0].programme", ["P-NONE"]),
    "unknown-person.yaml": ("checks[1].person", ["P-NOBODY"]),
    "reasons-with-permit.yaml": ("checks[1]", ["reasons", "permit"]),
    "missing-at.yaml": ("checks[1].at", ["at"]),
    "bad-transition.yaml": ("people[0].clearances[0].history", ["revoked", "granted"]),
    "unknown-clearance-type.yaml": ("people[0].clearances[0].type", ["TS", "GBR", "SC"]),
    "invalid-marking.yaml": ("assets[0].marking", ["USA", "9"]),
    "unknown-level.yaml": ("assets[0].level", ["CONFIDENTIAL", "GBR"]),
    "repeated-key.yaml": ("line 10", ["level", "repeated"]),
}


def test_every_invalid_vector_is_listed() -> None:
    assert sorted(p.name for p in INVALID.glob("*.yaml")) == sorted(INVALID_CASES)


@pytest.mark.parametrize("name", sorted(INVALID_CASES))
def test_an_invalid_file_is_reported_and_the_valid_ones_still_run(name: str) -> None:
    file = INVALID / name
    path, fragments = INVALID_CASES[name]
    result = run(SHARED[0], file, FAILING)
    assert result.exit_code == 2, result.output  # 2 wins over 1
    report = [line for line in result.output.splitlines() if str(file) in line]
    assert len(report) == 1, result.output
    (line,) = report
    assert path in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    # nothing of the invalid file runs, even its valid checks before the error
    assert lines_of(result.output, file) == []
    # the valid files still run and print their lines
    assert lines_of(result.stdout, SHARED[0])
    assert any(m["status"] == "FAIL" for m in lines_of(result.stdout, FAILING))


def test_an_invalid_file_alone_exits_2() -> None:
    result = run(INVALID / "unknown-key.yaml")
    assert result.exit_code == 2
    assert check_lines(result.output) == []


def test_a_missing_file_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    result = run(missing, MINIMAL)
    assert result.exit_code == 2, result.output
    assert str(missing) in result.output
    assert all(m["status"] == "PASS" for m in lines_of(result.stdout, MINIMAL))
    assert lines_of(result.stdout, MINIMAL)


HEADER = """\
version: 1
at: 2026-06-01
people: [{id: P, nationalities: [GBR]}]
assets: [{id: D, originator: GBR, level: SECRET}]
"""


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["mapping"]),
        ("version: 2\n", ["version"]),
        ("- version: 1\n", ["mapping"]),
        ("version: 1\nat: [2026\n", ["YAML"]),
        (
            HEADER + "checks: [{person: P, asset: D, action: copy, expect: deny}]\n",
            ["checks[0].action", "read"],
        ),
        (
            HEADER
            + "checks: [{person: P, asset: D, action: read, expect: deny, reasons: [nope]}]\n",
            ["checks[0].reasons[0]", "need-to-know"],
        ),
        (
            "version: 1\npeople: [{id: P, nationalities: [XXX]}]\n",
            ["people[0].nationalities[0]", "XXX"],
        ),
    ],
    ids=["empty", "version", "list", "yaml-syntax", "action", "reason-code", "country"],
)
def test_more_invalid_files(tmp_path: Path, text: str, fragments: list[str]) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    result = run(file, MINIMAL)
    assert result.exit_code == 2, result.output
    (line,) = [line for line in result.output.splitlines() if str(file) in line]
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert lines_of(result.stdout, MINIMAL)


# --- warnings --------------------------------------------------------------------------------


def test_the_aukus_alias_is_accepted_with_a_warning_on_stderr() -> None:
    result = run(ALIAS)
    assert result.exit_code == 0, result.output
    assert "AUKUS" in result.stderr
    assert "AUKUS" not in result.stdout
    assert [m["status"] for m in lines_of(result.stdout, ALIAS)] == ["PASS", "PASS"]


def test_the_aukus_alias_in_releasable_to_warns_too() -> None:
    result = run(ALIAS)
    assert "assets[0]" in result.stderr


# --- JSON ------------------------------------------------------------------------------------


def assert_decision_value(value: Any, *, expected: bool) -> None:
    assert isinstance(value, dict)
    assert set(value) == {"permit", "reasons"}
    assert isinstance(value["permit"], bool)
    reasons = value["reasons"]
    if expected and reasons is None:  # reasons omitted in the file: the outcome alone
        assert value["permit"] is False
        return
    assert isinstance(reasons, list)
    assert all(code in CODES for code in reasons)
    assert in_rule_order(reasons)
    assert len(set(reasons)) == len(reasons)
    if value["permit"]:
        assert reasons == []


def assert_marking_value(value: Any) -> None:
    assert isinstance(value, dict)
    assert len(value) == 1
    ((key, text),) = value.items()
    assert key in {"canonical", "error"}
    assert isinstance(text, str)
    assert text


def test_json_has_exactly_the_spec_shape() -> None:
    bad = INVALID / "unknown-person.yaml"
    files = [*SHARED, FAILING, bad, MINIMAL]
    result = run("--json", *files)
    assert result.exit_code == 2
    document = json.loads(result.stdout)  # stdout holds the JSON document and nothing else
    assert set(document) == {"files"}
    assert [f["file"] for f in document["files"]] == [str(f) for f in files]
    for entry in document["files"]:
        assert set(entry) == {"file", "error", "checks"}
        if entry["file"] == str(bad):
            assert isinstance(entry["error"], str)
            assert "checks[1].person" in entry["error"]
            assert "P-NOBODY" in entry["error"]
            assert entry["checks"] == []
            continue
        assert entry["error"] is None
        assert [c["index"] for c in entry["checks"]] == list(range(len(entry["checks"])))
        for check in entry["checks"]:
            assert set(check) == {"index", "kind", "expected", "actual", "ok"}
            assert isinstance(check["ok"], bool)
            if check["kind"] == "decision":
                assert_decision_value(check["expected"], expected=True)
                assert_decision_value(check["actual"], expected=False)
                exp, act = check["expected"], check["actual"]
                agrees = exp["permit"] == act["permit"] and (
                    exp["reasons"] is None or exp["reasons"] == act["reasons"]
                )
                assert check["ok"] == agrees, check
            else:
                assert check["kind"] == "marking"
                assert_marking_value(check["expected"])
                assert_marking_value(check["actual"])
                if "canonical" in check["expected"]:
                    assert check["ok"] == (check["expected"] == check["actual"]), check
                else:
                    assert check["ok"] == ("error" in check["actual"]), check


def test_json_values_of_the_spec_example() -> None:
    file = VECTORS / "spec-example.yaml"
    result = run(file, "--json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["files"]
    checks = entry["checks"]
    assert checks[0] == {
        "index": 0,
        "kind": "decision",
        "expected": {"permit": True, "reasons": []},
        "actual": {"permit": True, "reasons": []},
        "ok": True,
    }
    reasons = ["clearance-expired", "export-authorisation-required"]
    assert checks[1] == {
        "index": 1,
        "kind": "decision",
        "expected": {"permit": False, "reasons": reasons},
        "actual": {"permit": False, "reasons": reasons},
        "ok": True,
    }
    canonical = {"canonical": "SECRET//REL TO USA, AUS, GBR"}
    assert checks[2] == {
        "index": 2,
        "kind": "marking",
        "expected": canonical,
        "actual": canonical,
        "ok": True,
    }
    assert set(checks[3]["actual"]) == {"error"}
    assert checks[3]["ok"] is True
    assert checks[4]["actual"] == {"canonical": "SECRET//FGI JPN//REL TO USA, GBR"}
    assert set(checks[5]["actual"]) == {"error"}


def test_json_of_a_failing_file_exits_1_and_shows_both_sides() -> None:
    result = run("--json", FAILING)
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    by_index = {c["index"]: c for c in entry["checks"]}
    assert [i for i, c in by_index.items() if not c["ok"]] == [1, 4, 6, 7]
    assert by_index[1]["expected"] == {"permit": True, "reasons": []}
    assert by_index[1]["actual"] == {
        "permit": False,
        "reasons": ["need-to-know", "export-authorisation-required"],
    }
    # given out of rule order in the file, reported in rule order
    assert by_index[0]["expected"]["reasons"] == ["need-to-know", "export-authorisation-required"]
    assert by_index[6]["expected"] == {"canonical": "SECRET//REL TO GBR, USA"}
    assert by_index[6]["actual"] == {"canonical": "SECRET//REL TO USA, GBR"}
    assert by_index[7]["actual"] == {"canonical": "//GBR SECRET//REL TO USA, GBR"}
    assert set(by_index[8]["actual"]) == {"error"}
    assert "CONFIDENTIAL" in by_index[8]["actual"]["error"]


def test_json_stays_parseable_with_warnings() -> None:
    result = run("--json", ALIAS)
    assert result.exit_code == 0
    (entry,) = json.loads(result.stdout)["files"]
    assert [c["ok"] for c in entry["checks"]] == [True, True]


# --- the entry point -------------------------------------------------------------------------


def test_python_m_clearway_runs_scenarios_from_any_directory(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "clearway", "scenario", "run", *map(str, SHARED), str(FAILING)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    for file in SHARED:
        lines = lines_of(done.stdout, file)
        assert lines
        assert all(m["status"] == "PASS" for m in lines)
    assert [m["status"] for m in lines_of(done.stdout, FAILING)].count("FAIL") == 4


# --- the store path decides like the domain --------------------------------------------------


@pytest.fixture(scope="module")
def scratch() -> Iterator[ScratchStores]:
    with ScratchStores(default_reference()) as stores:
        yield stores


@given(spec=worlds(), data=st.data())
def test_the_runners_store_path_decides_like_the_domain(
    spec: Spec, data: st.DataObject, scratch: ScratchStores
) -> None:
    """``scenario run`` loads each world into a fresh store (the ``clearway import`` path) and
    decides from the store's index: the answers equal :func:`decide` on the facts the file
    builds to. (Through the library, as the command does: a whole command per example would
    migrate a new store template each time.)"""
    world = build(spec)
    store = scratch.fresh()
    import_world(store, world)
    index = DecisionIndex(store)
    ats = data.draw(instants_for(spec), label="instants")
    requests = [
        (person, asset, action, at)
        for at in ats
        for person in sorted(world.people)
        for asset in sorted(world.assets)
        for action in ACTIONS
    ]
    expected = [decide(world, *request).reasons for request in requests]
    # records fetched on demand, as the runner does
    lazily = [decide(index.world, *request).reasons for request in requests]
    assert lazily == expected
    # the whole registry loaded at once
    index.load()
    assert sorted(index.world.people) == sorted(world.people)
    assert sorted(index.world.assets) == sorted(world.assets)
    assert [decide(index.world, *request).reasons for request in requests] == expected


def test_scenario_run_decides_like_the_domain_on_a_generated_file(tmp_path: Path) -> None:
    """The same through the command, on one file: every person, asset, action and a few
    instants of the shared example world, expected outcomes left to the domain."""
    source = yaml.safe_load((VECTORS / "pillar2-basics.yaml").read_text(encoding="utf-8"))
    for key in ("at", "checks", "markings"):
        source.pop(key)
    world = build(source)
    instants = ["2024-06-01T00:00:00Z", "2026-03-01T00:00:00Z", "2027-06-01T09:00:00+09:00"]
    requests = [
        (p, a, action, at)
        for p in sorted(world.people)
        for a in sorted(world.assets)
        for action in ACTIONS
        for at in instants
    ]
    document = {
        **source,
        "checks": [
            {"person": p, "asset": a, "action": action, "at": at, "expect": "deny"}
            for p, a, action, at in requests
        ],
    }
    file = tmp_path / "generated.yaml"
    file.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = run("--json", file)
    assert result.exit_code == 1, result.output  # some of them are permits
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["error"] is None
    for check, (person, asset, action, at) in zip(entry["checks"], requests, strict=True):
        decision = decide(world, person, asset, action, datetime.fromisoformat(at))
        expected = {"permit": decision.permit, "reasons": [r.value for r in decision.reasons]}
        assert check["actual"] == expected, (person, asset, action, at)
        assert check["ok"] is (not decision.permit)
