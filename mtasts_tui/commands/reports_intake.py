"""The store-backed side of ``mtasts-tui reports``: ``--store``, ``--imap`` and reading the store.

``reports PATH...`` alone reads files as it always did. ``--store`` also imports them; ``--imap``
fetches a mailbox into the store; with no PATH the summary comes from the store. The output and
the verdict are the file reader's own (``reports.finish``), fed from the store's aggregates.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from mtasts_tui.commands.output import dumps
from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.findings import Finding, error
from mtasts_tui.reports.parse import ReportParseError, parse_report
from mtasts_tui.reports.render import clean, problems_text, report_to_json
from mtasts_tui.reports.sources import iter_report_sources
from mtasts_tui.reports.store import ReportStore
from mtasts_tui.reports.summary import DomainSummary
from mtasts_tui.reports.verdict import Verdict, verdict_for, window
from mtasts_tui.store.db import StoreError

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2
EXIT_INTAKE = 3
"""The intake stopped early (IMAP connection lost, login refused) and no domain had MTA-STS
failures (exit 1 wins); what it stored is kept."""
MAX_NOTES_SHOWN = 50
"""Skipped-message notes printed per run (a spam-heavy mailbox would otherwise flood cron mail)."""


def add_intake_arguments(parser: argparse.ArgumentParser) -> None:
    """The store and intake options of ``reports``, in one group for ``--help``."""
    group = parser.add_argument_group(
        "store and intake",
        "Without PATH, the summary comes from the store. 'mtasts-tui reports serve --help' "
        "describes the HTTPS intake server.",
    )
    group.add_argument("--store", action="store_true", help="also import the PATHs into the store")
    group.add_argument(
        "--db", metavar="FILE", help="the store (default: $MTASTS_TUI_DB or the data folder)"
    )
    group.add_argument(
        "--imap",
        metavar="URL",
        help="fetch new report mails first: imaps://USER@HOST[:PORT]/FOLDER (imap:// uses "
        "STARTTLS); password from $MTASTS_TUI_IMAP_PASSWORD or a prompt",
    )
    group.add_argument("--ca-file", metavar="PEM", help="trust these CAs for the IMAP server")
    group.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="per IMAP step (30)"
    )
    group.add_argument("--mark-seen", action="store_true", help="flag fetched report mails seen")
    group.add_argument("--move-to", metavar="FOLDER", help="move fetched report mails there")
    group.add_argument(
        "--alert-webhook",
        metavar="URL",
        help="POST once for each new MTA-STS failure type per domain",
    )
    group.add_argument(
        "--alert-format", choices=("generic", "slack"), default="generic", help="(generic)"
    )


def wants_store(args: argparse.Namespace) -> bool:
    """No PATH, --store, --imap or --alert-webhook (which remembers its alerts in the store)."""
    return (
        not getattr(args, "paths", None)
        or bool(getattr(args, "store", False))
        or bool(getattr(args, "imap", None))
        or bool(getattr(args, "alert_webhook", None))
    )


def _password() -> str | None:
    from mtasts_tui.reports.imap import PASSWORD_ENV_VAR

    value = os.environ.get(PASSWORD_ENV_VAR)
    if value:
        return value
    if not sys.stdin.isatty():
        return None
    return getpass.getpass("IMAP password: ")


def import_paths(store: ReportStore, paths: Iterable[str]) -> tuple[int, int, list[Finding]]:
    """Import every report under ``paths``: (new, already stored, problems)."""
    new = dup = 0
    problems: list[Finding] = []
    for item in iter_report_sources(paths):
        if isinstance(item, Finding):
            problems.append(item)
            continue
        try:
            report = parse_report(item.data, item.source, domain_hint=item.domain_hint)
        except ReportParseError as exc:
            problems.append(exc.finding)
            continue
        if store.add(report, item.data, "file"):
            new += 1
        else:
            dup += 1
    return new, dup, problems


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        return _run(args, out, err)
    except sqlite3.Error as exc:  # disk full, or locked past the busy timeout
        print(f"mtasts-tui reports: error: the store failed: {clean(str(exc))}", file=err)
        return EXIT_INTAKE
    except KeyboardInterrupt:
        # Committed batches stay; the open one was rolled back and is fetched again next time.
        print("Interrupted.", file=err)
        return 130


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from mtasts_tui.commands import reports as command

    paths: list[str] = list(args.paths or [])
    if paths and paths[0] == "serve":
        print(
            "mtasts-tui reports: error: put 'serve' first: mtasts-tui reports serve ...", file=err
        )
        return EXIT_USAGE
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        for p in missing:
            print(f"mtasts-tui reports: error: no such file or folder: {clean(p)}", file=err)
        return EXIT_USAGE
    as_json = bool(getattr(args, "json", False))
    notes_out = err if as_json else out
    url = None
    password = None
    if args.imap:
        from mtasts_tui.reports.imap import PASSWORD_ENV_VAR, ImapUrlError, parse_imap_url

        try:
            url = parse_imap_url(args.imap)
        except ImapUrlError as exc:
            print(f"mtasts-tui reports: error: --imap: {exc}", file=err)
            return EXIT_USAGE
        password = _password()
        if not password:
            print(
                f"mtasts-tui reports: error: --imap needs a password: set {PASSWORD_ENV_VAR} "
                "(or run on a terminal to be asked)",
                file=err,
            )
            return EXIT_USAGE
    try:
        store = ReportStore.open(Path(args.db) if args.db else None)
    except StoreError as exc:
        print(f"mtasts-tui reports: error: {clean(str(exc))}", file=err)
        return EXIT_USAGE
    with store:
        intake_failed = False
        if paths:
            new, dup, problems = import_paths(store, paths)
            lines = [f"Stored from files: {new:,} new, {dup:,} already stored."]
            if problems:
                lines += ["Skipped:", *problems_text(problems)]
            notes_out.write("\n".join(lines) + "\n")
        if url is not None and password is not None:
            intake_failed = not _imap(args, url, password, store, notes_out, err)
        if paths and not args.imap:
            # Files (imported): the summary is of the files, exactly as without the store.
            plain = argparse.Namespace(**{**vars(args), "store": False, "alert_webhook": None})
            code = command.run(plain, out, err)
        else:
            code = summarise_store(store, args, out)
        if args.alert_webhook:
            _alerts(store, args, err)
    if intake_failed and code == EXIT_OK:
        return EXIT_INTAKE
    return code


def _imap(
    args: argparse.Namespace, url: Any, password: str, store: ReportStore, out: TextIO, err: TextIO
) -> bool:
    from mtasts_tui.probe.network import NetworkConfigError, build_ssl_context
    from mtasts_tui.reports.imap import run_imap_intake

    try:
        context = build_ssl_context(args.ca_file)
    except NetworkConfigError as exc:
        print(f"mtasts-tui reports: error: {exc}", file=err)
        return False
    result = run_imap_intake(
        url,
        password,
        store,
        context=context,
        timeout=args.timeout,
        mark_seen=args.mark_seen,
        move_to=args.move_to,
    )
    lines = [
        f"IMAP {clean(result.mailbox)}: {result.messages:,} new message(s), "
        f"{result.new_reports:,} new report(s), {result.duplicates:,} already stored"
        + (", folder read from the start" if result.rescanned else "")
        + (f", {result.moved:,} moved" if result.moved else "")
        + "."
    ]
    if result.notes:
        lines.append("Skipped messages:")
        lines.extend(problems_text(list(result.notes[:MAX_NOTES_SHOWN])))
        if len(result.notes) > MAX_NOTES_SHOWN:
            lines.append(f"  … and {len(result.notes) - MAX_NOTES_SHOWN:,} more")
    out.write("\n".join(lines) + "\n")
    if result.error is not None:
        print(
            f"mtasts-tui reports: IMAP intake stopped: {clean(result.error)} (what was read is "
            "stored; the next run goes on from there)",
            file=err,
        )
        return False
    return True


def _window(args: argparse.Namespace) -> tuple[date | None, date | None]:
    days: int | None = getattr(args, "days", None)
    if days is None:
        return None, None
    return window(days, today=getattr(args, "as_of", None))


def _domain(args: argparse.Namespace) -> str | None:
    text: str | None = getattr(args, "domain", None)
    return (normalize_host(text) or None) if text else None


def store_results(
    store: ReportStore, domain: str | None, since: date | None, until: date | None
) -> tuple[list[tuple[DomainSummary, Verdict]], int, Counter[str], date | None]:
    """(per-domain summary and verdict, reports, warning codes, newest day) from the store."""
    selection = store.summary(domain, since=since, until=until)
    names = [domain] if domain is not None else selection.summary.domains()
    results = []
    for name in names:
        ds = selection.summary.domain(name, since=since, until=until)
        results.append((ds, verdict_for(ds)))
    return results, selection.reports, selection.warning_codes, selection.newest


def summarise_store(store: ReportStore, args: argparse.Namespace, out: TextIO) -> int:
    from mtasts_tui.commands import reports as command

    since, until = _window(args)
    domain = _domain(args)
    as_json = bool(getattr(args, "json", False))
    results, read, warning_codes, _newest = store_results(store, domain, since, until)
    problems: list[Finding] = []
    # As the file reader counts them: every stored report is "read"; those outside the
    # --domain/--days selection are "excluded".
    total = store.count()
    if total == 0:
        problems.append(
            error("reports-none-read", "The store holds no TLS-RPT report yet (see --imap).")
        )
    if as_json:
        out.write('{"reports": [\n')
        first = True
        for item in store.iter_reports(domain, since=since, until=until):
            if isinstance(item, Finding):
                problems.append(item)
                continue
            selected = command._select(item, domain, since, until)
            if selected is None:
                continue
            # The same lines as the file reader writes (see command.run).
            out.write(("  " if first else ",  ") + dumps(report_to_json(selected, duplicate=False)))
            out.write("\n")
            first = False
    return command.finish(
        out,
        as_json=as_json,
        read=total,
        duplicates=0,
        excluded=total - read if domain is not None or since is not None else 0,
        problems=problems,
        window_days=(since, until),
        results=results,
        warning_codes=warning_codes,
    )


def _alerts(store: ReportStore, args: argparse.Namespace, err: TextIO, retries: int = 3) -> None:
    """One POST per MTA-STS failure type per domain the store has not announced before."""
    from mtasts_tui.alerts.webhook import post_webhook, slack_payload

    results, _read, _codes, _newest = store_results(store, _domain(args), None, None)
    for ds, verdict in results:
        for cause in verdict.causes:
            if store.alerted(ds.domain, cause.result_type):
                continue
            title = (
                f"TLS-RPT: new MTA-STS failure type {cause.result_type} for {ds.domain} "
                f"({cause.count:,} session(s))"
            )
            payload: dict[str, Any]
            if args.alert_format == "slack":
                hosts = ", ".join(cause.mx_hosts[:5]) or "(no MX named)"
                payload = slack_payload(title, [f"MX: {hosts}", cause.fix])
            else:
                payload = {
                    "event": "tlsrpt-sts-failure",
                    "domain": ds.domain,
                    "result_type": cause.result_type,
                    "sessions": cause.count,
                    "mx_hosts": list(cause.mx_hosts),
                    "blocks_mail": cause.blocks_mail,
                    "fix": cause.fix,
                }
            result = post_webhook(args.alert_webhook, payload, retries=retries)
            if result.ok:
                store.mark_alerted(ds.domain, cause.result_type)
            else:
                # Not marked: the next run tries again rather than losing the alert.
                print(
                    f"mtasts-tui reports: alert for {clean(ds.domain)} {cause.result_type} not "
                    f"delivered: {clean(result.error or '')}",
                    file=err,
                )
