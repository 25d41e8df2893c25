"""The deploy bundle: every file `mtasts-tui export` and the wizard's export screen write.

Pure: builds the file contents; `mtasts_tui.fs.bundle` writes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from mtasts_tui.core.checklist import SECTIONS, checklist_items
from mtasts_tui.core.dnscode import DNS_CODE_TARGETS, dns_code_files
from mtasts_tui.core.domain import (
    MTA_STS_PREFIXES,
    NAME_LIMIT,
    TLSRPT_PREFIX,
    DomainName,
    parse_domain,
    prefixes_too_long,
)
from mtasts_tui.core.draft import DraftFields, validate_draft
from mtasts_tui.core.hosting import HOSTING_TARGETS, POLICY_PATH, hosting_files
from mtasts_tui.core.policy import Policy, describe_duration, policy_url, render_policy
from mtasts_tui.core.stsrecord import sts_record_value
from mtasts_tui.core.text import clip, quoted
from mtasts_tui.core.tlsrpt import tlsrpt_record_value
from mtasts_tui.core.zone import split_txt, zone_line, zone_txt_rdata

FILE_NAME_LIMIT = 200
"""Longest file or folder name the bundle uses: under the usual 255-byte limit, with room for
the temporary names made while writing. ``mta-sts.<domain>`` of a long domain is shortened."""
TXT_TTL = 300
"""Short, so a new policy id reaches senders within minutes."""

DNS_TARGETS = ("bind", "forms", *DNS_CODE_TARGETS)
"""``bind``: the zone-file snippet; ``forms``: the lines for a provider's web form."""
DEFAULT_DNS = ("bind", "forms")
DEFAULT_HOSTING = HOSTING_TARGETS


@dataclass(frozen=True, slots=True)
class BundleSpec:
    domain: DomainName
    policy: Policy
    policy_id: str
    rua: tuple[str, ...]
    created: date
    """The day the bundle is made: the rollout ramp's dates start here."""
    caa_records_to_add: tuple[str, ...] = ()
    """Zone lines (CAA) to add so the policy host's certificate issuer is allowed; empty when
    no CAA set exists or it already allows the issuer."""


def make_bundle_spec(
    domain: str,
    mode: str,
    mx: Sequence[str],
    max_age: int | str,
    rua: Sequence[str],
    policy_id: str,
    created: date,
) -> BundleSpec | list[str]:
    """The domain, and the draft through ``validate_draft``: the editor's rules exactly.

    A list of messages means the input is unusable and nothing may be written.
    """
    parsed = parse_domain(domain)
    draft = validate_draft(DraftFields(mode, tuple(mx), str(max_age), tuple(rua), policy_id))
    if isinstance(parsed, str):
        return [parsed, *draft.messages()]
    problems = _unpublishable_names(parsed, bool(rua)) + draft.messages()
    if problems or draft.policy is None:
        return problems
    return BundleSpec(parsed, draft.policy, policy_id, tuple(rua), created)


def _unpublishable_names(domain: DomainName, with_tlsrpt: bool) -> list[str]:
    prefixes = MTA_STS_PREFIXES + ((TLSRPT_PREFIX,) if with_tlsrpt else ())
    return [
        f"{clip(p + domain.ascii, 40)} would be {len(p + domain.ascii)} characters, longer than "
        f"the {NAME_LIMIT} a DNS name may have, so this domain cannot publish it"
        + ("; leave out the rua destinations to skip TLS-RPT." if p == TLSRPT_PREFIX else ".")
        for p in prefixes_too_long(domain.ascii, prefixes)
    ]


def _fit(name: str, suffix: str = "") -> str:
    """``name + suffix``, or a shortened ``name`` with a hash that keeps it unique."""
    if len(name) + len(suffix) <= FILE_NAME_LIMIT:
        return name + suffix
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    return f"{name[: FILE_NAME_LIMIT - len(suffix) - 13]}-{digest}{suffix}"


def policy_folder(domain: DomainName) -> str:
    """The bundle folder holding the web root of ``mta-sts.<domain>`` (shortened if too long)."""
    return _fit(f"mta-sts.{domain.ascii}")


def policy_file_path(domain: DomainName) -> str:
    return f"{policy_folder(domain)}/{POLICY_PATH}"


def zone_file_path(domain: DomainName) -> str:
    return f"dns/{_fit(domain.ascii, '.zone')}"


def parse_targets(text: str, choices: Sequence[str], what: str) -> tuple[str, ...] | str:
    """``"nginx,caddy"`` → the named targets in ``choices`` order; ``all`` → every one.

    A string is the message for a name that is not a target.
    """
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if names == ["all"]:
        return tuple(choices)
    unknown = [name for name in names if name not in choices]
    if unknown:
        return (
            f"unknown {what} target {quoted(unknown[0])}: choose from {', '.join(choices)} (or all)"
        )
    if not names:
        return f"no {what} target named: choose from {', '.join(choices)} (or all)"
    return tuple(choice for choice in choices if choice in names)


def build_bundle(
    spec: BundleSpec,
    hosting: Iterable[str] = DEFAULT_HOSTING,
    dns: Iterable[str] = DEFAULT_DNS,
) -> dict[str, str]:
    """Relative path → file content, in the order a person should read them.

    ``hosting`` names targets of HOSTING_TARGETS, ``dns`` of DNS_TARGETS; the checklist, the
    policy file and bundle.json are always there.
    """
    policy = render_policy(spec.policy)
    files = {
        "CHECKLIST.md": render_checklist(spec),
        policy_file_path(spec.domain): policy,
    }
    records = dns_records(spec)
    for target in dict.fromkeys(dns):
        if target == "bind":
            files[zone_file_path(spec.domain)] = render_zone(spec)
        elif target == "forms":
            files["dns/records.txt"] = render_record_list(spec)
        else:
            files.update(dns_code_files(target, spec.domain, records, TXT_TTL))
    folder = policy_folder(spec.domain)
    for target in dict.fromkeys(hosting):
        files.update(hosting_files(target, spec.domain, policy, spec.created, folder))
    files["bundle.json"] = render_manifest(spec)
    return files


def dns_records(spec: BundleSpec) -> list[tuple[str, str, str]]:
    """(fully qualified name, type, value) of every TXT record to publish."""
    records = [(f"_mta-sts.{spec.domain.ascii}", "TXT", sts_record_value(spec.policy_id))]
    if spec.rua:
        records.append((f"_smtp._tls.{spec.domain.ascii}", "TXT", tlsrpt_record_value(spec.rua)))
    return records


def render_zone(spec: BundleSpec) -> str:
    d = spec.domain.ascii
    lines = [
        f"; MTA-STS and TLS-RPT records for {spec.domain.display()}",
        f"; Made by mtasts-tui on {spec.created.isoformat()}. Paste into the zone of {d}.",
        ";",
        f"; mta-sts.{d} must also resolve to the web server that serves the policy file over",
        "; HTTPS with a certificate valid for that name: add an A/AAAA record or a CNAME, e.g.",
        f";   mta-sts.{d}. 3600 IN CNAME your-web-host.example.net.",
        ";",
        "; Publish the _mta-sts record only after the policy file is online (see CHECKLIST.md).",
    ]
    if spec.caa_records_to_add:
        lines += [
            ";",
            f"; A CAA record set already covers mta-sts.{d} and does not allow the issuer of",
            "; its certificate: add these records, or renewals will fail:",
        ]
        lines += [f";   {line}" for line in spec.caa_records_to_add]
    for name, rrtype, value in dns_records(spec):
        lines.append(zone_line(name + ".", TXT_TTL, rrtype, zone_txt_rdata(value)))
    if not spec.rua:
        lines += [
            "; No TLS-RPT destination was given. Without reports you cannot see what enforce",
            "; would block; publish one before testing mode, e.g.:",
            f'; _smtp._tls.{d}. {TXT_TTL} IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{d}"',
        ]
    return "\n".join(lines) + "\n"


def render_record_list(spec: BundleSpec) -> str:
    d = spec.domain.ascii
    out = [
        f"DNS records for {spec.domain.display()}, for a DNS provider's web form.",
        f"'Host' is the name relative to {d}; some providers want the full name instead.",
        "",
    ]
    for name, rrtype, value in dns_records(spec):
        chunks = split_txt(value)
        out += [
            f"Full name: {name}",
            f"Host:      {name.removesuffix('.' + d)}",
            f"Type:      {rrtype}",
            f"TTL:       {TXT_TTL}",
            f"Value:     {value}",
        ]
        if len(chunks) > 1:
            out.append(f"           (over 255 bytes: enter as {len(chunks)} strings if asked)")
        out.append("")
    out += [
        f"Full name: mta-sts.{d}",
        "Host:      mta-sts",
        "Type:      A / AAAA, or CNAME",
        "Value:     the web server that serves the policy file over HTTPS",
        "",
    ]
    return "\n".join(out)


def render_checklist(spec: BundleSpec) -> str:
    shown = spec.domain.display()
    policy = spec.policy
    items = checklist_items(
        spec.domain.ascii,
        policy,
        spec.policy_id,
        bool(spec.rua),
        spec.created,
        caa_records=spec.caa_records_to_add,
    )
    out = [
        f"# MTA-STS rollout for {shown}",
        "",
        f"Bundle made {spec.created.isoformat()}: mode **{policy.mode}**, max_age "
        f"{policy.max_age} ({describe_duration(policy.max_age)}), policy id `{spec.policy_id}`.",
    ]
    folder = policy_folder(spec.domain)
    if folder != f"mta-sts.{spec.domain.ascii}":
        out += [
            "",
            f"`mta-sts.{spec.domain.ascii}` is too long for a file name, so this bundle keeps "
            f"its web root in the folder `{folder}/` (see `policy_folder` in bundle.json).",
        ]
    for key, title in SECTIONS:
        section = [item for item in items if item.section == key]
        if not section:
            continue
        out += ["", f"## {title}", ""]
        if key == "ramp":
            steps = [item.step for item in section if item.step is not None]
            out += [
                "Each row is a policy change: edit the file first, then publish a **new id** in "
                "the `_mta-sts` record (senders keep the old policy until the id changes).",
                "",
            ]
            out += [f"- [ ] {item.text}" for item in section if item.step is None]
            out += [
                "",
                "| Done | Not before | mode | max_age | What to do |",
                "| --- | --- | --- | --- | --- |",
            ]
            out += [
                f"| [ ] | {step.not_before.isoformat()} | {step.mode} | {step.max_age} "
                f"({describe_duration(step.max_age)}) | {step.note} |"
                for step in steps
            ]
            continue
        out += [f"- [ ] {item.text}" for item in section]
    out.append("")
    return "\n".join(out)


def render_manifest(spec: BundleSpec) -> str:
    data = {
        "domain": spec.domain.ascii,
        "domain_unicode": spec.domain.unicode,
        "created": spec.created.isoformat(),
        "policy_id": spec.policy_id,
        "policy": spec.policy.to_json(),
        "policy_url": policy_url(spec.domain.ascii),
        "policy_folder": policy_folder(spec.domain),
        "zone_file": zone_file_path(spec.domain),
        "records": [
            {"name": name, "type": rrtype, "value": value}
            for name, rrtype, value in dns_records(spec)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
