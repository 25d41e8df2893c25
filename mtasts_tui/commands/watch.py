"""`mtasts-tui watch`: check, record, and report only what changed; alerts for cron, CI and
monitoring.

Exit codes: 0 when nothing got worse, 1 when something did, 2 for bad options. ``--every`` runs
cycles in the foreground until SIGINT or SIGTERM, then finishes cleanly with the last cycle's code.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from mtasts_tui.commands.monitor import Outcome

INTERVAL_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
DOMAIN_FILE_LIMIT = 16 * 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mtasts_tui.commands.options import add_check_options, add_store_arguments

    parser.add_argument("domains", nargs="*", metavar="DOMAIN", help="domains to watch")
    parser.add_argument(
        "--domains",
        dest="domains_file",
        metavar="FILE",
        help="one domain per line (# comments); - reads standard input",
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="one round, for cron and CI (default)")
    when.add_argument(
        "--every",
        metavar="INTERVAL",
        help="repeat every INTERVAL (90s, 30m, 6h, 1d) until SIGINT or SIGTERM",
    )
    alerts = parser.add_argument_group("alerts")
    alerts.add_argument("--webhook", metavar="URL", help="POST what changed as JSON to URL")
    alerts.add_argument(
        "--webhook-format", choices=("generic", "slack"), default="generic", help="payload shape"
    )
    alerts.add_argument(
        "--webhook-timeout", type=float, default=10.0, metavar="SECONDS", help="per attempt"
    )
    alerts.add_argument(
        "--webhook-retries", type=int, default=3, metavar="N", help="extra attempts (default 3)"
    )
    alerts.add_argument(
        "--prometheus", metavar="FILE", help="write a node_exporter textfile (atomically)"
    )
    add_check_options(parser)
    add_store_arguments(parser, default_baseline="latest")


def parse_interval(text: str) -> float | None:
    match = INTERVAL_RE.match(text.strip().lower())
    if not match:
        return None
    seconds = float(match.group(1)) * UNITS[match.group(2)]
    return seconds if seconds >= 1 else None


def _read_domains(args: argparse.Namespace, err: TextIO) -> list[str] | None:
    names = list(args.domains)
    if args.domains_file:
        if args.domains_file == "-":
            lines = sys.stdin.read(DOMAIN_FILE_LIMIT).splitlines()
        else:
            path = Path(args.domains_file)
            if not path.is_file():
                err.write(f"mtasts-tui watch: --domains {args.domains_file}: no such file\n")
                return None
            if path.stat().st_size > DOMAIN_FILE_LIMIT:
                err.write(f"mtasts-tui watch: --domains {args.domains_file}: too large\n")
                return None
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        names += [t for t in (ln.split("#", 1)[0].strip() for ln in lines) if t]
    return names


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from mtasts_tui.commands.check import load_report_verdicts
    from mtasts_tui.core.domain import DomainName, parse_domain
    from mtasts_tui.core.text import printable
    from mtasts_tui.probe.network import NetworkConfigError, config_from_args

    names = _read_domains(args, err)
    if names is None:
        return 2
    domains: list[DomainName] = []
    seen: set[str] = set()
    for raw in names:
        parsed = parse_domain(raw)
        if isinstance(parsed, str):
            err.write(f"mtasts-tui watch: {printable(parsed)}\n")
            return 2
        if parsed.ascii not in seen:
            seen.add(parsed.ascii)
            domains.append(parsed)
    if not domains:
        err.write("mtasts-tui watch: no domain given (name them, or use --domains FILE)\n")
        return 2
    interval = None
    if args.every is not None:
        interval = parse_interval(args.every)
        if interval is None:
            err.write("mtasts-tui watch: --every takes a duration such as 90s, 30m, 6h or 1d\n")
            return 2
    if args.concurrency < 1:
        err.write("mtasts-tui watch: --concurrency must be at least 1\n")
        return 2
    if args.rate is not None and not args.rate > 0:  # NaN too
        err.write("mtasts-tui watch: --rate must be more than 0 connections per second\n")
        return 2
    if args.webhook and not re.match(r"^https?://", args.webhook, re.IGNORECASE):
        err.write("mtasts-tui watch: --webhook must be an http:// or https:// URL\n")
        return 2
    if args.webhook_retries < 0 or args.webhook_timeout <= 0:
        err.write("mtasts-tui watch: --webhook-retries must be ≥ 0 and --webhook-timeout > 0\n")
        return 2
    if args.prometheus and not Path(args.prometheus).resolve().parent.is_dir():
        err.write(f"mtasts-tui watch: --prometheus {printable(args.prometheus)}: no such folder\n")
        return 2
    try:
        config = config_from_args(args)
    except NetworkConfigError as exc:
        err.write(f"mtasts-tui watch: {printable(str(exc))}\n")
        return 2
    verdicts = None
    if args.reports:
        missing = [p for p in args.reports if not Path(p).exists()]
        if missing:
            err.write(f"mtasts-tui watch: no such file or folder: {printable(missing[0])}\n")
            return 2
        verdicts = load_report_verdicts(args.reports, err)

    from mtasts_tui.commands.recorded import open_monitor

    monitor = open_monitor(args, err, "watch")
    if monitor is None:
        return 2
    import asyncio

    try:
        return asyncio.run(_watch(args, domains, config, verdicts, monitor, interval, out, err))
    finally:
        monitor.close()


async def _watch(
    args: argparse.Namespace,
    domains: list[Any],
    config: Any,
    verdicts: Any,
    monitor: Any,
    interval: float | None,
    out: TextIO,
    err: TextIO,
) -> int:
    import asyncio

    from mtasts_tui.commands.formats import Report
    from mtasts_tui.commands.options import output_format
    from mtasts_tui.commands.recorded import run_cycle
    from mtasts_tui.core.text import printable

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if interval is not None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    code = 0
    try:
        while True:
            report = Report(output_format(args), out, "watch")
            task = asyncio.ensure_future(
                run_cycle(domains, config, args, verdicts, monitor, report, out)
            )
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if not task.done():  # stopped mid-round: what was recorded stays recorded
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                break
            stopper.cancel()
            cycle = task.result()
            report.close()
            if cycle.store_error:
                err.write(
                    "mtasts-tui watch: the history was not recorded: "
                    f"{printable(cycle.store_error)}\n"
                )
            await _alerts(args, cycle.outcomes, err)
            code = 1 if cycle.worse else 0
            if interval is None:
                break
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
                break
            except TimeoutError:
                continue
    finally:
        if interval is not None:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
    if stop.is_set():
        err.write("mtasts-tui watch: stopped\n")
    return code


async def _alerts(args: argparse.Namespace, outcomes: list[Outcome], err: TextIO) -> None:
    import asyncio

    from mtasts_tui.core.text import printable

    if args.prometheus:
        from mtasts_tui.alerts.prometheus import render, write_textfile

        try:
            text = render((o.data, o.checked_at) for o in outcomes)
            await asyncio.to_thread(write_textfile, Path(args.prometheus), text)
        except OSError as exc:
            err.write(f"mtasts-tui watch: --prometheus: {printable(str(exc))}\n")
    from mtasts_tui.commands.formats import changes

    # A first check is news for the terminal, not an alert.
    changed = [o for o in outcomes if any(c.code != "first-check" for c in changes(o))]
    if args.webhook and changed:
        from mtasts_tui.alerts.webhook import post_webhook

        payload = webhook_payload(changed, args.webhook_format)
        result = await asyncio.to_thread(
            post_webhook,
            args.webhook,
            payload,
            timeout=args.webhook_timeout,
            retries=args.webhook_retries,
        )
        if not result.ok:
            err.write(
                f"mtasts-tui watch: the webhook failed after {result.attempts} attempt(s): "
                f"{printable(result.error or 'unknown error')}\n"
            )


def webhook_payload(changed: list[Outcome], fmt: str) -> dict[str, Any]:
    from mtasts_tui.alerts.webhook import slack_payload
    from mtasts_tui.commands.formats import changes

    worse = any(o.worse for o in changed)
    if fmt == "slack":
        title = f"mtasts-tui watch: {len(changed)} domain(s) changed" + (
            ", something got worse" if worse else ""
        )
        lines = [
            f"{o.domain}: [{c.severity}] {c.code}: {c.message}" for o in changed for c in changes(o)
        ]
        return slack_payload(title, lines[:50])
    return {
        "source": "mtasts-tui",
        "event": "changed",
        "got_worse": worse,
        "domains": [
            {
                "domain": o.domain,
                "checked_at": o.data.get("checked_at"),
                "got_worse": o.worse,
                "enforce_ready": o.data.get("enforce_ready"),
                "verdict": o.data.get("verdict"),
                "check_failed": o.failed,
                "drift": [d.to_json() for d in o.drift],
                "changes": [c.to_json() for c in o.changes],
            }
            for o in changed
        ],
    }
