# SPDX-License-Identifier: Apache-2.0
"""The shipped data files: they load, they say what SPEC §2 and §3 say, every value carries its
provenance, and a malformed file fails with the file, the key and the reason."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from clearway.domain.reference import Provenance, Reference
from clearway.errors import DataFileError, InvalidInputError
from clearway.reference import default_data_dir, default_reference, load_reference

# --- SPEC §2: levels (name, rank, designated), lowest first ----------------------------------

LEVELS: dict[str, list[tuple[str, int, bool]]] = {
    "USA": [
        ("UNCLASSIFIED", 0, True),
        ("CONFIDENTIAL", 2, True),
        ("SECRET", 3, True),
        ("TOP SECRET", 4, True),
    ],
    "GBR": [
        ("OFFICIAL", 0, True),
        ("OFFICIAL-SENSITIVE", 1, True),
        ("SECRET", 3, True),
        ("TOP SECRET", 4, True),
    ],
    "AUS": [
        ("UNOFFICIAL", 0, False),
        ("OFFICIAL", 0, True),
        ("OFFICIAL:Sensitive", 1, False),
        ("PROTECTED", 1, True),
        ("SECRET", 3, True),
        ("TOP SECRET", 4, True),
    ],
    "JPN": [
        ("非指定", 0, True),
        ("取扱注意", 1, True),
        ("秘", 2, True),
        ("重要経済安保情報", 2, False),
        ("極秘", 3, True),
        ("特定秘密", 3, False),
        ("機密", 4, True),
    ],
    "KOR": [
        ("일반", 0, True),
        ("대외비", 1, True),
        ("Ⅲ급비밀", 2, True),
        ("군사Ⅲ급비밀", 2, False),
        ("Ⅱ급비밀", 3, True),
        ("군사Ⅱ급비밀", 3, False),
        ("Ⅰ급비밀", 4, True),
    ],
    "CAN": [
        ("UNCLASSIFIED", 0, True),
        ("PROTECTED A", 0, False),
        ("PROTECTED B", 1, True),
        ("PROTECTED C", 1, False),
        ("CONFIDENTIAL", 2, True),
        ("SECRET", 3, True),
        ("TOP SECRET", 4, True),
    ],
    "NZL": [
        ("UNCLASSIFIED", 0, True),
        ("IN-CONFIDENCE", 0, False),
        ("SENSITIVE", 1, False),
        ("RESTRICTED", 1, True),
        ("CONFIDENTIAL", 2, True),
        ("SECRET", 3, True),
        ("TOP SECRET", 4, True),
    ],
    "NATO": [
        ("NATO UNCLASSIFIED", 0, True),
        ("NATO RESTRICTED", 1, True),
        ("NATO CONFIDENTIAL", 2, True),
        ("NATO SECRET", 3, True),
        ("COSMIC TOP SECRET", 4, True),
    ],
}

# --- SPEC §2: (personnel, facility) clearance thresholds -------------------------------------

THRESHOLDS: dict[str, tuple[str | None, str | None]] = {
    "USA": ("CONFIDENTIAL", "CONFIDENTIAL"),
    "GBR": ("OFFICIAL-SENSITIVE", "SECRET"),
    "AUS": ("PROTECTED", "PROTECTED"),
    "JPN": ("秘", "秘"),
    "KOR": ("Ⅲ급비밀", "Ⅲ급비밀"),
    "CAN": ("PROTECTED B", "CONFIDENTIAL"),
    "NZL": ("CONFIDENTIAL", "CONFIDENTIAL"),
    "NATO": (None, None),
}

# --- SPEC §3: personnel clearance types (name, ceiling, validity years) ----------------------

CLEARANCE_TYPES: dict[str, list[tuple[str, str, int | None]]] = {
    "USA": [
        ("CONFIDENTIAL", "CONFIDENTIAL", 15),
        ("SECRET", "SECRET", 10),
        ("TOP SECRET", "TOP SECRET", 5),
    ],
    "GBR": [
        ("BPSS", "OFFICIAL-SENSITIVE", None),
        ("CTC", "OFFICIAL-SENSITIVE", 10),
        ("SC", "SECRET", 10),
        ("DV", "TOP SECRET", 7),
    ],
    "AUS": [
        ("BASELINE", "PROTECTED", 15),
        ("NV1", "SECRET", 10),
        ("NV2", "TOP SECRET", 5),
        ("PV", "TOP SECRET", 5),
    ],
    "JPN": [("CESI", "重要経済安保情報", 10), ("SDS", "特定秘密", 5)],
    "KOR": [("Ⅲ급", "Ⅲ급비밀", 5), ("Ⅱ급", "Ⅱ급비밀", 5), ("Ⅰ급", "Ⅰ급비밀", 5)],
    "CAN": [
        ("RELIABILITY", "PROTECTED B", 10),
        ("SECRET", "SECRET", 10),
        ("TOP SECRET", "TOP SECRET", 5),
    ],
    "NZL": [("CV", "CONFIDENTIAL", 5), ("SV", "SECRET", 5), ("TSV", "TOP SECRET", 5)],
    "NATO": [],
}

# --- SPEC §3: facility clearance types (name, ceiling) ---------------------------------------

FACILITY_TYPES: dict[str, list[tuple[str, str]]] = {
    "USA": [("CONFIDENTIAL", "CONFIDENTIAL"), ("SECRET", "SECRET"), ("TOP SECRET", "TOP SECRET")],
    "GBR": [("SECRET", "SECRET"), ("TOP SECRET", "TOP SECRET")],
    "AUS": [
        ("ENTRY", "OFFICIAL:Sensitive"),
        ("LEVEL 1", "PROTECTED"),
        ("LEVEL 2", "SECRET"),
        ("LEVEL 3", "TOP SECRET"),
    ],
    "JPN": [("CESI", "重要経済安保情報"), ("SDS", "特定秘密")],
    "KOR": [
        ("Ⅲ급비밀", "Ⅲ급비밀"),
        ("군사Ⅲ급비밀", "군사Ⅲ급비밀"),
        ("Ⅱ급비밀", "Ⅱ급비밀"),
        ("군사Ⅱ급비밀", "군사Ⅱ급비밀"),
        ("Ⅰ급비밀", "Ⅰ급비밀"),
    ],
    "CAN": [("CONFIDENTIAL", "CONFIDENTIAL"), ("SECRET", "SECRET"), ("TOP SECRET", "TOP SECRET")],
    "NZL": [
        ("RESTRICTED", "RESTRICTED"),
        ("CONFIDENTIAL", "CONFIDENTIAL"),
        ("SECRET", "SECRET"),
        ("TOP SECRET", "TOP SECRET"),
    ],
    "NATO": [],
}

# --- SPEC §2: the shipped bilateral rows (source, level, target, protect-as) -----------------

GSOMIA = "Japan–ROK GSOMIA Art. 4(2)"
AGREEMENTS = {
    ("JPN", "極秘", "KOR"): "군사Ⅱ급비밀",
    ("JPN", "特定秘密", "KOR"): "군사Ⅱ급비밀",
    ("JPN", "秘", "KOR"): "군사Ⅲ급비밀",
    ("KOR", "군사Ⅱ급비밀", "JPN"): "極秘",
    ("KOR", "군사Ⅲ급비밀", "JPN"): "秘",
}


@pytest.fixture(scope="module")
def ref() -> Reference:
    return default_reference()


def test_shipped_nations(ref: Reference) -> None:
    assert sorted(ref.schemes) == sorted(LEVELS)


@pytest.mark.parametrize("nation", sorted(LEVELS))
def test_levels_in_order_with_ranks_and_designated(ref: Reference, nation: str) -> None:
    scheme = ref.scheme(nation)
    got = [(lv.name, lv.rank, lv.designated) for lv in scheme.levels]
    assert got == LEVELS[nation]
    assert [lv.index for lv in scheme.levels] == list(range(len(got)))
    assert all(lv.nation == nation for lv in scheme.levels)


@pytest.mark.parametrize("nation", sorted(THRESHOLDS))
def test_thresholds(ref: Reference, nation: str) -> None:
    scheme = ref.scheme(nation)
    personnel, facility = THRESHOLDS[nation]
    got_personnel = scheme.personnel_threshold.name if scheme.personnel_threshold else None
    got_facility = scheme.facility_threshold.name if scheme.facility_threshold else None
    assert (got_personnel, got_facility) == (personnel, facility)


@pytest.mark.parametrize("nation", sorted(CLEARANCE_TYPES))
def test_clearance_types(ref: Reference, nation: str) -> None:
    scheme = ref.scheme(nation)
    got = [(t.name, t.ceiling.name, t.validity_years) for t in scheme.clearance_types]
    assert got == CLEARANCE_TYPES[nation]
    for name, ceiling, _ in CLEARANCE_TYPES[nation]:
        assert scheme.clearance_type(name).ceiling is scheme.level(ceiling)


@pytest.mark.parametrize("nation", sorted(FACILITY_TYPES))
def test_facility_clearance_types(ref: Reference, nation: str) -> None:
    scheme = ref.scheme(nation)
    got = [(t.name, t.ceiling.name, t.validity_years) for t in scheme.facility_clearance_types]
    assert got == [(name, ceiling, None) for name, ceiling in FACILITY_TYPES[nation]]


@pytest.mark.parametrize(
    ("nation", "alias", "canonical"),
    [
        ("USA", "ts", "TOP SECRET"),
        ("AUS", "TOP-SECRET", "TOP SECRET"),
        ("AUS", "official:sensitive", "OFFICIAL:Sensitive"),
        ("JPN", "UNDESIGNATED", "非指定"),
        ("JPN", "toriatsukai-chui", "取扱注意"),
        ("JPN", "HI", "秘"),
        ("JPN", "CESI", "重要経済安保情報"),
        ("JPN", "GOKUHI", "極秘"),
        ("JPN", "SDS", "特定秘密"),
        ("JPN", "KIMITSU", "機密"),
        ("JPN", "特定秘密", "特定秘密"),  # full-width: NFKC folds it
        ("KOR", "GENERAL", "일반"),
        ("KOR", "III급비밀", "Ⅲ급비밀"),  # Latin letters for the Roman numeral
        ("KOR", "군사II급비밀", "군사Ⅱ급비밀"),
        ("KOR", "I급비밀", "Ⅰ급비밀"),
        ("NATO", "NU", "NATO UNCLASSIFIED"),
        ("NATO", "nr", "NATO RESTRICTED"),
        ("NATO", "NC", "NATO CONFIDENTIAL"),
        ("NATO", "NS", "NATO SECRET"),
        ("NATO", "CTS", "COSMIC TOP SECRET"),
        ("NATO", "cosmic  top   secret", "COSMIC TOP SECRET"),  # inner spaces collapse
        ("CAN", "protected b", "PROTECTED B"),
    ],
)
def test_names_and_aliases(ref: Reference, nation: str, alias: str, canonical: str) -> None:
    assert ref.scheme(nation).level(alias).name == canonical


@pytest.mark.parametrize(
    ("nation", "alias", "canonical", "facility"),
    [
        ("KOR", "III급", "Ⅲ급", False),
        ("CAN", "Reliability Status", "RELIABILITY", False),
        ("GBR", "LIST X SECRET", "SECRET", True),
        ("GBR", "FSC TOP SECRET", "TOP SECRET", True),
        ("AUS", "DISP LEVEL 2", "LEVEL 2", True),
    ],
)
def test_clearance_type_aliases(
    ref: Reference, nation: str, alias: str, canonical: str, facility: bool
) -> None:
    assert ref.scheme(nation).clearance_type(alias, facility=facility).name == canonical


def test_nato_issues_no_clearances(ref: Reference) -> None:
    with pytest.raises(InvalidInputError, match="not a clearance type of NATO"):
        ref.scheme("NATO").clearance_type("NATO SECRET")


def test_agreement_rows(ref: Reference) -> None:
    got = {key: row.protect_as.name for key, row in ref.agreements.items()}
    assert got == AGREEMENTS
    for (source, level, target), row in ref.agreements.items():
        assert (row.source, row.level.name, row.target) == (source, level, target)
        assert row.level.nation == source
        assert row.protect_as.nation == target
        assert row.confirmed
        assert row.provenance.source is not None
        assert GSOMIA in row.provenance.source
        assert "23 Nov 2016" in row.provenance.source
        assert "ja.wikisource.org" in row.provenance.source


@pytest.mark.parametrize(
    ("source", "level", "target", "expected"),
    [
        ("USA", "CONFIDENTIAL", "GBR", "SECRET"),  # partner CONFIDENTIAL in the UK: UK SECRET
        ("NATO", "NATO RESTRICTED", "USA", "CONFIDENTIAL"),  # RESTRICTED in the USA: CONFIDENTIAL
        ("USA", "CONFIDENTIAL", "AUS", "SECRET"),  # Australia has no CONFIDENTIAL
        ("GBR", "SECRET", "JPN", "極秘"),
        ("GBR", "OFFICIAL-SENSITIVE", "USA", "CONFIDENTIAL"),
        ("JPN", "特定秘密", "KOR", "군사Ⅱ급비밀"),  # agreement row
        ("JPN", "極秘", "KOR", "군사Ⅱ급비밀"),  # agreement row
        ("JPN", "秘", "KOR", "군사Ⅲ급비밀"),  # agreement row, not the designated Ⅲ급비밀
        ("KOR", "군사Ⅲ급비밀", "JPN", "秘"),  # agreement row
        ("KOR", "군사Ⅱ급비밀", "JPN", "極秘"),  # agreement row
        ("JPN", "重要経済安保情報", "KOR", "Ⅲ급비밀"),  # no row: rounds up
        ("JPN", "特定秘密", "USA", "SECRET"),  # no JPN-USA rows ship
        ("JPN", "機密", "GBR", "TOP SECRET"),
        ("CAN", "PROTECTED B", "USA", "CONFIDENTIAL"),
        ("AUS", "PROTECTED", "NZL", "RESTRICTED"),
        ("USA", "TOP SECRET", "NATO", "COSMIC TOP SECRET"),
        ("GBR", "SECRET", "GBR", "SECRET"),  # same scheme: itself
        ("AUS", "OFFICIAL:Sensitive", "AUS", "OFFICIAL:Sensitive"),
    ],
)
def test_translate(ref: Reference, source: str, level: str, target: str, expected: str) -> None:
    translated = ref.translate(ref.scheme(source).level(level), target)
    assert translated is not None
    assert (translated.nation, translated.name) == (target, expected)


def test_translate_to_a_nation_without_a_scheme(ref: Reference) -> None:
    assert ref.translate(ref.scheme("USA").level("SECRET"), "FRA") is None


def test_groups(ref: Reference) -> None:
    assert ref.groups["FVEY"] == {"AUS", "CAN", "GBR", "NZL", "USA"}
    assert ref.groups["ACGU"] == {"AUS", "CAN", "GBR", "USA"}
    assert len(ref.groups["NATO"]) == 32
    assert {"CAN", "GBR", "USA", "FIN", "SWE", "TUR"} <= ref.groups["NATO"]
    assert not {"AUS", "JPN", "KOR", "NZL"} & ref.groups["NATO"]
    assert all(member in ref.countries for members in ref.groups.values() for member in members)
    assert ref.expand(["USA", "FVEY"]) == {"AUS", "CAN", "GBR", "NZL", "USA"}


def test_aukus_is_an_input_alias_only(ref: Reference) -> None:
    assert ref.input_aliases == {"AUKUS": frozenset({"AUS", "GBR", "USA"})}
    assert "AUKUS" not in ref.groups
    assert not ref.is_code("AUKUS")
    assert ref.group_provenance["AUKUS"].assumed is not None
    assert "not an official tetragraph" in ref.group_provenance["AUKUS"].assumed


def test_countries(ref: Reference) -> None:
    assert len(ref.countries) >= 249
    for code in ("USA", "GBR", "AUS", "JPN", "KOR", "CAN", "NZL", "PRK", "FRA"):
        assert ref.is_code(code)
    assert ref.countries["JPN"] == "Japan"
    assert all(len(code) == 3 and code.isupper() for code in ref.countries)
    assert ref.is_code("FVEY")
    assert not ref.is_code("XYZ")


def test_export_controls(ref: Reference) -> None:
    assert set(ref.export_controls) == {"ITAR", "ITAR-EXCLUDED", "EAR", "DSGL", "UK-SECL"}
    assert ref.itar_controls == {"ITAR", "ITAR-EXCLUDED"}
    assert ref.itar_excluded == "ITAR-EXCLUDED"
    assert ref.aukus_effective.isoformat() == "2024-09-01T00:00:00+00:00"


# --- provenance -----------------------------------------------------------------------------


def _provenanced(data_dir: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every entry of every shipped data file that must carry `source` or `assumed`."""
    for path in sorted((data_dir / "nations").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield path.name, "clearance_thresholds", data["clearance_thresholds"]
        for key in ("levels", "clearance_types", "facility_clearance_types", "agreements"):
            for i, entry in enumerate(data.get(key, [])):
                yield path.name, f"{key}[{i}]", entry
    countries = yaml.safe_load((data_dir / "countries.yaml").read_text(encoding="utf-8"))
    yield "countries.yaml", "(top level)", countries
    groups = yaml.safe_load((data_dir / "groups.yaml").read_text(encoding="utf-8"))
    for section in ("tetragraphs", "input_aliases"):
        for name, entry in groups[section].items():
            yield "groups.yaml", f"{section}.{name}", entry
    export = yaml.safe_load((data_dir / "export_controls.yaml").read_text(encoding="utf-8"))
    for code, entry in export["controls"].items():
        yield "export_controls.yaml", f"controls.{code}", entry
    yield "export_controls.yaml", "aukus_exemption_effective", export["aukus_exemption_effective"]


def test_every_entry_has_exactly_one_of_source_or_assumed() -> None:
    entries = list(_provenanced(default_data_dir()))
    assert len(entries) > 100
    for file, key, entry in entries:
        given = [k for k in ("source", "assumed") if k in entry]
        assert len(given) == 1, f"{file}: {key}: {given}"
        value = entry[given[0]]
        assert isinstance(value, str), f"{file}: {key}"
        assert value.strip(), f"{file}: {key}"


def _assumed(provenance: Provenance) -> bool:
    return provenance.assumed is not None and provenance.source is None


def test_every_loaded_value_carries_provenance(ref: Reference) -> None:
    for scheme in ref.schemes.values():
        provenances = [
            scheme.threshold_provenance,
            *(level.provenance for level in scheme.levels),
            *(t.provenance for t in scheme.clearance_types),
            *(t.provenance for t in scheme.facility_clearance_types),
        ]
        for provenance in provenances:
            assert (provenance.source is None) != (provenance.assumed is None)


# Levels SPEC §2 lists as assumed, and the ones the data is more conservative about.
ASSUMED_LEVELS = [
    ("GBR", "OFFICIAL-SENSITIVE"),
    ("AUS", "PROTECTED"),
    ("AUS", "OFFICIAL:Sensitive"),
    ("JPN", "機密"),
    ("JPN", "重要経済安保情報"),
    ("JPN", "非指定"),
    ("JPN", "取扱注意"),
    ("KOR", "일반"),
    ("KOR", "대외비"),
    ("KOR", "Ⅲ급비밀"),
    ("KOR", "Ⅱ급비밀"),
    ("KOR", "Ⅰ급비밀"),
    ("CAN", "PROTECTED A"),
    ("CAN", "PROTECTED B"),
    ("CAN", "PROTECTED C"),
    ("NZL", "IN-CONFIDENCE"),
    ("NZL", "SENSITIVE"),
]


@pytest.mark.parametrize(("nation", "level"), ASSUMED_LEVELS)
def test_spec_assumed_levels_are_labelled(ref: Reference, nation: str, level: str) -> None:
    provenance = ref.scheme(nation).level(level).provenance
    assert _assumed(provenance)


@pytest.mark.parametrize("nation", ["USA", "JPN", "KOR", "CAN", "NZL", "NATO"])
def test_spec_assumed_thresholds_are_labelled(ref: Reference, nation: str) -> None:
    assert _assumed(ref.scheme(nation).threshold_provenance)


@pytest.mark.parametrize(
    ("nation", "name"),
    [
        ("USA", "CONFIDENTIAL"),
        ("USA", "SECRET"),
        ("USA", "TOP SECRET"),
        ("GBR", "CTC"),
        ("GBR", "SC"),
        ("GBR", "DV"),
        ("AUS", "NV2"),
        ("AUS", "PV"),
        ("KOR", "Ⅲ급"),
        ("KOR", "Ⅱ급"),
        ("KOR", "Ⅰ급"),
        ("CAN", "RELIABILITY"),
        ("CAN", "SECRET"),
        ("CAN", "TOP SECRET"),
        ("NZL", "CV"),
        ("NZL", "SV"),
        ("NZL", "TSV"),
    ],
)
def test_assumed_validities_are_labelled(ref: Reference, nation: str, name: str) -> None:
    assert _assumed(ref.scheme(nation).clearance_type(name).provenance)


@pytest.mark.parametrize(
    ("nation", "level"),
    [
        ("JPN", "秘"),
        ("JPN", "極秘"),
        ("JPN", "特定秘密"),
        ("KOR", "군사Ⅲ급비밀"),
        ("KOR", "군사Ⅱ급비밀"),
    ],
)
def test_gsomia_levels_are_sourced(ref: Reference, nation: str, level: str) -> None:
    source = ref.scheme(nation).level(level).provenance.source
    assert source is not None
    assert GSOMIA in source


def test_group_provenance(ref: Reference) -> None:
    assert _assumed(ref.group_provenance["NATO"])
    assert ref.group_provenance["FVEY"].source is not None
    assert "[CAPCO16]" in ref.group_provenance["FVEY"].source
    assert ref.group_provenance["ACGU"].source is not None


# --- malformed data files -------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


def _edit(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _fails(data_dir: Path) -> DataFileError:
    with pytest.raises(DataFileError) as info:
        load_reference(data_dir)
    return info.value


def test_the_copy_loads(data_dir: Path) -> None:
    assert sorted(load_reference(data_dir).schemes) == sorted(LEVELS)


def test_unknown_ceiling_level(data_dir: Path) -> None:
    path = data_dir / "nations" / "GBR.yaml"
    _edit(path, lambda d: d["clearance_types"][2].update(ceiling="CONFIDENTIAL"))
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert exc.key == "clearance_types[2].ceiling"
    assert "CONFIDENTIAL" in exc.reason
    assert "not a level" in exc.reason


def test_unknown_facility_ceiling_level(data_dir: Path) -> None:
    path = data_dir / "nations" / "AUS.yaml"
    _edit(path, lambda d: d["facility_clearance_types"][0].update(ceiling="CONFIDENTIAL"))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "facility_clearance_types[0].ceiling")
    assert "not a level" in exc.reason


def test_unknown_threshold_level(data_dir: Path) -> None:
    path = data_dir / "nations" / "NZL.yaml"
    _edit(path, lambda d: d["clearance_thresholds"].update(facility="RESTRICTED-ISH"))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "clearance_thresholds.facility")
    assert "not a level" in exc.reason


def test_rank_going_down(data_dir: Path) -> None:
    path = data_dir / "nations" / "AUS.yaml"
    _edit(path, lambda d: d["levels"][3].update(rank=0))  # PROTECTED after OFFICIAL:Sensitive
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert exc.key == "levels[3].rank"
    assert "below" in exc.reason


def test_rank_out_of_range(data_dir: Path) -> None:
    path = data_dir / "nations" / "USA.yaml"
    _edit(path, lambda d: d["levels"][3].update(rank=5))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "levels[3].rank")
    assert "4" in exc.reason


def test_two_designated_levels_at_one_rank(data_dir: Path) -> None:
    path = data_dir / "nations" / "NZL.yaml"
    _edit(path, lambda d: d["levels"][1].update(designated=True))  # IN-CONFIDENCE, rank 0
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert exc.key == "levels[1].designated"
    assert "second designated" in exc.reason


def test_missing_both_source_and_assumed(data_dir: Path) -> None:
    path = data_dir / "nations" / "JPN.yaml"
    _edit(path, lambda d: d["levels"][2].pop("source"))  # 秘
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert exc.key == "levels[2]"
    assert "exactly one" in exc.reason


def test_both_source_and_assumed(data_dir: Path) -> None:
    path = data_dir / "nations" / "KOR.yaml"
    _edit(path, lambda d: d["agreements"][0].update(assumed="a guess"))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "agreements[0]")
    assert "exactly one" in exc.reason


def test_group_missing_provenance(data_dir: Path) -> None:
    path = data_dir / "groups.yaml"
    _edit(path, lambda d: d["tetragraphs"]["FVEY"].pop("source"))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "tetragraphs.FVEY")
    assert "exactly one" in exc.reason


def test_unknown_key(data_dir: Path) -> None:
    path = data_dir / "nations" / "CAN.yaml"
    _edit(path, lambda d: d["levels"][0].update(colour="green"))
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert exc.key == "levels[0].colour"
    assert "not permitted" in exc.reason


def test_unknown_top_level_key(data_dir: Path) -> None:
    path = data_dir / "export_controls.yaml"
    _edit(path, lambda d: d.update(sanctions=[]))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "sanctions")
    assert "not permitted" in exc.reason


def test_invalid_yaml(data_dir: Path) -> None:
    path = data_dir / "nations" / "KOR.yaml"
    path.write_text("nation: KOR\nlevels: [unclosed\n", encoding="utf-8")
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert exc.key.startswith("line ")
    assert "not valid YAML" in exc.reason


def test_missing_file(data_dir: Path) -> None:
    path = data_dir / "groups.yaml"
    path.unlink()
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "(file)")
    assert "cannot be read" in exc.reason


def test_file_name_not_matching_nation(data_dir: Path) -> None:
    path = data_dir / "nations" / "GBR.yaml"
    _edit(path, lambda d: d.update(nation="AUS"))
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert exc.key == "nation"
    assert "file name" in exc.reason


def test_nation_not_a_known_code(data_dir: Path) -> None:
    path = data_dir / "nations" / "XYZ.yaml"
    shutil.copy(data_dir / "nations" / "NZL.yaml", path)
    _edit(path, lambda d: d.update(nation="XYZ"))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "nation")
    assert "known country code" in exc.reason


def test_agreement_to_a_nation_with_no_file(data_dir: Path) -> None:
    path = data_dir / "nations" / "JPN.yaml"
    _edit(path, lambda d: d["agreements"][1].update(to="PRK"))
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert exc.key == "agreements[1].to"
    assert "no data file" in exc.reason


def test_agreement_to_a_removed_nation_file(data_dir: Path) -> None:
    (data_dir / "nations" / "KOR.yaml").unlink()
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(data_dir / "nations" / "JPN.yaml"), "agreements[0].to")
    assert "no data file" in exc.reason


def test_agreement_with_an_unknown_level(data_dir: Path) -> None:
    path = data_dir / "nations" / "KOR.yaml"
    _edit(path, lambda d: d["agreements"][1].update(protect_as="CONFIDENTIAL"))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "agreements[1].protect_as")
    assert "not a level of JPN" in exc.reason


def test_unknown_country_in_a_group(data_dir: Path) -> None:
    path = data_dir / "groups.yaml"
    _edit(path, lambda d: d["tetragraphs"]["NATO"]["members"].append("XYZ"))
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert "NATO" in exc.key
    assert exc.key == "tetragraphs.NATO.members[32]"
    assert "not a known country code" in exc.reason


def test_unknown_country_in_an_input_alias(data_dir: Path) -> None:
    path = data_dir / "groups.yaml"
    _edit(path, lambda d: d["input_aliases"]["AUKUS"]["members"].insert(0, "UKG"))
    exc = _fails(data_dir)
    assert exc.file == str(path)
    assert "AUKUS" in exc.key
    assert exc.key.endswith("members[0]")
    assert "`UKG` is not a known country code" in exc.reason


def test_no_excluded_export_control(data_dir: Path) -> None:
    path = data_dir / "export_controls.yaml"
    _edit(path, lambda d: d["controls"]["ITAR-EXCLUDED"].update(excluded=False))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "controls")
    assert "excluded" in exc.reason


def test_level_name_used_twice(data_dir: Path) -> None:
    path = data_dir / "nations" / "NZL.yaml"
    _edit(path, lambda d: d["levels"][2].update(name="RESTRICTED"))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "levels[3].name")
    assert "already a name or alias of levels[2]" in exc.reason


def test_clearance_type_alias_used_twice(data_dir: Path) -> None:
    path = data_dir / "nations" / "AUS.yaml"
    _edit(path, lambda d: d["clearance_types"][3].update(aliases=["nv2"]))
    exc = _fails(data_dir)
    assert (exc.file, exc.key) == (str(path), "clearance_types[3].aliases[0]")
    assert "already a name or alias" in exc.reason
