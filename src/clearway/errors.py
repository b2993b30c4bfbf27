# SPDX-License-Identifier: Apache-2.0
"""The one exception hierarchy of clearway.

Every error clearway raises on purpose descends from :class:`ClearwayError`; adapters (CLI, API)
catch that root, print its message and exit or answer with the matching status. Messages name
what was wrong and where: the offending token or key in backticks, the file, the position.

* ClearwayError
  + InvalidInputError (ValueError)       bad input; nothing was changed
    - MarkingError                       a marking string or structure is invalid (token, position)
    - DataFileError                      a national data file is malformed (file, key, reason)
    - ScenarioError                      a scenario or world file is invalid (file, key path)
    - TransitionError                    a clearance status change the lifecycle does not allow
  + NotFoundError (LookupError)          an unknown person, asset, organisation or programme
  + ConflictError                        a concurrent or duplicate change lost
  + NotPermittedError (PermissionError)  the acting principal may not do this (sovereignty, scope)
"""

from __future__ import annotations

__all__ = [
    "ClearwayError",
    "ConflictError",
    "DataFileError",
    "InvalidInputError",
    "MarkingError",
    "NotFoundError",
    "NotPermittedError",
    "ScenarioError",
    "TransitionError",
]


class ClearwayError(Exception):
    """Root of every error clearway raises on purpose."""

    @property
    def message(self) -> str:
        """The human-readable message (the first argument)."""
        return str(self.args[0]) if self.args else self.__class__.__name__


class InvalidInputError(ClearwayError, ValueError):
    """Input was rejected; nothing was changed."""


class MarkingError(InvalidInputError):
    """A marking is invalid.

    ``fragment`` is the offending text and ``position`` its 1-based character position in the
    input as given; structured input names the ``field`` instead.
    """

    def __init__(
        self,
        message: str,
        *,
        fragment: str = "",
        position: int | None = None,
        field: str | None = None,
    ) -> None:
        where = f" (character {position})" if position is not None else ""
        super().__init__(f"{message}{where}")
        self.reason = message
        self.fragment = fragment
        self.position = position
        self.field = field


class DataFileError(InvalidInputError):
    """A national data file is malformed: the file, the key and the reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = file
        self.key = key
        self.reason = reason


class ScenarioError(InvalidInputError):
    """A scenario (or world) file is invalid: the file, the key path and what was expected."""

    def __init__(self, file: str, path: str, reason: str) -> None:
        location = f"{file}: {path}" if path else file
        super().__init__(f"{location}: {reason}")
        self.file = file
        self.path = path
        self.reason = reason


class TransitionError(InvalidInputError):
    """A status change that the clearance lifecycle does not allow."""


class NotFoundError(ClearwayError, LookupError):
    """An unknown person, asset, organisation, programme or other record."""


class ConflictError(ClearwayError):
    """A change lost to a concurrent change, or would duplicate an existing record."""


class NotPermittedError(ClearwayError, PermissionError):
    """The acting principal may not perform this action (sovereignty or scope)."""
