"""Recording `check` results and reading them back.

The recorder works from the `check --json` dict (the JSON contract), reading every key
tolerantly, so results from before and after a key was added are both stored whole. A result is
content-addressed: its large parts become blobs (``{"$blob": hash}`` in the stored JSON) and the
rest is hashed; a run of an unchanged domain adds one small ``runs`` row.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mtasts_tui.store.db import transaction

VOLATILE_KEYS = ("elapsed", "checked_at", "drift")
"""Keys that differ on every run and say nothing about the domain: kept out of the result."""

_PARTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("policy", "raw"), "policy"),
    (("sts_record", "raw"), "txt"),
    (("tlsrpt", "raw"), "txt"),
    (("mx_tls",), "mx_tls"),
    (("findings",), "findings"),
)
"""Where the large parts sit in a result, and what kind of blob each becomes."""


@dataclass(frozen=True, slots=True)
class StoredRun:
    run_id: int
    domain: str
    at: datetime
    """When the check ran (UTC, whole seconds)."""
    result_id: int
    """Runs with the same result_id saw exactly the same result."""
    result: dict[str, Any]
    """The `check --json` object as recorded (without ``elapsed``)."""


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _pack(value: object) -> bytes:
    return zlib.compress(_canonical(value), 6)


def _unpack(data: bytes) -> Any:
    return json.loads(zlib.decompress(data))


def _put_blob(conn: sqlite3.Connection, kind: str, value: object) -> str:
    if kind == "policy" and isinstance(value, str):
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()  # the body's own hash
    else:
        digest = hashlib.sha256(_canonical(value)).hexdigest()
    # Compressing costs more than looking: a repeated part (the usual case) is only looked up.
    if conn.execute("SELECT 1 FROM blobs WHERE hash = ?", (digest,)).fetchone() is None:
        conn.execute(
            "INSERT OR IGNORE INTO blobs (hash, kind, body) VALUES (?, ?, ?)",
            (digest, kind, _pack(value)),
        )
    return digest


def _domain_id(conn: sqlite3.Connection, name: str) -> int:
    conn.execute("INSERT OR IGNORE INTO domains (name) VALUES (?)", (name,))
    row = conn.execute("SELECT id FROM domains WHERE name = ?", (name,)).fetchone()
    return int(row[0])


def _split(
    conn: sqlite3.Connection, result: Mapping[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """The result with its parts replaced by blob references; also the policy body's hash."""
    rest: dict[str, Any] = {k: v for k, v in result.items() if k not in VOLATILE_KEYS}
    policy_hash: str | None = None
    for path, kind in _PARTS:
        holder: Any = rest
        for key in path[:-1]:
            inner = holder.get(key) if isinstance(holder, dict) else None
            if not isinstance(inner, dict):
                holder = None
                break
            holder[key] = inner = dict(inner)  # copy: never modify the caller's dict
            holder = inner
        if not isinstance(holder, dict) or holder.get(path[-1]) is None:
            continue
        digest = _put_blob(conn, kind, holder[path[-1]])
        holder[path[-1]] = {"$blob": digest}
        if kind == "policy":
            policy_hash = digest
    return rest, policy_hash


def _join(conn: sqlite3.Connection, value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$blob"}:
            query = "SELECT body FROM blobs WHERE hash = ?"
            row = conn.execute(query, (value["$blob"],)).fetchone()
            return _unpack(row[0]) if row else None
        return {k: _join(conn, v) for k, v in value.items()}
    return value


def _count(findings: object, severity: str) -> int:
    if not isinstance(findings, list):
        return 0
    return sum(1 for f in findings if isinstance(f, Mapping) and f.get("severity") == severity)


def _failed(result: Mapping[str, Any]) -> bool:
    findings = result.get("findings")
    return isinstance(findings, list) and any(
        isinstance(f, Mapping) and f.get("code") == "check-failed" for f in findings
    )


def _tri(value: object) -> int | None:
    return None if value is None else int(bool(value))


def _cert_key(item: Mapping[str, Any]) -> str | None:
    fingerprint = item.get("cert_sha256")
    if isinstance(fingerprint, str) and fingerprint:
        return fingerprint.lower()
    names, not_after = _list(item.get("cert_names")), item.get("cert_not_after")
    if not names and not not_after:
        return None
    return "names:" + hashlib.sha256(_canonical([names, not_after])).hexdigest()


def _addresses(result: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for entry in _list(result.get("mx_tls")):
        if not isinstance(entry, Mapping):
            continue
        host = str(entry.get("host", ""))
        listed = [a for a in _list(entry.get("addresses")) if isinstance(a, Mapping)]
        for item in listed or [entry]:
            yield host, item


def record(
    conn: sqlite3.Connection,
    result: Mapping[str, Any],
    *,
    checked_at: datetime | None = None,
) -> StoredRun:
    """Store one domain's result in one transaction; returns the run as stored."""
    at = (checked_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    domain = str(result.get("domain", "")).lower()
    if not domain:
        raise ValueError("a result without a domain cannot be recorded")
    findings = result.get("findings")
    policy: Mapping[str, Any] = _mapping(result.get("policy"))
    sts: Mapping[str, Any] = _mapping(result.get("sts_record"))
    elapsed = result.get("elapsed")
    with transaction(conn):
        domain_id = _domain_id(conn, domain)
        rest, policy_hash = _split(conn, result)
        digest = hashlib.sha256(_canonical(rest)).hexdigest()
        row = conn.execute("SELECT id FROM results WHERE hash = ?", (digest,)).fetchone()
        if row is None:
            cursor = conn.execute(
                "INSERT INTO results (hash, domain_id, failed, enforce_ready, verdict, sts_id, "
                "mode, max_age, policy_hash, errors, warnings, infos, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    digest,
                    domain_id,
                    int(_failed(result)),
                    _tri(result.get("enforce_ready")),
                    _text(result.get("verdict")),
                    _text(sts.get("id")),
                    _text(policy.get("mode")),
                    policy.get("max_age") if isinstance(policy.get("max_age"), int) else None,
                    policy_hash,
                    _count(findings, "error"),
                    _count(findings, "warning"),
                    _count(findings, "info"),
                    _pack(rest),
                ),
            )
            result_id = int(cursor.lastrowid or 0)
            _record_addresses(conn, result_id, result)
        else:
            result_id = int(row[0])
        cursor = conn.execute(
            "INSERT INTO runs (domain_id, checked_at, result_id, elapsed) VALUES (?, ?, ?, ?)",
            (
                domain_id,
                int(at.timestamp()),
                result_id,
                elapsed if isinstance(elapsed, int | float) else None,
            ),
        )
        run_id = int(cursor.lastrowid or 0)
    stored = {k: v for k, v in result.items() if k not in VOLATILE_KEYS}
    return StoredRun(run_id, domain, at, result_id, stored)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _record_addresses(conn: sqlite3.Connection, result_id: int, result: Mapping[str, Any]) -> None:
    for host, item in _addresses(result):
        cert = _cert_key(item)
        if cert is not None:
            names = _list(item.get("cert_names"))
            conn.execute(
                "INSERT OR IGNORE INTO certificates (sha256, names, not_after) VALUES (?, ?, ?)",
                (cert, json.dumps(names, ensure_ascii=False), _text(item.get("cert_not_after"))),
            )
        conn.execute(
            "INSERT OR IGNORE INTO addresses (result_id, host, address, family, reachable, "
            "starttls, tls_version, cipher, cert_valid, cert_sha256, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                result_id,
                host,
                str(item.get("address") or ""),
                _text(item.get("family")),
                _tri(item.get("reachable")),
                _tri(item.get("starttls")),
                _text(item.get("tls_version")),
                _text(item.get("cipher")),
                _tri(item.get("cert_valid")),
                cert,
                _text(item.get("error")),
            ),
        )


# -- reading -------------------------------------------------------------------------------------

_RUN_SELECT = (
    "SELECT runs.id, domains.name, runs.checked_at, runs.result_id, results.data "
    "FROM runs JOIN domains ON domains.id = runs.domain_id "
    "JOIN results ON results.id = runs.result_id "
)


def _runs(conn: sqlite3.Connection, where: str, params: tuple[object, ...]) -> list[StoredRun]:
    cache: dict[int, dict[str, Any]] = {}
    out: list[StoredRun] = []
    for run_id, name, at, result_id, data in conn.execute(_RUN_SELECT + where, params):
        if result_id not in cache:
            cache[result_id] = _join(conn, _unpack(data))
        out.append(
            StoredRun(run_id, name, datetime.fromtimestamp(at, UTC), result_id, cache[result_id])
        )
    return out


def runs(
    conn: sqlite3.Connection,
    domain: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[StoredRun]:
    """A domain's runs, oldest first, optionally within [since, until]."""
    lo = int(since.timestamp()) if since else -(2**62)
    hi = int(until.timestamp()) if until else 2**62
    return _runs(
        conn,
        "WHERE domains.name = ? AND runs.checked_at BETWEEN ? AND ? "
        "ORDER BY runs.checked_at, runs.id",
        (domain.lower(), lo, hi),
    )


def latest(
    conn: sqlite3.Connection, domain: str, *, until: datetime | None = None
) -> StoredRun | None:
    """The newest run at or before ``until`` whose check did not fail (a usable baseline)."""
    hi = int(until.timestamp()) if until else 2**62
    found = _runs(
        conn,
        "WHERE domains.name = ? AND runs.checked_at <= ? AND results.failed = 0 "
        "ORDER BY runs.checked_at DESC, runs.id DESC LIMIT 1",
        (domain.lower(), hi),
    )
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class DomainSummary:
    domain: str
    last_at: datetime
    verdict: str | None
    enforce_ready: bool | None
    failed: bool


def recent_domains(conn: sqlite3.Connection, limit: int = 20) -> list[DomainSummary]:
    """The most recently checked domains, newest first, each with its last verdict."""
    # Each domain's newest run by check time, found through the (domain_id, checked_at) index.
    rows = conn.execute(
        "SELECT domains.name, runs.checked_at, results.verdict, results.enforce_ready, "
        "results.failed FROM domains "
        "JOIN runs ON runs.id = (SELECT id FROM runs AS r WHERE r.domain_id = domains.id "
        "                        ORDER BY r.checked_at DESC, r.id DESC LIMIT 1) "
        "JOIN results ON results.id = runs.result_id "
        "ORDER BY runs.checked_at DESC, domains.name LIMIT ?",
        (limit,),
    ).fetchall()
    return [
        DomainSummary(
            name,
            datetime.fromtimestamp(at, UTC),
            verdict,
            None if ready is None else bool(ready),
            bool(failed),
        )
        for name, at, verdict, ready, failed in rows
    ]
