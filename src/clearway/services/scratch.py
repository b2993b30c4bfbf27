# SPDX-License-Identifier: Apache-2.0
"""Fresh temporary SQLite stores (the scenario runner and the demo load into these).

The schema is migrated once into a template file; each fresh store is a copy of it.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

from clearway.domain.reference import Reference
from clearway.persistence.engine import make_engine
from clearway.persistence.migrate import upgrade
from clearway.services.store import Clock, Store, system_clock

__all__ = ["ScratchStores"]


class ScratchStores:
    """A temporary directory of fresh stores, removed on exit."""

    def __init__(self, reference: Reference, *, clock: Clock = system_clock) -> None:
        self.reference = reference
        self.clock = clock
        self._dir: Path | None = None
        self._template: Path | None = None
        self._stores: list[Store] = []

    def __enter__(self) -> Self:
        self._dir = Path(tempfile.mkdtemp(prefix="clearway-"))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for store in self._stores:
            store.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def fresh(self) -> Store:
        """A new, migrated, empty store."""
        assert self._dir is not None, "use ScratchStores as a context manager"
        if self._template is None:
            self._template = self._dir / "template.db"
            engine = make_engine(f"sqlite:///{self._template}")
            upgrade(engine)
            engine.dispose()
        path = self._dir / f"store-{len(self._stores) + 1}.db"
        shutil.copyfile(self._template, path)
        store = Store(make_engine(f"sqlite:///{path}"), reference=self.reference, clock=self.clock)
        self._stores.append(store)
        return store
