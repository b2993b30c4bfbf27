# SPDX-License-Identifier: Apache-2.0
"""The shape of the data files, as pydantic models (validation only; the loader builds the domain
values). The formats are documented in ``docs/data-files.md``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3,4}$")]
Text = Annotated[str, StringConstraints(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenanced(_Strict):
    """An entry that names its source, or says why it is an assumed default."""

    source: Text | None = None
    assumed: Text | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Provenanced:
        if (self.source is None) == (self.assumed is None):
            msg = "give exactly one of `source` (what confirms the value) or `assumed` (why)"
            raise ValueError(msg)
        return self


class Names(_Strict):
    en: Text
    ja: Text


class LevelEntry(Provenanced):
    name: Text
    rank: int = Field(ge=0, le=4)
    designated: bool = False
    aliases: list[Text] = []


class Thresholds(Provenanced):
    personnel: Text | None
    facility: Text | None


class ClearanceTypeEntry(Provenanced):
    name: Text
    ceiling: Text
    validity_years: int | None = Field(default=None, ge=1, le=50)
    aliases: list[Text] = []


class FacilityTypeEntry(Provenanced):
    name: Text
    ceiling: Text
    aliases: list[Text] = []


class AgreementEntry(Provenanced):
    to: Code
    level: Text
    protect_as: Text
    confirmed: bool


class NationFile(_Strict):
    nation: Code
    names: Names
    levels: list[LevelEntry] = Field(min_length=1)
    clearance_thresholds: Thresholds
    clearance_types: list[ClearanceTypeEntry] = []
    facility_clearance_types: list[FacilityTypeEntry] = []
    agreements: list[AgreementEntry] = []


class CountriesFile(Provenanced):
    codes: dict[Code, Text] = Field(min_length=1)


class GroupEntry(Provenanced):
    members: list[Code] = Field(min_length=1)


class GroupsFile(_Strict):
    tetragraphs: dict[Code, GroupEntry]
    input_aliases: dict[Text, GroupEntry] = {}


class ControlEntry(Provenanced):
    name: Text
    issuer: Code
    itar: bool = False
    excluded: bool = False


class DatedEntry(Provenanced):
    date: date


class ExportControlsFile(_Strict):
    controls: dict[Text, ControlEntry] = Field(min_length=1)
    aukus_exemption_effective: DatedEntry
