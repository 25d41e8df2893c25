"""`mtasts-tui history DOMAIN`: one line per change (not per run), and the policy body diffs."""

from __future__ import annotations

import argparse
import itertools
from typing import Any, TextIO


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("domain", metavar="DOMAIN")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument(
        "--since", metavar="DATE", help="only runs from DATE on (YYYY-MM-DD or ISO time)"
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="the history database (default: $MTASTS_TUI_DB, else the user data folder)",
    )


def policy_versions(stored: list[Any]) -> list[tuple[str, str | None]]:
    """Each distinct policy body (None: none served) with when it was first seen, in order."""
    from mtasts_tui.core.drift import check_failed, stamp

    out: list[tuple[str, str | None]] = []
    for run in stored:
        if check_failed(run.result):
            continue
        policy = run.result.get("policy") if isinstance(run.result.get("policy"), dict) else {}
        body = policy.get("raw") if policy and policy.get("fetched") is True else None
        if not out or out[-1][1] != body:
            out.append((stamp(run.at), body if isinstance(body, str) else None))
    return out


def history_data(conn: Any, domain: str, since: Any = None) -> dict[str, Any]:
    from mtasts_tui.core.drift import policy_diff, stamp, timeline
    from mtasts_tui.store.history import runs

    stored = runs(conn, domain, since=since)
    versions = policy_versions(stored)
    diffs = [
        {
            "from": a_at,
            "to": b_at,
            "diff": policy_diff(a, b, f"policy {a_at}", f"policy {b_at}"),
        }
        for (a_at, a), (b_at, b) in itertools.pairwise(versions)
    ]
    return {
        "domain": domain,
        "runs": len(stored),
        "first_run": stamp(stored[0].at) if stored else None,
        "last_run": stamp(stored[-1].at) if stored else None,
        "timeline": [e.to_json() for e in timeline([(r.at, r.result) for r in stored])],
        "policy_diffs": diffs,
    }


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pathlib import Path

    from mtasts_tui.commands.monitor import parse_date
    from mtasts_tui.commands.output import write_json
    from mtasts_tui.core.domain import parse_domain
    from mtasts_tui.core.text import one_line, printable
    from mtasts_tui.store.db import StoreError, default_db_path, open_store

    parsed = parse_domain(args.domain)
    if isinstance(parsed, str):
        err.write(f"mtasts-tui history: {printable(parsed)}\n")
        return 2
    since = None
    if args.since:
        since = parse_date(args.since)
        if since is None:
            err.write("mtasts-tui history: --since takes YYYY-MM-DD or an ISO date and time\n")
            return 2
        if len(args.since) == 10:  # a bare date means from the start of that day
            since = since.replace(hour=0, minute=0, second=0)
    path = Path(args.db) if args.db else default_db_path()
    try:
        conn = open_store(path, create=False)
    except StoreError as exc:
        err.write(f"mtasts-tui history: {printable(str(exc))}\n")
        return 2
    try:
        data = history_data(conn, parsed.ascii, since)
    finally:
        conn.close()
    if args.json:
        write_json(out, data)
        return 0
    if not data["runs"]:
        out.write(f"no history for {parsed.ascii}\n")
        return 0
    first, last = data["first_run"], data["last_run"]
    out.write(f"{parsed.ascii}: {data['runs']} check(s) from {first} to {last}\n\n")
    marks = {"error": "✗", "warning": "!", "info": "·"}
    for entry in data["timeline"]:
        out.write(
            f"{entry['at']}  {marks.get(entry['severity'], '·')} [{entry['code']}] "
            f"{one_line(entry['message'])}\n"
        )
    for diff in data["policy_diffs"]:
        out.write(f"\npolicy changed between {diff['from']} and {diff['to']}:\n")
        for line in diff["diff"]:
            out.write(f"  {one_line(line)}\n")
    return 0
