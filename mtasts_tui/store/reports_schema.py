"""TLS-RPT report intake tables (versions 100-199). Owned by the report intake work."""

from __future__ import annotations

from mtasts_tui.store.db import Migration

MIGRATIONS: list[Migration] = []
