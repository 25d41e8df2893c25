"""The policy id of the `_mta-sts` record: syntax and generation (RFC 8461 §3.1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ID_RE = re.compile(r"^[A-Za-z0-9]{1,32}\Z")  # \Z: "$" would accept a final "\n"


def is_valid_policy_id(value: str) -> bool:
    """1 to 32 ASCII letters or digits; nothing else (no dashes, dots or spaces)."""
    return bool(_ID_RE.match(value))


def policy_id_problem(value: str) -> str | None:
    if value == "":
        return "the id is empty"
    if len(value) > 32:
        return f"the id has {len(value)} characters; at most 32 are allowed"
    if not _ID_RE.match(value):
        return "the id may only hold ASCII letters and digits (no '-', '.', ':' or spaces)"
    return None


def new_policy_id(now: datetime | None = None, previous: str | None = None) -> str:
    """A fresh id from the current UTC time, e.g. ``20261128T114209Z``.

    Senders only compare ids for equality, so a timestamp is both unique and readable. When it
    would equal ``previous`` (two changes within one second), a suffix keeps it fresh.
    """
    moment = now or datetime.now(UTC)
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        pass  # UTC falls outside years 1-9999: the given wall time still names one second
    candidate = moment.strftime("%Y%m%dT%H%M%SZ")
    # Same second as the previous id: any suffix makes it differ and it stays within 32 characters.
    return candidate if candidate != previous else candidate + "1"
