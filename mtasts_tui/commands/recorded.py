"""`check` with memory: each result is recorded, compared with a baseline, and written in the
chosen format. Shared by `check` and `watch` (one cycle of `watch` is one of these runs)."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from mtasts_tui.commands.check import _run, write_human
from mtasts_tui.commands.formats import Command, Report
from mtasts_tui.commands.monitor import (
    Baseline,
    Monitor,
    MonitorError,
    Outcome,
    monitor_from_args,
    output_format,
)
from mtasts_tui.core.domain import DomainName
from mtasts_tui.core.text import printable
from mtasts_tui.probe.inspect import Inspection
from mtasts_tui.probe.network import ProbeConfig
from mtasts_tui.reports import Verdict
from mtasts_tui.store.db import DB_ENV_VAR, StoreError


@dataclass
class Cycle:
    outcomes: list[Outcome] = field(default_factory=list)
    """Every outcome, when kept (`watch` alerts on them; `check` streams and keeps none)."""
    any_error: bool = False
    """An error finding (check's exit code 1)."""
    store_error: str | None = None
    worse: bool = False
    """Some domain got worse since its last record."""
    drift_error: bool = False


async def run_cycle(
    domains: Iterable[DomainName],
    config: ProbeConfig,
    args: argparse.Namespace,
    verdicts: dict[str, Verdict] | None,
    monitor: Monitor,
    report: Report,
    out: TextIO,
    *,
    keep_outcomes: bool = True,
) -> Cycle:
    cycle = Cycle()

    async def emit(data: Mapping[str, Any], inspection: Inspection | None) -> None:
        try:
            outcome = await monitor.observe(data)
        except Exception as exc:  # a store failure loses the record, never the printed result
            cycle.store_error = f"{type(exc).__name__}: {exc}"
            now = datetime.now(UTC).replace(microsecond=0)
            domain = str(data.get("domain", ""))
            outcome = Outcome(domain, dict(data), now, (), None, False, False)
        if keep_outcomes:
            cycle.outcomes.append(outcome)
        cycle.worse = cycle.worse or outcome.worse
        cycle.drift_error = cycle.drift_error or any(d.severity == "error" for d in outcome.drift)
        human: Callable[[], None] | None = None
        if inspection is not None:
            shown = inspection

            def human() -> None:
                write_human(out, shown)

        if human is None and report.fmt == "text" and report.command == "check":
            message = next(
                (f.get("message", "") for f in data.get("findings", []) if isinstance(f, dict)),
                "",
            )
            domain = printable(str(data.get("domain", "")))
            line = f"\n== {domain}: {printable(str(message))}\n"

            def human() -> None:
                out.write(line)

        report.add(outcome, human)

    cycle.any_error = await _run(
        domains,
        config,
        args.concurrency,
        False,
        out,
        verdicts,
        emit=emit,
        rate=getattr(args, "rate", None),
        in_order=getattr(args, "order", "finish") == "input",
    )
    if cycle.drift_error:
        cycle.any_error = True
    return cycle


def open_monitor(args: argparse.Namespace, err: TextIO, command: Command) -> Monitor | None:
    """The run's monitor, or None after saying why (exit 2).

    A plain `check` whose default store cannot be opened (a read-only home, say) still checks:
    it says the history is not recorded. Asked-for history (``--db``, ``MTASTS_TUI_DB``, a
    baseline, or `watch`) is an error instead.
    """
    try:
        return monitor_from_args(args)
    except MonitorError as exc:
        err.write(f"mtasts-tui {command}: {printable(str(exc))}\n")
        return None
    except StoreError as exc:
        asked = command == "watch" or args.db or args.baseline or os.environ.get(DB_ENV_VAR)
        if asked:
            err.write(f"mtasts-tui {command}: {printable(str(exc))}\n")
            return None
        err.write(f"mtasts-tui {command}: the history is not recorded: {printable(str(exc))}\n")
        return Monitor(db=None, record_history=False, baseline=Baseline("none"))


def run_recorded(
    args: argparse.Namespace,
    domains: Iterable[DomainName],
    config: ProbeConfig,
    verdicts: dict[str, Verdict] | None,
    out: TextIO,
    err: TextIO,
) -> int:
    monitor = open_monitor(args, err, "check")
    if monitor is None:
        return 2
    report = Report(output_format(args), out, "check")
    from mtasts_tui.commands.fleet import event_loop_factory

    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            cycle = runner.run(
                run_cycle(
                    domains, config, args, verdicts, monitor, report, out, keep_outcomes=False
                )
            )
    finally:
        monitor.close()
    report.close()
    if cycle.store_error:
        err.write(
            f"mtasts-tui check: the history was not recorded: {printable(cycle.store_error)}\n"
        )
    return 1 if cycle.any_error else 0
