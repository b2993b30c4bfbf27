# SPDX-License-Identifier: Apache-2.0
"""Acting principals and the sovereignty rules over them (SPEC §1).

A principal is a role with a scope: ``authority:JPN`` (a national authority), ``officer:ORG-MHI``
(a facility security officer), ``manager:AUKUS-P2-QUANTUM`` (a programme manager),
``member:P-TANAKA``, ``auditor:JPN`` or ``auditor:ALL``, and the distinguished ``system:import``
for bulk import. Sovereignty follows the *issuing* nation of a clearance and the *originating*
nation of an asset, never a holder's nationality. Each ``require_*`` function returns nothing
or raises :class:`NotPermittedError` saying who may do it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from clearway.errors import InvalidInputError, NotPermittedError

__all__ = [
    "SYSTEM_IMPORT",
    "Principal",
    "Role",
    "parse_principal",
    "require_any_authority",
    "require_authority",
    "require_authority_or_officer",
    "require_manager",
]


class Role(enum.StrEnum):
    """The roles of SPEC §1 (and the system role of bulk import)."""

    AUTHORITY = "authority"
    OFFICER = "officer"
    MANAGER = "manager"
    MEMBER = "member"
    AUDITOR = "auditor"
    SYSTEM = "system"


@attrs.frozen
class Principal:
    """A role acting within one scope."""

    role: Role
    scope: str

    def __str__(self) -> str:
        return f"{self.role.value}:{self.scope}"


SYSTEM_IMPORT = Principal(Role.SYSTEM, "import")


def parse_principal(text: str) -> Principal:
    """``ROLE:SCOPE`` as a :class:`Principal`; raises :class:`InvalidInputError` if malformed.

    ``system:import`` is accepted only where an adapter allows it (the import command).
    """
    role_text, sep, scope = text.strip().partition(":")
    roles = ", ".join(r.value for r in Role if r is not Role.SYSTEM)
    if not sep or not scope.strip():
        msg = f"`{text}` is not ROLE:SCOPE (roles: {roles}; e.g. authority:JPN)"
        raise InvalidInputError(msg)
    try:
        role = Role(role_text.strip().lower())
    except ValueError:
        msg = f"unknown role `{role_text}` (roles: {roles})"
        raise InvalidInputError(msg) from None
    scope = scope.strip()
    if role in (Role.AUTHORITY, Role.AUDITOR):
        scope = scope.upper()
    if role is Role.SYSTEM and scope != "import":
        raise InvalidInputError(f"unknown system principal `{text}` (only system:import)")
    return Principal(role, scope)


def _refuse(principal: Principal, action: str, allowed: Iterable[str]) -> NotPermittedError:
    who = " or ".join(allowed)
    return NotPermittedError(f"{principal} may not {action}: only {who} may")


def require_authority(principal: Principal, nation: str, action: str) -> None:
    """Only ``nation``'s authority may do ``action``."""
    if principal.role is Role.AUTHORITY and principal.scope == nation:
        return
    raise _refuse(principal, action, [f"authority:{nation}"])


def require_any_authority(principal: Principal, nations: Iterable[str], action: str) -> None:
    """One of ``nations``' authorities may do ``action``."""
    allowed = sorted(set(nations))
    if principal.role is Role.AUTHORITY and principal.scope in allowed:
        return
    raise _refuse(principal, action, [f"authority:{n}" for n in allowed])


def require_authority_or_officer(
    principal: Principal, nations: Iterable[str], organisations: Iterable[str], action: str
) -> None:
    """An authority of one of ``nations`` or the officer of one of ``organisations``."""
    orgs = sorted(set(organisations))
    if principal.role is Role.OFFICER and principal.scope in orgs:
        return
    allowed = sorted(set(nations))
    try:
        require_any_authority(principal, allowed, action)
    except NotPermittedError:
        raise _refuse(
            principal, action, [f"authority:{n}" for n in allowed] + [f"officer:{o}" for o in orgs]
        ) from None


def require_manager(principal: Principal, programme: str, action: str) -> None:
    """Only the manager of ``programme`` may do ``action``."""
    if principal.role is Role.MANAGER and principal.scope == programme:
        return
    raise _refuse(principal, action, [f"manager:{programme}"])
