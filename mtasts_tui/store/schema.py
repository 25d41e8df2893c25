"""The list of schema migrations, gathered from each area that owns tables.

Versions 1-99 belong to check history (``history_schema``), 100-199 to TLS-RPT report intake
(``reports_schema``). A new area takes the next free hundred, so areas never collide.
"""

from __future__ import annotations

from mtasts_tui.store.db import Migration


def all_migrations() -> list[Migration]:
    from mtasts_tui.store import history_schema, reports_schema

    return [*history_schema.MIGRATIONS, *reports_schema.MIGRATIONS]
