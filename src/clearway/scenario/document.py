# SPDX-License-Identifier: Apache-2.0
"""The scenario file format, version 1 (SPEC §7), as pydantic models.

A world file (``clearway import``/``export``) is the world part of a scenario: the same keys
without ``at``, ``checks`` and ``markings``. Validation here is about shape (keys, types, dates);
references and domain rules are checked when the world is built (:mod:`clearway.scenario.build`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from clearway.domain.decision import Action, Reason

__all__ = [
    "ApprovalDoc",
    "AssetDoc",
    "CheckDoc",
    "ClearanceDoc",
    "ExportAuthorisationDoc",
    "FacilityClearanceDoc",
    "HistoryEntryDoc",
    "MarkingCheckDoc",
    "OrganisationDoc",
    "PeriodDoc",
    "PersonDoc",
    "ProgrammeDoc",
    "ReadOnDoc",
    "ScenarioDoc",
    "VisitDoc",
    "When",
    "WorldDoc",
]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _when(value: Any) -> date | datetime:
    """A date (midnight UTC) or an instant with an offset; a naive instant is an error."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if _DATE.match(text):
                return date.fromisoformat(text)
            parsed = datetime.fromisoformat(text)
        except ValueError:
            msg = f"`{value}` is not a date (YYYY-MM-DD) or an instant (YYYY-MM-DDThh:mm:ssZ)"
            raise ValueError(msg) from None
    else:
        msg = f"expected a date or an instant, got `{value}`"
        raise ValueError(msg)
    if parsed.tzinfo is None:
        msg = f"instant `{value}` has no UTC offset; write it with Z or +hh:mm"
        raise ValueError(msg)
    return parsed.astimezone(UTC)


#: A date or an aware instant, read from YAML strings.
When = Annotated[date | datetime, BeforeValidator(_when)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, (str, dict)) else value


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PeriodDoc(_Doc):
    """``{from: D, until: D}``, half-open; either side may be omitted (open)."""

    from_: When | None = Field(default=None, alias="from")
    until: When | None = None


class HistoryEntryDoc(_Doc):
    expires: When | None = None  # extension: an explicit expiry set by this entry (a grant)
    status: Literal[
        "applied",
        "investigating",
        "interim",
        "granted",
        "denied",
        "suspended",
        "revoked",
        "withdrawn",
    ]
    at: When


class ContinuousVettingDoc(_Doc):
    from_: When = Field(alias="from")


class _ClearanceBase(_Doc):
    id: Id | None = None  # extension: the clearance's id (default: <holder>/CLR-<n>)
    type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    status: Literal["granted", "interim"] | None = None
    granted: When | None = None
    expires: When | None = None
    history: list[HistoryEntryDoc] | None = None

    @model_validator(mode="after")
    def _status_or_history(self) -> _ClearanceBase:
        if self.history is None:
            if self.status is None:
                msg = "give `status` (granted or interim) with `granted`, or a `history`"
                raise ValueError(msg)
            if self.granted is None:
                msg = f"`status: {self.status}` needs `granted` (the date it took effect)"
                raise ValueError(msg)
        elif not self.history:
            raise ValueError("`history` needs at least one entry")
        elif self.status is not None and self.status != self.history[-1].status:
            msg = (
                f"`status: {self.status}` disagrees with the history's last entry"
                f" (`{self.history[-1].status}`)"
            )
            raise ValueError(msg)
        return self


class ClearanceDoc(_ClearanceBase):
    issuer: Code
    continuous_vetting: ContinuousVettingDoc | None = None


class FacilityClearanceDoc(_ClearanceBase):
    pass


class ExportAuthorisationDoc(_Doc):
    regime: Code
    programme: Id | None = None
    asset: Id | None = None
    from_: When | None = Field(default=None, alias="from")
    until: When | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> ExportAuthorisationDoc:
        if (self.programme is None) == (self.asset is None):
            raise ValueError("give exactly one of `programme` or `asset`")
        return self


class OrganisationDoc(_Doc):
    id: Id
    nation: Code
    name: str = ""
    facility_clearances: list[FacilityClearanceDoc] = []
    export_authorisations: list[ExportAuthorisationDoc] = []
    aukus_authorised_user: Annotated[list[PeriodDoc], BeforeValidator(_one_or_many)] = []


class NationalityDoc(_Doc):
    """Extension: a nationality held for an interval (a bare code holds always)."""

    nation: Code
    from_: When | None = Field(default=None, alias="from")
    until: When | None = None


class EmploymentDoc(_Doc):
    """Extension: employment for an interval (``employer`` is employment throughout)."""

    organisation: Id
    from_: When | None = Field(default=None, alias="from")
    until: When | None = None


class ReadOnDoc(_Doc):
    programme: Id
    from_: When | None = Field(default=None, alias="from")
    until: When | None = None


class PersonDoc(_Doc):
    id: Id
    name: str = ""
    nationalities: Annotated[list[Code | NationalityDoc], BeforeValidator(_one_or_many)] = Field(
        min_length=1
    )
    employer: Id | None = None
    employment: list[EmploymentDoc] | None = None
    clearances: list[ClearanceDoc] = []
    read_on: list[ReadOnDoc] = []
    export_authorisations: list[ExportAuthorisationDoc] = []

    @model_validator(mode="after")
    def _one_employment_form(self) -> PersonDoc:
        if self.employer is not None and self.employment is not None:
            raise ValueError("give `employer` or `employment`, not both")
        return self


class ProgrammeDoc(_Doc):
    id: Id
    name: str = ""
    nations: Annotated[list[Code], BeforeValidator(_one_or_many)] = Field(min_length=1)


class VisitDoc(_Doc):
    id: Id | None = None
    visitor: Id
    host: Id
    programmes: Annotated[list[Id], BeforeValidator(_one_or_many)] = Field(min_length=1)
    from_: When = Field(alias="from")
    until: When | None = None
    kind: Literal["one-time", "recurring", "emergency"] = Field(default="one-time", alias="type")
    status: Literal["requested", "approved", "refused", "cancelled"] = "approved"
    approved_at: When | None = None  # extension: when the approval took effect


class MarkingChangeDoc(_Doc):
    """Extension: the asset's marking from ``at`` on (the originator stays the same)."""

    at: When
    level: str
    releasable_to: Annotated[list[Code], BeforeValidator(_one_or_many)] = []
    programmes: Annotated[list[Id], BeforeValidator(_one_or_many)] = []
    caveats: Annotated[list[Code], BeforeValidator(_one_or_many)] = []
    export_control: Annotated[list[Code], BeforeValidator(_one_or_many)] = []
    fgi: Annotated[list[Code], BeforeValidator(_one_or_many)] = []


class AssetDoc(_Doc):
    id: Id
    title: str = ""
    originator: Code | None = None
    level: str | None = None
    releasable_to: Annotated[list[Code], BeforeValidator(_one_or_many)] | None = None
    programmes: Annotated[list[Id], BeforeValidator(_one_or_many)] = []
    caveats: Annotated[list[Code], BeforeValidator(_one_or_many)] | None = None
    export_control: Annotated[list[Code], BeforeValidator(_one_or_many)] = []
    marking: str | None = None
    fgi: Annotated[list[Code], BeforeValidator(_one_or_many)] = []  # extension
    changes: list[MarkingChangeDoc] = []  # extension: later markings, oldest first

    @model_validator(mode="after")
    def _marking_or_parts(self) -> AssetDoc:
        parts = {"level": self.level, "releasable_to": self.releasable_to, "caveats": self.caveats}
        if self.marking is not None:
            given = [key for key, value in parts.items() if value is not None]
            if given:
                msg = f"give either `marking` or `{given[0]}`, not both"
                raise ValueError(msg)
        else:
            if self.originator is None:
                raise ValueError("give `originator` and `level`, or a `marking`")
            if self.level is None:
                raise ValueError("give `level` (a level of the originator's scheme)")
        return self


class ApprovalDoc(_Doc):
    asset: Id
    person: Id | None = None
    organisation: Id | None = None
    nation: Code | None = None
    from_: When | None = Field(default=None, alias="from")
    until: When | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ApprovalDoc:
        given = [x for x in (self.person, self.organisation, self.nation) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `person`, `organisation` or `nation`")
        return self


class CheckDoc(_Doc):
    person: Id
    asset: Id
    action: Action
    at: When | None = None
    expect: Literal["permit", "deny"]
    reasons: list[Reason] | None = None

    @model_validator(mode="after")
    def _reasons_with_deny(self) -> CheckDoc:
        if self.expect == "permit" and self.reasons is not None:
            raise ValueError("`reasons` is not allowed with `expect: permit`")
        if self.reasons is not None and not self.reasons:
            raise ValueError("`reasons` of a deny names at least one reason code")
        if self.reasons is not None and len(set(self.reasons)) != len(self.reasons):
            raise ValueError("`reasons` repeats a reason code")
        return self


class MarkingCheckDoc(_Doc):
    input: str | None = None
    rollup: list[str] | None = Field(default=None, min_length=1)
    by: Code | None = None
    canonical: str | None = None
    error: Literal[True] | None = None

    @model_validator(mode="after")
    def _shape(self) -> MarkingCheckDoc:
        if (self.input is None) == (self.rollup is None):
            raise ValueError("give exactly one of `input` or `rollup`")
        if self.rollup is not None and self.by is None:
            raise ValueError("a `rollup` needs `by` (the compiling nation)")
        if self.input is not None and self.by is not None:
            raise ValueError("`by` belongs to a `rollup`, not to an `input`")
        if (self.canonical is None) == (self.error is None):
            raise ValueError("give exactly one of `canonical` or `error: true`")
        return self


class WorldDoc(_Doc):
    """The world part of a scenario: what ``clearway import`` reads and ``export`` writes."""

    version: Literal[1]
    organisations: list[OrganisationDoc] = []
    people: list[PersonDoc] = []
    programmes: list[ProgrammeDoc] = []
    visits: list[VisitDoc] = []
    assets: list[AssetDoc] = []
    approvals: list[ApprovalDoc] = []


class ScenarioDoc(WorldDoc):
    """A scenario file: a world and the results expected in it."""

    at: When | None = None
    checks: list[CheckDoc] = []
    markings: list[MarkingCheckDoc] = []
