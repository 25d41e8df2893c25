"""`mtasts-tui export`: the deploy bundle, headless (the wizard's export screen shares the code).

Exit codes: 0 written; 1 not written because the folder cannot be written (permission, full disk,
a name too long, a symlink or a folder in the way); 2 not written because the input is unusable
or the folder is not empty and ``--force`` was not given; 130 interrupted (nothing written).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from mtasts_tui.core.bundle import (
    DEFAULT_DNS,
    DEFAULT_HOSTING,
    DNS_TARGETS,
    build_bundle,
    make_bundle_spec,
    parse_targets,
)
from mtasts_tui.core.hosting import HOSTING_TARGETS
from mtasts_tui.core.policyid import new_policy_id
from mtasts_tui.core.text import printable
from mtasts_tui.fs.bundle import BundleExistsError, ExportError, write_bundle


def _targets(choices: tuple[str, ...], what: str) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        targets = parse_targets(text, choices, what)
        if isinstance(targets, str):
            raise argparse.ArgumentTypeError(targets)
        return targets

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--domain", required=True, help="the mail domain, e.g. example.com")
    parser.add_argument("--mode", required=True, help="enforce, testing or none")
    parser.add_argument(
        "--mx", action="append", default=[], metavar="PATTERN", help="mx pattern (repeatable)"
    )
    # Text, not an int: the draft validator judges it with every other field at once.
    parser.add_argument("--max-age", required=True, metavar="SECONDS", help="0..31557600")
    parser.add_argument(
        "--rua",
        action="append",
        default=[],
        metavar="URI",
        help="TLS-RPT destination, mailto: or https: (repeatable)",
    )
    parser.add_argument("--id", help="policy id (default: a fresh one from the current time)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that is not empty: the bundle's files are replaced, other "
        "files are kept",
    )
    parser.add_argument(
        "--hosting",
        type=_targets(HOSTING_TARGETS, "hosting"),
        default=DEFAULT_HOSTING,
        metavar="LIST",
        help=f"web hosts to write files for: {','.join(HOSTING_TARGETS)} (default: all)",
    )
    parser.add_argument(
        "--dns",
        type=_targets(DNS_TARGETS, "DNS"),
        default=DEFAULT_DNS,
        metavar="LIST",
        help=f"DNS formats: {','.join(DNS_TARGETS)} or all (default: {','.join(DEFAULT_DNS)})",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    now = datetime.now(UTC)
    spec = make_bundle_spec(
        domain=args.domain,
        mode=args.mode,
        mx=args.mx,
        max_age=args.max_age,
        rua=args.rua,
        policy_id=args.id if args.id is not None else new_policy_id(now),
        created=now.date(),
    )
    if isinstance(spec, list):
        err.write("mtasts-tui export: nothing was written:\n")
        for problem in spec:
            err.write(f"  - {printable(problem)}\n")
        return 2
    files = build_bundle(spec, hosting=args.hosting, dns=args.dns)
    try:
        written = write_bundle(args.out, files, force=args.force)
    except ExportError as exc:
        err.write(f"mtasts-tui export: {printable(str(exc))}\n")
        return 2 if isinstance(exc, BundleExistsError) else 1
    out.write(f"Bundle for {spec.domain.display()} (policy id {spec.policy_id}):\n")
    for path in written:
        out.write(f"  {path}\n")
    out.write(f"Next: follow {args.out / 'CHECKLIST.md'}\n")
    return 0
