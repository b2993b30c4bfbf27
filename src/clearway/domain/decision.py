# SPDX-License-Identifier: Apache-2.0
"""The access decision (SPEC §6): reason codes, actions, the :class:`Decision` value.

The rules themselves run on compiled states (:mod:`clearway.domain.compiled`); this module holds
the vocabulary every adapter shares.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from clearway.domain.marking import Marking
from clearway.errors import InvalidInputError

__all__ = [
    "RULE_ORDER",
    "Action",
    "Decision",
    "DecisionError",
    "Explanation",
    "Obligation",
    "Reason",
    "parse_action",
]


class Reason(enum.StrEnum):
    """A failing rule's fixed reason code, in rule order."""

    NOT_RELEASABLE = "not-releasable"
    CLEARANCE_MISSING = "clearance-missing"
    CLEARANCE_INACTIVE = "clearance-inactive"
    CLEARANCE_EXPIRED = "clearance-expired"
    CLEARANCE_INSUFFICIENT = "clearance-insufficient"
    NEED_TO_KNOW = "need-to-know"
    FACILITY_CLEARANCE = "facility-clearance"
    EXPORT_AUTHORISATION_REQUIRED = "export-authorisation-required"
    ORIGINATOR_APPROVAL_REQUIRED = "originator-approval-required"


#: Reason codes in the order the rules run (and are reported).
RULE_ORDER: tuple[Reason, ...] = tuple(Reason)


class Action(enum.StrEnum):
    """What the person wants to do with the asset."""

    READ = "read"
    DOWNLOAD = "download"


def parse_action(value: str | Action) -> Action:
    """The :class:`Action` named ``value``; an unknown action is an error, not a deny."""
    try:
        return Action(value)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        msg = f"unknown action `{value}` (known: {known})"
        raise InvalidInputError(msg) from None


@attrs.frozen
class Explanation:
    """Why one rule failed, in English and Japanese, naming the marking term."""

    reason: Reason
    en: str
    ja: str

    def text(self, lang: str) -> str:
        """The explanation in ``lang`` (``en`` or ``ja``)."""
        return self.ja if lang == "ja" else self.en


@attrs.frozen
class Obligation:
    """Something the enforcement point must do with a permit: write the audit entry, or stamp
    the canonical banner on a downloaded copy."""

    kind: str
    value: str = ""


@attrs.frozen
class Decision:
    """The outcome of one access request. Deny unless no rule failed; never truthy or falsy:
    read :attr:`permit`."""

    person: str
    asset: str
    action: Action
    at: datetime
    reasons: tuple[Reason, ...]
    explanations: tuple[Explanation, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    marking: Marking | None = None  # the asset's marking in effect at `at`

    @property
    def permit(self) -> bool:
        """Whether access is permitted: exactly when no rule failed."""
        return not self.reasons

    def __bool__(self) -> bool:
        msg = "read Decision.permit; a decision has no truth value"
        raise TypeError(msg)


@attrs.frozen
class DecisionError:
    """An item of a batch that could not be decided (unknown person, asset or action)."""

    person: str
    asset: str
    action: str
    error: str
    not_found: bool = True  # an unknown person or asset; else invalid input (action, instant)

    @property
    def permit(self) -> bool:
        """Never a permit: an error cannot grant."""
        return False
