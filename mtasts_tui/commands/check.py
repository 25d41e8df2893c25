"""`mtasts-tui check`: inspect live domains headlessly, for people (tables) and scripts (JSON)."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO, cast

from mtasts_tui.commands.check_json import (
    CaaJson,
    CheckFailedJson,
    CheckJson,
    DnssecJson,
    MxAddressJson,
    PolicyAddressJson,
    TlsaJson,
)
from mtasts_tui.commands.output import write_findings, write_json
from mtasts_tui.core.caa import issuer_caa_domains, issuer_label
from mtasts_tui.core.domain import DomainName, normalize_host, parse_domain
from mtasts_tui.core.facts import DomainFacts, MxAddressProbe, PolicyFetch, TxtLookup
from mtasts_tui.core.findings import has_errors, sort_findings
from mtasts_tui.core.judge import Judgement
from mtasts_tui.core.policy import policy_url
from mtasts_tui.core.stsrecord import STS_VERSION
from mtasts_tui.core.text import clip, one_line, printable
from mtasts_tui.core.tlsrpt import TLSRPT_VERSION
from mtasts_tui.core.txtrecord import join_record, starts_with_version
from mtasts_tui.probe.network import Network, NetworkConfigError, ProbeConfig, config_from_args
from mtasts_tui.reports import (
    Verdict,
    combine_with_inspection,
    reports_finding,
    summarise_paths,
    verdict_for,
)

if TYPE_CHECKING:
    from mtasts_tui.probe.inspect import Inspection

READY_WORDS = {True: "READY", False: "NOT READY", None: "CANNOT TELL"}
"""The three values of enforce_ready, as the human verdict line names them."""


def inspection_to_json(result: Inspection) -> CheckJson:
    """The `check --json` contract: one object per domain."""
    facts, verdict = result.facts, result.judgement
    sts_raw = [join_record(r) for r in facts.sts.records]
    rpt_raw = [join_record(r) for r in facts.tlsrpt.records]
    fetch = facts.policy
    pcheck = verdict.policy
    # Only a 200 answer is a policy; the body of a redirect or error page is not.
    fetched = bool(fetch and fetch.status == 200 and fetch.body is not None)
    body = fetch.body if fetch and fetched else None
    covered = dict(verdict.coverage)
    return {
        "domain": result.domain.ascii,
        "domain_unicode": result.domain.unicode,
        "mx": [
            {"host": normalize_host(r.host), "preference": r.preference}
            for r in facts.mx.by_preference()
        ],
        "sts_record": {
            "present": any(starts_with_version(r, STS_VERSION) for r in sts_raw),
            "raw": sts_raw,
            "id": verdict.sts.id if verdict.sts else None,
            "valid": bool(verdict.sts and verdict.sts.valid),
        },
        "policy": {
            "url": fetch.url if fetch else policy_url(result.domain.ascii),
            "fetched": fetched,
            "status": fetch.status if fetch else None,
            "raw": body.decode("utf-8", errors="replace") if body is not None else None,
            "mode": pcheck.mode if pcheck else None,
            "mx": list(pcheck.mx) if pcheck else [],
            "max_age": pcheck.max_age if pcheck else None,
            "valid": verdict.policy_valid,
            "tls_version": fetch.tls_version if fetch else None,
            "cert_names": list(fetch.cert_names) if fetch else [],
            "cert_not_after": fetch.cert_not_after if fetch else None,
            "addresses": [policy_address_json(f) for f in fetch.addresses] if fetch else [],
        },
        "tlsrpt": {
            "present": any(starts_with_version(r, TLSRPT_VERSION) for r in rpt_raw),
            "raw": rpt_raw,
            "rua": list(verdict.tlsrpt.rua) if verdict.tlsrpt else [],
            "valid": bool(verdict.tlsrpt and verdict.tlsrpt.valid),
        },
        "mx_tls": [
            {
                "host": p.host,
                "address": p.address,
                "reachable": p.reachable,
                "starttls": p.starttls,
                "tls_version": p.tls_version,
                "cipher": p.cipher,
                "cert_valid": p.cert_valid,
                "cert_names": list(p.cert_names),
                "cert_not_after": p.cert_not_after,
                "banner": p.banner,
                "matches_policy": bool(covered.get(p.host)),
                "error": p.error,
                "addresses": [mx_address_json(a) for a in p.addresses],
                "tlsa": tlsa_json(verdict, p.host),
            }
            for p in facts.mx_probes
        ],
        "dnssec": dnssec_json(verdict),
        "caa": caa_json(facts),
        "findings": [f.to_json() for f in verdict.findings],
        "enforce_ready": verdict.enforce_ready,
        "verdict": verdict.verdict,
        "elapsed": round(result.elapsed, 3),
    }


def tlsa_json(verdict: Judgement, host: str) -> TlsaJson:
    """``mx_tls[].tlsa``: exactly present, dnssec, records[], matches."""
    found = verdict.dns_security.tlsa_for(host) if verdict.dns_security else None
    if found is None:
        return {"present": False, "dnssec": "unknown", "records": [], "matches": None}
    return cast(TlsaJson, found.to_json())


def dnssec_json(verdict: Judgement) -> DnssecJson:
    """``dnssec``: the resolver used, whether it validates, and the state of the two answers."""
    sec = verdict.dns_security
    if sec is None:
        return {"resolver": None, "validating": None, "mx": "unknown", "sts_record": "unknown"}
    return cast(DnssecJson, sec.to_json())


def caa_json(facts: DomainFacts) -> CaaJson | None:
    """``caa``: the CAA set relevant to the policy host, and the CA of today's certificate."""
    caa = facts.caa
    if caa is None:
        return None
    issuer = facts.policy.cert_issuer if facts.policy else ()
    return {
        "name": caa.name,
        "status": caa.status,
        "owner": caa.owner,
        "records": [r.text() for r in caa.records],
        "issuer": issuer_label(issuer) if issuer else None,
        "issuer_domains": list(issuer_caa_domains(issuer)),
        "error": caa.error,
    }


def mx_address_json(a: MxAddressProbe) -> MxAddressJson:
    """One address of an MX host in `check --json`: exactly these keys."""
    return {
        "address": a.address,
        "family": a.family,
        "reachable": a.reachable,
        "starttls": a.starttls,
        "tls_version": a.tls_version,
        "cipher": a.cipher,
        "cert_valid": a.cert_valid,
        "cert_names": list(a.cert_names),
        "cert_not_after": a.cert_not_after,
        "cert_sha256": a.cert_sha256,
        "banner": a.banner,
        "error": a.error,
    }


def policy_address_json(f: PolicyFetch) -> PolicyAddressJson:
    """One address of the policy host in `check --json`: exactly these keys."""
    return {
        "address": f.address,
        "family": f.family,
        "status": f.status,
        "content_type": f.content_type,
        "body_sha256": hashlib.sha256(f.body).hexdigest() if f.body is not None else None,
        "tls_version": f.tls_version,
        "cert_names": list(f.cert_names),
        "cert_not_after": f.cert_not_after,
        "error": f.tls_error or f.error,
    }


def write_human(out: TextIO, result: Inspection) -> None:
    facts, verdict = result.facts, result.judgement
    out.write(f"\n== {printable(result.domain.display())}  ({result.elapsed:.2f} s)\n")
    out.write(f"   {READY_WORDS[verdict.enforce_ready]}: {printable(verdict.verdict)}\n\n")
    covered = dict(verdict.coverage)
    probes = {p.host: p for p in facts.mx_probes}
    if facts.mx.records:
        out.write(
            f"   {'pref':>4}  {'MX host':<34} {'STARTTLS':<9} {'TLS':<8} {'cert':<8} "
            f"{'DANE':<12} policy\n"
        )
        for record in facts.mx.by_preference():
            host = normalize_host(record.host)
            probe = probes.get(host)
            starttls = _tri(probe.starttls if probe and probe.reachable else None)
            if probe and not probe.reachable:
                starttls = "unreach."
            tls = (probe.tls_version or "-") if probe else "-"
            cert = _tri(probe.cert_valid) if probe else "-"
            patterns = covered.get(host, ())
            cover = ", ".join(patterns) if patterns else "NOT covered"
            dane = dane_label(verdict, host)
            out.write(
                f"   {record.preference:>4}  {one_line(host):<34} {starttls:<9} "
                f"{one_line(tls):<8} {cert:<8} {dane:<12} {one_line(cover)}\n"
            )
            if probe and len(probe.addresses) > 1:
                for a in probe.addresses:
                    out.write(f"         {one_line(a.address):<34} {address_state(a)}\n")
            if probe and probe.skipped:
                out.write(f"         + {len(probe.skipped)} address(es) not probed\n")
    elif facts.mx.status == "error":  # a failed lookup is not an empty answer
        out.write(f"   MX lookup failed: {one_line(facts.mx.error or 'no answer')}\n")
    else:
        out.write("   no MX records\n")
    sec = verdict.dns_security
    if sec is not None:
        how = {True: "validating", False: "not validating", None: "validation unknown"}
        out.write(
            f"\n   DNSSEC      MX {sec.mx}, _mta-sts {sec.sts}  "
            f"(resolver {one_line(sec.resolver)}, {how[sec.validates]})\n"
        )
    caa = facts.caa
    if caa is not None and caa.status == "ok":
        shown = "; ".join(one_line(r.text()) for r in caa.records[:4])
        out.write(f"   CAA         {one_line(caa.owner or caa.name)}: {shown}\n")
    sts = verdict.sts
    out.write(f"\n   _mta-sts    {_record_line(sts.record if sts else None, facts.sts)}\n")
    rpt = verdict.tlsrpt
    out.write(f"   _smtp._tls  {_record_line(rpt.record if rpt else None, facts.tlsrpt)}\n")
    fetch = facts.policy
    if fetch is not None:
        state = (
            f"HTTP {fetch.status}"
            if fetch.status is not None
            else one_line(fetch.tls_error or fetch.error or "not fetched")
        )
        out.write(f"   policy      {fetch.url}  [{state}]\n")
        if len(fetch.addresses) > 1:
            for f in fetch.addresses:
                out.write(f"      {one_line(f.address or '?'):<32} {one_line(_served(f))}\n")
        if fetch.body is not None and fetch.status == 200:
            for line in fetch.body.decode("utf-8", errors="replace").splitlines()[:20]:
                out.write(f"      | {one_line(line)}\n")
    out.write("\n")
    write_findings(out, verdict.findings, indent="   ")


def dane_label(verdict: Judgement, host: str) -> str:
    """The DANE column: "-" without TLSA, else whether it matches and is signed."""
    found = verdict.dns_security.tlsa_for(host) if verdict.dns_security else None
    if found is None or not found.present:
        return "-"
    match = {True: "match", False: "MISMATCH", None: "?"}[found.matches]
    return f"{match} {found.dnssec}"


def address_state(a: MxAddressProbe) -> str:
    """One address's status in words, for the human table and the wizard."""
    if not a.reachable:
        return f"unreachable ({one_line(a.error or 'no answer')})"
    if a.passes:
        return f"ok, {a.tls_version}, certificate valid"
    return f"FAILS: {one_line(a.error or ('no STARTTLS' if a.starttls is False else 'TLS check'))}"


def _served(f: PolicyFetch) -> str:
    if f.tls_error:
        return f"TLS: {f.tls_error}"
    if f.status is None:
        return f.error or "no answer"
    digest = hashlib.sha256(f.body or b"").hexdigest()[:12]
    return f"HTTP {f.status}, {len(f.body or b'')} bytes, sha256 {digest}…"


def _record_line(record: str | None, lookup: TxtLookup) -> str:
    if record:
        return one_line(record)
    if lookup.status == "error":
        return f"(lookup failed: {one_line(lookup.error or 'no answer')})"
    return "(none)"


def _tri(value: bool | None) -> str:
    return "yes" if value else ("no" if value is False else "-")


def with_reports(result: Inspection, verdict: Verdict | None) -> Inspection:
    """Fold the TLS-RPT reports' verdict into the live one (``check --reports``).

    Reports with STS failures add an error finding and make the domain not ready to enforce, even
    when today's servers pass: real senders' sessions failed.
    """
    if verdict is None:
        return result
    j = result.judgement
    ready, line = combine_with_inspection(j.enforce_ready, j.verdict, verdict)
    judgement = replace(
        j,
        findings=tuple(sort_findings([*j.findings, reports_finding(verdict)])),
        enforce_ready=ready,
        verdict=line,
    )
    return replace(result, judgement=judgement)


def load_report_verdicts(paths: list[str], err: TextIO) -> dict[str, Verdict]:
    """Read every report once, before the checks; unreadable files are reported and skipped."""
    summary, _, problems = summarise_paths(paths)
    for problem in problems:
        where = printable(problem.subject or "")
        err.write(f"mtasts-tui check: {printable(problem.message)} ({where})\n")
    return {name: verdict_for(summary.domain(name)) for name in summary.domains()}


async def _run(
    domains: Iterable[DomainName],
    config: ProbeConfig,
    concurrency: int,
    json_out: bool,
    out: TextIO,
    report_verdicts: dict[str, Verdict] | None = None,
    emit: Emit | None = None,
    rate: float | None = None,
    in_order: bool = False,
) -> bool:
    """Inspect with at most ``concurrency`` domains in flight; print each result as it lands.

    ``domains`` is consumed lazily and results are written and dropped one by one, so memory
    does not grow with the domain count. ``in_order`` prints in input order instead: results
    that finish early wait in a buffer of at most ``reorder_window(concurrency)`` domains.
    """
    from mtasts_tui.probe.cache import RunCache
    from mtasts_tui.probe.inspect import inspect_domain

    net = Network.from_config(config)
    # One run, one cache: shared MX hosts are resolved and probed once for all their domains.
    net.cache = RunCache(rate=rate)
    source = iter(domains)
    any_error = False
    window = reorder_window(concurrency)
    taken = 0
    printed = 0
    held: dict[int, Callable[[], Awaitable[None]]] = {}
    room = asyncio.Condition()
    flushing = asyncio.Lock()

    async def check_one(domain: DomainName) -> Callable[[], Awaitable[None]]:
        """Inspect one domain; return how to write its result (now, or when its turn comes)."""
        nonlocal any_error
        try:
            result = await inspect_domain(domain, net)
            if report_verdicts is not None:
                result = with_reports(result, report_verdicts.get(domain.ascii))
        except Exception as exc:  # one broken domain never stops the others
            any_error = True
            why = str(exc)
            failure: CheckFailedJson = {
                "domain": domain.ascii,
                "domain_unicode": domain.unicode,
                "findings": [
                    {
                        "severity": "error",
                        "code": "check-failed",
                        "message": f"The check itself failed: {type(exc).__name__}: {exc}",
                    }
                ],
                "enforce_ready": False,
            }

            async def failed() -> None:
                if emit is not None:
                    await emit(failure, None)
                elif json_out:
                    write_json(out, failure, compact=True)
                else:
                    out.write(f"\n== {domain.display()}: check failed: {printable(why)}\n")

            return failed
        if has_errors(result.judgement.findings):
            any_error = True
        data: CheckJson | None = None
        if json_out or emit is not None:
            data = inspection_to_json(result)
            if report_verdicts is not None:
                verdict = report_verdicts.get(domain.ascii)
                data["reports"] = verdict.to_json() if verdict else None

        async def deliver() -> None:
            if data is None:
                write_human(out, result)
            elif emit is not None:
                await emit(data, result)
            else:
                write_json(out, data, compact=True)
            out.flush()

        return deliver

    async def flush() -> None:
        nonlocal printed
        async with flushing:  # one writer at a time, in sequence
            while printed in held:
                await held.pop(printed)()
                printed += 1
                async with room:
                    room.notify_all()

    def has_room() -> bool:
        return taken - printed < window

    async def worker() -> None:
        nonlocal taken
        while True:
            if in_order:
                async with room:
                    await room.wait_for(has_room)
            domain = next(source, None)
            if domain is None:
                return
            number = taken
            taken += 1
            deliver = await check_one(domain)
            if not in_order:
                await deliver()
                continue
            held[number] = deliver
            await flush()

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    finally:
        await net.cache.aclose()
    return any_error


def reorder_window(concurrency: int) -> int:
    """Domains taken but not yet printed under ``--order input``: enough to keep every worker
    busy behind one slow domain, and a bound on what waits in memory."""
    return max(64, 4 * concurrency)


Emit = Callable[[Mapping[str, Any], "Inspection | None"], Awaitable[None]]
"""Takes each domain's JSON result (and the inspection, None when the check failed)."""


def _named_domains(names: list[str], stdin: TextIO) -> list[str]:
    """The domains given; ``-`` stands for one domain per line of standard input (# comments)."""
    out: list[str] = []
    for name in names:
        if name != "-":
            out.append(name)
            continue
        for line in stdin:
            text = line.split("#", 1)[0].strip()
            if text:
                out.append(text)
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mtasts_tui.commands import fleet, options

    parser.add_argument(
        "domains", nargs="*", metavar="DOMAIN", help="domains to check; - reads them from stdin"
    )
    options.add_check_options(parser)
    fleet.add_arguments(parser)
    options.add_store_arguments(parser, default_baseline=None)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    domains: list[DomainName] = []
    seen: set[str] = set()
    for raw in _named_domains(args.domains, sys.stdin):
        parsed = parse_domain(raw)
        if isinstance(parsed, str):
            err.write(f"mtasts-tui check: {printable(parsed)}\n")
            return 2
        if parsed.ascii not in seen:  # the same domain twice is checked once
            seen.add(parsed.ascii)
            domains.append(parsed)
    if not domains and not getattr(args, "domains_file", None):
        err.write("mtasts-tui check: no domain given (name them, or use --domains FILE)\n")
        return 2
    if args.concurrency < 1:
        err.write("mtasts-tui check: --concurrency must be at least 1\n")
        return 2
    if args.rate is not None and not args.rate > 0:  # NaN too
        err.write("mtasts-tui check: --rate must be more than 0 connections per second\n")
        return 2
    verdicts = None
    if args.reports:
        missing = [p for p in args.reports if not os.path.exists(p)]  # False on OSError too
        if missing:
            err.write(f"mtasts-tui check: no such file or folder: {printable(clip(missing[0]))}\n")
            return 2
        verdicts = load_report_verdicts(args.reports, err)
    try:
        config = config_from_args(args)
    except NetworkConfigError as exc:
        err.write(f"mtasts-tui check: {printable(str(exc))}\n")
        return 2
    # Big lists (--domains, --resume) live in commands/fleet.py; history, baselines and
    # output formats in commands/recorded.py.
    from mtasts_tui.commands.fleet import DomainSource, InputError, answered
    from mtasts_tui.commands.recorded import run_recorded

    try:
        skip = answered(args.resume) if getattr(args, "resume", None) else set()
        source = DomainSource(domains, getattr(args, "domains_file", None), skip, err)
        source.check_file()
    except InputError as exc:
        err.write(f"mtasts-tui check: {printable(str(exc))}\n")
        return 2
    code = run_recorded(args, source, config, verdicts, out, err)
    if source.bad:  # bad lines were skipped: the checked ones stand, the run says so
        err.write(f"mtasts-tui check: {source.bad} line(s) of input skipped (see above)\n")
        return 2
    return code
