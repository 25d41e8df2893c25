"""Check history tables (versions 1-99). Owned by the history/drift/watch work."""

from __future__ import annotations

from mtasts_tui.store.db import Migration

MIGRATIONS: list[Migration] = []
