# SPDX-License-Identifier: Apache-2.0
"""Load the data files into a :class:`~clearway.domain.reference.Reference`.

A malformed file fails to load with the file, the key and the reason (:class:`DataFileError`);
nothing is half-loaded. Adding a nation is adding ``nations/<CODE>.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from clearway.domain.reference import (
    AgreementRow,
    ClearanceType,
    Level,
    Provenance,
    Reference,
    Scheme,
    fold,
)
from clearway.errors import DataFileError
from clearway.reference.schema import (
    CountriesFile,
    ExportControlsFile,
    GroupsFile,
    NationFile,
    Provenanced,
)

__all__ = ["default_data_dir", "default_reference", "load_reference"]

_M = TypeVar("_M", bound=BaseModel)


def default_data_dir() -> Path:
    """The data files shipped inside the package."""
    return Path(str(resources.files("clearway") / "data"))


@cache
def default_reference() -> Reference:
    """The shipped reference data, loaded once per process."""
    return load_reference(default_data_dir())


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _read(path: Path, model: type[_M]) -> _M:
    try:
        raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except OSError as exc:
        raise DataFileError(str(path), "(file)", f"cannot be read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise DataFileError(str(path), where, f"is not valid YAML: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DataFileError(str(path), _key(first["loc"]), first["msg"]) from exc


def _provenance(entry: Provenanced) -> Provenance:
    return Provenance(source=entry.source, assumed=entry.assumed)


def _check_names(file: str, section: str, entries: list[Any]) -> None:
    """Every name and alias of a section must be distinct after folding (NFKC, case)."""
    seen: dict[str, str] = {}
    for i, entry in enumerate(entries):
        names = [("name", entry.name)] + [(f"aliases[{j}]", a) for j, a in enumerate(entry.aliases)]
        for key, name in names:
            folded = fold(name)
            where = f"{section}[{i}].{key}"
            if folded in seen and seen[folded] != f"{section}[{i}]":
                msg = f"`{name}` is already a name or alias of {seen[folded]}"
                raise DataFileError(file, where, msg)
            seen[folded] = f"{section}[{i}]"


def _scheme(path: Path, data: NationFile) -> Scheme:
    file = str(path)
    if path.stem != data.nation:
        raise DataFileError(file, "nation", f"`{data.nation}` does not match the file name")
    _check_names(file, "levels", data.levels)
    _check_names(file, "clearance_types", data.clearance_types)
    _check_names(file, "facility_clearance_types", data.facility_clearance_types)
    levels: list[Level] = []
    designated: set[int] = set()
    for i, entry in enumerate(data.levels):
        if levels and entry.rank < levels[-1].rank:
            msg = f"rank {entry.rank} is below the rank of the level before it (lowest first)"
            raise DataFileError(file, f"levels[{i}].rank", msg)
        if entry.designated:
            if entry.rank in designated:
                msg = f"a second designated level for rank {entry.rank}"
                raise DataFileError(file, f"levels[{i}].designated", msg)
            designated.add(entry.rank)
        levels.append(
            Level(
                nation=data.nation,
                name=entry.name,
                rank=entry.rank,
                index=i,
                designated=entry.designated,
                aliases=tuple(entry.aliases),
                provenance=_provenance(entry),
            )
        )
    bare = Scheme(data.nation, MappingProxyType({}), tuple(levels), None, None)

    def level(name: str | None, key: str) -> Level | None:
        if name is None:
            return None
        found = bare.find_level(name)
        if found is None:
            raise DataFileError(file, key, f"`{name}` is not a level of this scheme")
        return found

    def ceiling(name: str, key: str) -> Level:
        found = level(name, key)
        assert found is not None
        return found

    types = tuple(
        ClearanceType(
            nation=data.nation,
            name=t.name,
            ceiling=ceiling(t.ceiling, f"clearance_types[{i}].ceiling"),
            validity_years=t.validity_years,
            aliases=tuple(t.aliases),
            provenance=_provenance(t),
        )
        for i, t in enumerate(data.clearance_types)
    )
    facility_types = tuple(
        ClearanceType(
            nation=data.nation,
            name=t.name,
            ceiling=ceiling(t.ceiling, f"facility_clearance_types[{i}].ceiling"),
            aliases=tuple(t.aliases),
            provenance=_provenance(t),
        )
        for i, t in enumerate(data.facility_clearance_types)
    )
    thresholds = data.clearance_thresholds
    return Scheme(
        nation=data.nation,
        names=MappingProxyType({"en": data.names.en, "ja": data.names.ja}),
        levels=tuple(levels),
        personnel_threshold=level(thresholds.personnel, "clearance_thresholds.personnel"),
        facility_threshold=level(thresholds.facility, "clearance_thresholds.facility"),
        clearance_types=types,
        facility_clearance_types=facility_types,
        threshold_provenance=_provenance(thresholds),
    )


def _agreements(
    files: Mapping[Path, NationFile], schemes: Mapping[str, Scheme]
) -> dict[tuple[str, str, str], AgreementRow]:
    rows: dict[tuple[str, str, str], AgreementRow] = {}
    for path, data in files.items():
        source = schemes[data.nation]
        for i, entry in enumerate(data.agreements):
            key = f"agreements[{i}]"
            target = schemes.get(entry.to)
            if entry.to == data.nation:
                msg = "an agreement row translates into another nation's scheme, not its own"
                raise DataFileError(str(path), f"{key}.to", msg)
            if target is None:
                raise DataFileError(str(path), f"{key}.to", f"`{entry.to}` has no data file")
            level = source.find_level(entry.level)
            if level is None:
                msg = f"`{entry.level}` is not a level of {data.nation}"
                raise DataFileError(str(path), f"{key}.level", msg)
            protect_as = target.find_level(entry.protect_as)
            if protect_as is None:
                msg = f"`{entry.protect_as}` is not a level of {entry.to}"
                raise DataFileError(str(path), f"{key}.protect_as", msg)
            ident = (data.nation, level.name, entry.to)
            if ident in rows:
                msg = f"a second row for `{level.name}` into {entry.to}"
                raise DataFileError(str(path), key, msg)
            rows[ident] = AgreementRow(
                source=data.nation,
                level=level,
                target=entry.to,
                protect_as=protect_as,
                confirmed=entry.confirmed,
                provenance=_provenance(entry),
            )
    return rows


def load_reference(data_dir: Path) -> Reference:
    """Load and cross-check every data file under ``data_dir``.

    Raises :class:`DataFileError` naming the file, key and reason of the first problem.
    """
    countries_path = data_dir / "countries.yaml"
    groups_path = data_dir / "groups.yaml"
    export_path = data_dir / "export_controls.yaml"
    countries = _read(countries_path, CountriesFile)
    groups = _read(groups_path, GroupsFile)
    export = _read(export_path, ExportControlsFile)

    sections = (("tetragraphs", groups.tetragraphs), ("input_aliases", groups.input_aliases))
    for section, entries in sections:
        for name, group in entries.items():
            for i, member in enumerate(group.members):
                if member not in countries.codes:
                    msg = f"`{member}` is not a known country code"
                    raise DataFileError(str(groups_path), f"{section}.{name}.members[{i}]", msg)
            if name in countries.codes:
                msg = f"`{name}` is already a country code"
                raise DataFileError(str(groups_path), f"{section}.{name}", msg)
    for name in groups.input_aliases:
        if name in groups.tetragraphs:
            msg = f"`{name}` is already a tetragraph"
            raise DataFileError(str(groups_path), f"input_aliases.{name}", msg)

    nation_files: dict[Path, NationFile] = {}
    schemes: dict[str, Scheme] = {}
    nation_dir = data_dir / "nations"
    strays = sorted(p.name for p in nation_dir.glob("*") if p.suffix != ".yaml")
    if strays:
        msg = f"holds `{strays[0]}`; nation data files are named `<CODE>.yaml`"
        raise DataFileError(str(nation_dir), "(directory)", msg)
    for path in sorted(nation_dir.glob("*.yaml")):
        data = _read(path, NationFile)
        if data.nation not in countries.codes and data.nation not in groups.tetragraphs:
            msg = f"`{data.nation}` is neither a known country code nor a tetragraph"
            raise DataFileError(str(path), "nation", msg)
        schemes[data.nation] = _scheme(path, data)
        nation_files[path] = data
    if not schemes:
        raise DataFileError(str(data_dir / "nations"), "(directory)", "holds no nation data file")

    itar = [code for code, c in export.controls.items() if c.itar]
    excluded = [code for code, c in export.controls.items() if c.excluded]
    if len(excluded) != 1 or not export.controls[excluded[0]].itar:
        msg = "exactly one control must be `excluded: true` (and `itar: true`)"
        raise DataFileError(str(export_path), "controls", msg)
    effective = export.aukus_exemption_effective.date
    for code, control in export.controls.items():
        if control.issuer not in schemes:
            msg = f"`{control.issuer}` has no nation data file"
            raise DataFileError(str(export_path), f"controls.{code}.issuer", msg)

    return Reference(
        schemes=MappingProxyType(schemes),
        countries=MappingProxyType(dict(countries.codes)),
        groups=MappingProxyType(
            {name: frozenset(g.members) for name, g in groups.tetragraphs.items()}
        ),
        group_provenance=MappingProxyType(
            {
                name: _provenance(g)
                for name, g in (*groups.tetragraphs.items(), *groups.input_aliases.items())
            }
        ),
        input_aliases=MappingProxyType(
            {name: frozenset(g.members) for name, g in groups.input_aliases.items()}
        ),
        agreements=MappingProxyType(_agreements(nation_files, schemes)),
        export_controls=MappingProxyType({code: c.name for code, c in export.controls.items()}),
        export_issuers=MappingProxyType({code: c.issuer for code, c in export.controls.items()}),
        itar_controls=frozenset(itar),
        itar_excluded=excluded[0],
        aukus_effective=datetime(effective.year, effective.month, effective.day, tzinfo=UTC),
    )
