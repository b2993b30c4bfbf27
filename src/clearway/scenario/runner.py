# SPDX-License-Identifier: Apache-2.0
"""``clearway scenario run``: validate scenario files, load each world, run its checks (SPEC §7).

All files are validated first; an invalid file is reported and nothing of it is loaded, while
the valid ones still run. Exit status: 0 all pass, 1 a check disagrees, 2 a file is invalid.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import attrs
from pydantic import BaseModel, ValidationError

from clearway.domain.compiled import CompiledWorld
from clearway.domain.decision import RULE_ORDER, Action, Reason
from clearway.domain.facts import World
from clearway.domain.marking import parse_marking, render_banner, roll_up
from clearway.domain.reference import Reference
from clearway.domain.time import as_instant, to_micros
from clearway.errors import ClearwayError, MarkingError, ScenarioError
from clearway.scenario.build import build_world
from clearway.scenario.document import CheckDoc, MarkingCheckDoc, ScenarioDoc
from clearway.scenario.yamlload import load_yaml

__all__ = [
    "CheckResult",
    "FileResult",
    "ValidScenario",
    "exit_code",
    "format_json",
    "format_lines",
    "load_document",
    "run_files",
    "validate_file",
]

_M = TypeVar("_M", bound=BaseModel)

#: Loads a validated world into a fresh store and returns what decisions are read from.
WorldLoader = Callable[[World, "ValidScenario"], CompiledWorld]


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _reason(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def load_document(path: Path, model: type[_M], data: Any = None) -> _M:
    """Read and validate ``path`` as ``model``; raises :class:`ScenarioError` naming the file,
    the key path and what was expected."""
    raw = load_yaml(path) if data is None else data
    if not isinstance(raw, dict):
        raise ScenarioError(str(path), "", "expected a mapping of keys at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        # An unknown key explains a "missing" one next to it (a misspelling): name it first.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(part for part in first["loc"] if part not in ("function-before[_when()]",))
        raise ScenarioError(str(path), _path(loc), _reason(first)) from exc


@attrs.frozen
class ValidScenario:
    """A scenario file that passed validation: its document, world and default instant."""

    file: str
    doc: ScenarioDoc
    world: World
    warnings: tuple[str, ...]


@attrs.frozen
class CheckResult:
    """The outcome of one check of a scenario file."""

    index: int
    kind: str
    label: str
    expected: dict[str, Any]
    actual: dict[str, Any]
    ok: bool


@attrs.frozen
class FileResult:
    """A file's error (if invalid) or its check results."""

    file: str
    error: str | None
    checks: tuple[CheckResult, ...] = ()
    warnings: tuple[str, ...] = ()


def validate_file(path: Path, reference: Reference) -> ValidScenario:
    """Validate a scenario file completely before anything of it is loaded."""
    file = str(path)
    doc = load_document(path, ScenarioDoc)
    world, warnings = build_world(doc, reference, file)
    for i, check in enumerate(doc.checks):
        if check.at is None and doc.at is None:
            raise ScenarioError(file, f"checks[{i}].at", "required: the file gives no default `at`")
        if check.person not in world.people:
            raise ScenarioError(file, f"checks[{i}].person", f"unknown person `{check.person}`")
        if check.asset not in world.assets:
            raise ScenarioError(file, f"checks[{i}].asset", f"unknown asset `{check.asset}`")
    return ValidScenario(file, doc, world, tuple(warnings))


def _ordered(reasons: Sequence[Reason]) -> list[str]:
    wanted = set(reasons)
    return [r.value for r in RULE_ORDER if r in wanted]


def _decision(
    index: int, check: CheckDoc, default_at: datetime | None, world: CompiledWorld
) -> CheckResult:
    when = check.at if check.at is not None else default_at
    assert when is not None
    at = as_instant(when)
    reasons = world.reasons_at(
        check.person, check.asset, check.action is Action.DOWNLOAD, to_micros(at)
    )
    actual = {"permit": not reasons, "reasons": _ordered(reasons)}
    expected: dict[str, Any] = {
        "permit": check.expect == "permit",
        "reasons": []
        if check.expect == "permit"
        else (None if check.reasons is None else _ordered(check.reasons)),
    }
    ok = actual["permit"] == expected["permit"] and (
        expected["reasons"] is None or expected["reasons"] == actual["reasons"]
    )
    stamp = at.isoformat().replace("+00:00", "Z")
    label = f"{check.person} {check.asset} {check.action.value} @{stamp}"
    return CheckResult(index, "decision", label, expected, actual, ok)


def _marking(index: int, check: MarkingCheckDoc, reference: Reference) -> CheckResult:
    try:
        if check.input is not None:
            label = json.dumps(check.input, ensure_ascii=False)
            marking = parse_marking(check.input, reference).marking
        else:
            assert check.rollup is not None
            assert check.by is not None
            label = f"rollup by {check.by} of " + json.dumps(check.rollup, ensure_ascii=False)
            portions = []
            for j, text in enumerate(check.rollup, start=1):
                try:
                    portions.append(parse_marking(text, reference).marking)
                except MarkingError as exc:
                    msg = f"portion {j}: {exc.message}"
                    raise MarkingError(msg) from exc
            marking = roll_up(portions, check.by, reference)
        actual: dict[str, Any] = {"canonical": render_banner(marking, reference)}
    except MarkingError as exc:
        actual = {"error": exc.message}
    if check.error:
        expected: dict[str, Any] = {"error": "any"}
        ok = "error" in actual
    else:
        expected = {"canonical": check.canonical}
        ok = actual.get("canonical") == check.canonical
    return CheckResult(index, "marking", label, expected, actual, ok)


def run_valid(scenario: ValidScenario, world: CompiledWorld, reference: Reference) -> FileResult:
    """Run every check of a validated scenario against ``world``."""
    doc = scenario.doc
    default = None if doc.at is None else as_instant(doc.at)
    results = [_decision(i, check, default, world) for i, check in enumerate(doc.checks)]
    offset = len(results)
    results += [_marking(offset + j, m, reference) for j, m in enumerate(doc.markings)]
    return FileResult(scenario.file, None, tuple(results), scenario.warnings)


def run_files(
    paths: Sequence[Path], reference: Reference, load: WorldLoader | None = None
) -> list[FileResult]:
    """Validate every file, then load and run each valid one in its own fresh store."""
    validated: list[ValidScenario | FileResult] = []
    for path in paths:
        try:
            validated.append(validate_file(path, reference))
        except ClearwayError as exc:
            validated.append(FileResult(str(path), exc.message))
    results = []
    for item in validated:
        if isinstance(item, FileResult):
            results.append(item)
            continue
        try:
            world = CompiledWorld(item.world) if load is None else load(item.world, item)
        except ClearwayError as exc:  # e.g. the store refused a row: this file is invalid
            results.append(FileResult(item.file, f"{item.file}: {exc.message}"))
            continue
        results.append(run_valid(item, world, reference))
    return results


def exit_code(results: Sequence[FileResult]) -> int:
    """2 if any file is invalid, else 1 if any check failed, else 0."""
    if any(r.error is not None for r in results):
        return 2
    return 1 if any(not c.ok for r in results for c in r.checks) else 0


def _show(kind: str, value: dict[str, Any]) -> str:
    if kind == "decision":
        outcome = "permit" if value["permit"] else "deny"
        reasons = value["reasons"]
        return outcome + (f"[{','.join(reasons)}]" if reasons else "")
    if "canonical" in value:
        return json.dumps(value["canonical"], ensure_ascii=False)
    return "error" if value["error"] == "any" else f"error({value['error']})"


def format_lines(results: Sequence[FileResult]) -> list[str]:
    """One line per check (and per invalid file)."""
    lines = []
    for result in results:
        if result.error is not None:
            lines.append(f"INVALID {result.error}")
            continue
        for check in result.checks:
            status = "PASS" if check.ok else "FAIL"
            lines.append(
                f"{status} {result.file}:{check.index} {check.kind} {check.label}"
                f" expected={_show(check.kind, check.expected)}"
                f" actual={_show(check.kind, check.actual)}"
            )
    return lines


def format_json(results: Sequence[FileResult]) -> str:
    """The ``--json`` document of SPEC §7."""
    return json.dumps(
        {
            "files": [
                {
                    "file": r.file,
                    "error": r.error,
                    "checks": [
                        {
                            "index": c.index,
                            "kind": c.kind,
                            "expected": c.expected,
                            "actual": c.actual,
                            "ok": c.ok,
                        }
                        for c in r.checks
                    ],
                }
                for r in results
            ]
        },
        ensure_ascii=False,
        indent=2,
    )
