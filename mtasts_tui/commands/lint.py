"""`mtasts-tui lint`: the core's rules on local input, for people and for CI scripts."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from typing import TextIO

from mtasts_tui.commands.output import write_findings, write_json
from mtasts_tui.core.findings import has_errors, sort_findings
from mtasts_tui.core.mxpattern import coverage, coverage_findings, is_valid_mx_pattern
from mtasts_tui.core.policy import MAX_POLICY_BYTES, parse_policy, policy_too_large
from mtasts_tui.core.stsrecord import check_sts_records
from mtasts_tui.core.text import clip, one_line, printable
from mtasts_tui.core.tlsrpt import check_tlsrpt_records


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    policy = kinds.add_parser("policy", help="check a policy file (mta-sts.txt)")
    policy.add_argument("file", metavar="FILE|-", help="the policy file, or - for standard input")
    policy.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="MXHOST",
        help="an MX host the policy must cover (repeatable)",
    )
    policy.add_argument("--json", action="store_true", help="print one JSON object")
    sts = kinds.add_parser("sts-record", help="check _mta-sts TXT record value(s)")
    sts.add_argument("values", nargs="+", metavar="VALUE", help="one TXT record each")
    sts.add_argument("--json", action="store_true")
    rpt = kinds.add_parser("tlsrpt-record", help="check _smtp._tls TXT record value(s)")
    rpt.add_argument("values", nargs="+", metavar="VALUE", help="one TXT record each")
    rpt.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.kind == "policy":
        return _lint_policy(args, out, err)
    if args.kind == "sts-record":
        result = check_sts_records(args.values)
        if args.json:
            write_json(
                out,
                {
                    "valid": result.valid,
                    "id": result.id,
                    "findings": [f.to_json() for f in sort_findings(result.findings)],
                },
            )
        else:
            out.write(f"_mta-sts record: {'valid' if result.valid else 'INVALID'}\n")
            if result.record is not None:
                out.write(f"  record: {one_line(clip(result.record))}\n")
            if result.id:
                out.write(f"  id:     {result.id}\n")
            write_findings(out, result.findings)
        return 0 if result.valid else 1
    rpt = check_tlsrpt_records(args.values)
    if args.json:
        write_json(
            out,
            {
                "valid": rpt.valid,
                "rua": list(rpt.rua),
                "findings": [f.to_json() for f in sort_findings(rpt.findings)],
            },
        )
    else:
        out.write(f"_smtp._tls record: {'valid' if rpt.valid else 'INVALID'}\n")
        if rpt.record is not None:
            out.write(f"  record: {one_line(clip(rpt.record))}\n")
        for uri in rpt.rua:
            out.write(f"  rua:    {one_line(uri)}\n")
        write_findings(out, rpt.findings)
    return 0 if rpt.valid else 1


def _read_policy(name: str, err: TextIO) -> bytes | None:
    try:
        if name == "-":
            return sys.stdin.buffer.read(MAX_POLICY_BYTES + 1)
        # O_NONBLOCK: a FIFO must not hang the open; only a regular file is read.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                err.write(
                    f"mtasts-tui lint: {one_line(clip(name))} is not a regular file "
                    "(to read a pipe, give - and feed it on standard input)\n"
                )
                return None
            return handle.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        err.write(f"mtasts-tui lint: cannot read {one_line(clip(name))}: {exc.strerror or exc}\n")
        return None


def _lint_policy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    data = _read_policy(args.file, err)
    if data is None:
        return 2
    too_large = len(data) > MAX_POLICY_BYTES
    result = parse_policy(data[:MAX_POLICY_BYTES])
    findings = list(result.findings)
    if too_large:
        findings.append(policy_too_large(args.file))
    hosts: list[str] = args.host
    covered = coverage([p for p in result.mx if is_valid_mx_pattern(p)], hosts)
    if result.policy is not None and hosts:
        findings.extend(coverage_findings(result.policy.mx, hosts, result.policy.mode))
    valid = result.policy is not None and not has_errors(findings)
    if args.json:
        write_json(
            out,
            {
                "valid": valid,
                "policy": result.policy.to_json() if result.policy else None,
                "coverage": {host: bool(patterns) for host, patterns in covered.items()},
                "findings": [f.to_json() for f in sort_findings(findings)],
            },
        )
    else:
        out.write(f"policy {printable(args.file)}: {'valid' if valid else 'INVALID'}\n")
        if result.policy is not None:
            p = result.policy
            out.write(f"  mode:    {p.mode}\n  max_age: {p.max_age}\n")
            for pattern in p.mx:
                out.write(f"  mx:      {one_line(pattern)}\n")
        for host, patterns in covered.items():
            how = f"covered by {', '.join(patterns)}" if patterns else "NOT covered"
            out.write(f"  host {one_line(host)}: {one_line(how)}\n")
        write_findings(out, findings)
    return 0 if valid else 1
