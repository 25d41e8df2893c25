"""Where the wizard keeps its state between sessions: recent domains, drafts, checklist ticks.

Plain JSON files in the user data dir (``MTASTS_TUI_DATA_DIR`` overrides it), each written
atomically, so a killed session never leaves half a file. No Textual here.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from mtasts_tui.fs.atomic import atomic_write_text
from mtasts_tui.store.db import DATA_DIR_ENV_VAR as ENV_VAR
from mtasts_tui.store.db import default_data_dir

RECENT_LIMIT = 10

__all__ = ["ENV_VAR", "RECENT_LIMIT", "Store", "default_data_dir"]


def _safe_name(domain: str) -> str:
    # Domains reaching the store are A-labels (LDH), but keep file names tame regardless.
    return "".join(c if c.isalnum() or c in "-." else "_" for c in domain.lower()) or "_"


class Store:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_data_dir()
        self._lock = threading.Lock()
        self._pending: dict[Path, str] = {}

    # -- reading (small local files) --------------------------------------------------------
    def _read(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def recent(self) -> list[str]:
        data = self._read(self.root / "recent.json")
        return [str(d) for d in data][:RECENT_LIMIT] if isinstance(data, list) else []

    def draft(self, domain: str) -> dict[str, Any] | None:
        data = self._read(self._draft_path(domain))
        return data if isinstance(data, dict) else None

    def has_draft(self, domain: str) -> bool:
        return self._draft_path(domain).is_file()

    def ticks(self, domain: str) -> list[str]:
        """The keys of the checklist steps ticked for ``domain``."""
        data = self._read(self.root / "checklists" / f"{_safe_name(domain)}.json")
        return [i for i in data if isinstance(i, str)] if isinstance(data, list) else []

    # -- writing: queue, then flush from a worker thread --------------------------------------
    def _draft_path(self, domain: str) -> Path:
        return self.root / "drafts" / f"{_safe_name(domain)}.json"

    def queue_recent(self, domain: str) -> None:
        with self._lock:
            pending = self._pending.get(self.root / "recent.json")
        current = json.loads(pending) if pending is not None else self.recent()
        recent = [d for d in current if d != domain]
        self._queue(self.root / "recent.json", [domain, *recent][:RECENT_LIMIT])

    def queue_draft(self, domain: str, data: dict[str, Any]) -> None:
        self._queue(self._draft_path(domain), data)

    def queue_ticks(self, domain: str, ticks: list[str]) -> None:
        self._queue(self.root / "checklists" / f"{_safe_name(domain)}.json", sorted(ticks))

    def _queue(self, path: Path, data: Any) -> None:
        with self._lock:
            self._pending[path] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def flush(self) -> None:
        """Write whatever is pending; the newest content of each file always lands last."""
        with self._lock:
            pending, self._pending = self._pending, {}
            for path, text in pending.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_text(path, text)
