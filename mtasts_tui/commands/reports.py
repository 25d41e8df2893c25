"""``mtasts-tui reports``: read TLS-RPT reports, summarise them, say whether enforce is safe.

Exit codes: 0 — reports were read and no domain had failures under its MTA-STS policy;
1 — some domain had MTA-STS failures (enforce would block or not protect that mail), or no report
could be read at all; 2 — usage error (a path that does not exist, a bad option value).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TextIO

from mtasts_tui.commands.output import dumps
from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.findings import Finding, error, warning
from mtasts_tui.core.text import QUOTE_LIMIT, clip
from mtasts_tui.reports.model import ParsedReport
from mtasts_tui.reports.render import (
    clean,
    domain_text,
    domain_to_json,
    finding_to_json,
    problems_text,
    report_to_json,
)
from mtasts_tui.reports.sources import MAX_PROBLEMS, iter_reports, unreadable
from mtasts_tui.reports.summary import DomainSummary, ReportSummary, capped_finding, report_day
from mtasts_tui.reports.verdict import Verdict, verdict_for, window

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {clean(text[:200])!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {clean(text[:200])!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``reports`` options to ``parser`` (the caller wires it into its sub-commands)."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="report files (.json, .json.gz, .zip), e-mails (.eml), mailboxes (.mbox, Maildir) "
        "or folders to search recursively",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--domain", metavar="D", help="only this policy domain")
    parser.add_argument(
        "--days",
        type=_positive_int,
        metavar="N",
        help="only reports whose range starts in the last N UTC days (ending --as-of)",
    )
    parser.add_argument(
        "--as-of",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="last day of the --days window (default: today, UTC)",
    )
    from mtasts_tui.commands.reports_intake import add_intake_arguments

    add_intake_arguments(parser)


def _select(
    report: ParsedReport, domain: str | None, since: date | None, until: date | None
) -> ParsedReport | None:
    """The report restricted to ``--domain`` and ``--days``, or None if nothing is left."""
    if since is not None and until is not None:
        day = report_day(report)
        if day is None or not since <= day <= until:
            return None
    if domain is not None:
        policies = tuple(p for p in report.policies if p.policy_domain == domain)
        if not policies:
            return None
        if len(policies) != len(report.policies):
            report = dataclasses.replace(report, policies=policies)
    return report


def _path_problem(path: str) -> str | None:
    try:
        os.stat(path)
    except FileNotFoundError:
        return "no such file or folder"
    except OSError as exc:
        return f"cannot use the path ({exc.strerror or type(exc).__name__})"
    return None


def run(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    """Run ``reports`` with parsed ``args``, writing to ``out``; returns the exit code."""
    err = err if err is not None else sys.stderr
    from mtasts_tui.commands import reports_intake

    if reports_intake.wants_store(args):
        # No PATH (read the store), --imap, or --store: the store-backed run; see reports_intake.
        return reports_intake.run(args, out, err)
    paths: list[str] = list(args.paths)
    unusable = [(p, why) for p in paths if (why := _path_problem(p)) is not None]
    if unusable:
        for p, why in unusable:
            shown = clean(clip(p, QUOTE_LIMIT))
            print(f"mtasts-tui reports: error: {why}: {shown}", file=err)
        return EXIT_USAGE
    days: int | None = getattr(args, "days", None)
    as_of: date | None = getattr(args, "as_of", None)
    if days is not None and days < 1:
        print("mtasts-tui reports: error: --days must be at least 1", file=err)
        return EXIT_USAGE
    domain_arg: str | None = getattr(args, "domain", None)
    domain = (normalize_host(domain_arg) or None) if domain_arg else None
    since = until = None
    if days is not None:
        since, until = window(days, today=as_of)
    as_json = bool(getattr(args, "json", False))

    summary = ReportSummary()
    problems: list[Finding] = []
    unlisted = 0
    warning_codes: Counter[str] = Counter()
    read = excluded = 0
    first = True
    if as_json:
        out.write('{"reports": [\n')
    for item in iter_reports(paths):
        if isinstance(item, ParsedReport):
            try:
                selected = _select(item, domain, since, until)
                entry = None
                if selected is not None:
                    counted = summary.add(selected)
                    if as_json:
                        entry = dumps(report_to_json(selected, duplicate=not counted))
            except Exception as exc:  # one report's values never stop the others
                item = unreadable(f"the report could not be summarised ({exc!s:.200})", item.source)
            else:
                read += 1
                if selected is None:
                    excluded += 1
                    continue
                warning_codes.update(w.code for w in selected.warnings if w.severity != "info")
                if entry is not None:
                    # Each entry ends its own line, so output cut short (Ctrl-C) stays line-whole.
                    out.write(("  " if first else ",  ") + entry + "\n")
                    first = False
                continue
        if len(problems) < MAX_PROBLEMS:
            problems.append(item)
        else:
            unlisted += 1
    if unlisted:
        problems.append(
            warning("reports-problems-truncated", f"{unlisted:,} more problem(s) are not listed.")
        )
    if summary.capped:
        problems.append(capped_finding())
    if read == 0:
        problems.append(error("reports-none-read", "No TLS-RPT report could be read."))

    domains = [domain] if domain is not None else summary.domains()
    results = (
        (ds, verdict_for(ds))
        for ds in (summary.domain(name, since=since, until=until) for name in domains)
    )
    return finish(
        out,
        as_json=as_json,
        read=read,
        duplicates=summary.duplicates,
        excluded=excluded,
        problems=problems,
        window_days=(since, until),
        results=results,
        warning_codes=warning_codes,
    )


def finish(
    out: TextIO,
    *,
    as_json: bool,
    read: int,
    duplicates: int,
    excluded: int,
    problems: list[Finding],
    window_days: tuple[date | None, date | None],
    results: Iterable[tuple[DomainSummary, Verdict]],
    warning_codes: Counter[str],
) -> int:
    """Write the per-domain verdicts (the JSON tail after the reports list, or the text) and
    return the exit code. Shared by the file reader and the store (``reports_intake``).

    ``results`` is consumed once, one domain at a time: with thousands of domains, no list of
    them all is built.
    """
    since, until = window_days
    failing = False

    def verdicts() -> Iterator[tuple[DomainSummary, Verdict]]:
        nonlocal failing
        for ds, verdict in results:
            failing = failing or verdict.status == "sts-failures"
            yield ds, verdict

    if as_json:
        out.write('], "domains": {')
        for n, (ds, verdict) in enumerate(verdicts()):
            entry = dumps(ds.domain) + ": " + dumps(domain_to_json(ds, verdict))
            out.write(("\n  " if n == 0 else ",\n  ") + entry)
        out.write("\n}")
        out.write(', "problems": ' + dumps([finding_to_json(p) for p in problems]) + "}\n")
        return EXIT_FAILURES if read == 0 or failing else EXIT_OK

    head = f"TLS-RPT reports: {read:,} read"
    if duplicates:
        head += f", {duplicates:,} duplicate(s) ignored"
    if excluded:
        head += f", {excluded:,} outside --domain/--days"
    head += f", {len(problems):,} problem(s)."
    lines = [head]
    if since is not None and until is not None:
        lines.append(f"Window: {since.isoformat()} to {until.isoformat()} (UTC days).")
    out.write("\n".join(lines) + "\n")
    for ds, verdict in verdicts():
        out.write("\n" + "\n".join(domain_text(ds, verdict)) + "\n")
    lines = []
    if warning_codes:
        lines.append("")
        lines.append("Report warnings (the reports were still read):")
        for wcode, n in sorted(warning_codes.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {wcode}: {n:,} report(s)")
    if problems:
        lines.append("")
        lines.append("Problems (skipped):")
        lines.extend(problems_text(problems))
    if lines:
        out.write("\n".join(lines) + "\n")
    return EXIT_FAILURES if read == 0 or failing else EXIT_OK
