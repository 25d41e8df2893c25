"""DNS as code: the bundle's TXT records for octoDNS, DNSControl, Terraform and Route 53.

Pure: every function returns file contents. Each format gets the same records as the BIND
snippet, with the publish order (policy online first, then the ``_mta-sts`` TXT) written where
that format can hold it, and long values cut into 255-byte strings where the format needs it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from mtasts_tui.core.domain import DomainName
from mtasts_tui.core.policy import policy_url as core_policy_url
from mtasts_tui.core.zone import TXT_STRING_LIMIT, quote_txt_string, split_txt, zone_txt_rdata

Record = tuple[str, str, str]
"""(fully qualified name without the trailing dot, type, value)."""

DNS_CODE_TARGETS = (
    "octodns",
    "dnscontrol",
    "terraform-cloudflare",
    "terraform-route53",
    "route53",
)
ROUTE53_COMMENT_LIMIT = 256
"""Route 53 rejects a change batch whose Comment is longer."""


def policy_url(domain: DomainName) -> str:
    return core_policy_url(domain.ascii)


def publish_order(domain: DomainName) -> list[str]:
    """The publish-order note, as lines for a comment."""
    return [
        f"Publish order: first put the policy online at {policy_url(domain)}",
        "and check it (mtasts-tui check), only then publish these records: a _mta-sts TXT",
        "that points at a missing policy makes senders log failures. The same for every",
        "later change: policy file first, then the new id.",
        f"mta-sts.{domain.ascii} itself (A/AAAA or CNAME to the web host) is not in this file.",
    ]


def relative_name(name: str, domain: DomainName) -> str:
    """``_mta-sts.example.com`` → ``_mta-sts`` in the zone ``example.com``."""
    return name.removesuffix("." + domain.ascii)


def dns_code_files(
    target: str, domain: DomainName, records: Sequence[Record], ttl: int
) -> dict[str, str]:
    """Relative path (under the bundle) → content, for one of DNS_CODE_TARGETS."""
    d = domain.ascii
    if target == "octodns":
        return {f"dns/octodns/{d}.yaml": render_octodns(domain, records, ttl)}
    if target == "dnscontrol":
        return {"dns/dnscontrol/mta-sts.js": render_dnscontrol(domain, records, ttl)}
    if target == "terraform-cloudflare":
        return {
            "dns/terraform-cloudflare/mta-sts.tf": render_terraform_cloudflare(domain, records, ttl)
        }
    if target == "terraform-route53":
        return {"dns/terraform-route53/mta-sts.tf": render_terraform_route53(domain, records, ttl)}
    if target == "route53":
        return {"dns/route53-change-batch.json": render_route53_batch(domain, records, ttl)}
    raise ValueError(f"unknown DNS target {target!r}")


# --- octoDNS --------------------------------------------------------------------------------


def yaml_single_quoted(text: str) -> str:
    """A YAML single-quoted scalar: only the quote itself needs doubling."""
    return "'" + text.replace("'", "''") + "'"


def octodns_txt_value(value: str) -> str:
    """octoDNS's own TXT form: every ``;`` escaped as ``\\;``, nothing else escaped."""
    return value.replace(";", "\\;")


def render_octodns(domain: DomainName, records: Sequence[Record], ttl: int) -> str:
    d = domain.ascii
    lines = [f"# octoDNS: MTA-STS and TLS-RPT records for the zone {d}."]
    lines += ["# " + line for line in publish_order(domain)]
    lines += [
        f"# Save as {d}.yaml in your YamlProvider's directory, or merge these keys into it",
        "# (octoDNS wants the keys sorted), then: octodns-sync --config-file=<config> --doit",
        "# Semicolons are escaped (\\;): set escaped_semicolons: true on that YamlProvider",
        "# (octoDNS 1.x's default, which 2.0 changes).",
        "# octoDNS splits values over 255 bytes into strings itself.",
        "---",
    ]
    for name, rrtype, value in sorted(records, key=lambda r: relative_name(r[0], domain)):
        lines += [
            f"{yaml_single_quoted(relative_name(name, domain))}:",
            f"  ttl: {ttl}",
            f"  type: {rrtype}",
            f"  value: {yaml_single_quoted(octodns_txt_value(value))}",
        ]
    return "\n".join(lines) + "\n"


# --- DNSControl -----------------------------------------------------------------------------


def render_dnscontrol(domain: DomainName, records: Sequence[Record], ttl: int) -> str:
    d = domain.ascii
    lines = [f"// DNSControl: MTA-STS and TLS-RPT records for the zone {d}."]
    lines += ["// " + line for line in publish_order(domain)]
    lines += [
        f'// Load this after your D("{d}", ...) in dnsconfig.js (require("mta-sts.js")), or',
        "// paste the TXT lines into that D(). Then: dnscontrol preview && dnscontrol push",
        "",
        f"D_EXTEND({json.dumps(d)},",
    ]
    entries = []
    for name, _rrtype, value in records:
        chunks = split_txt(value)
        # One string is enough for DNSControl 4; a list of strings keeps older versions right.
        content = json.dumps(chunks[0]) if len(chunks) == 1 else json.dumps(chunks)
        entries.append(f"    TXT({json.dumps(relative_name(name, domain))}, {content}, TTL({ttl}))")
    lines.append(",\n".join(entries))
    lines.append(");")
    return "\n".join(lines) + "\n"


# --- Terraform ------------------------------------------------------------------------------


def hcl_string(text: str) -> str:
    """A quoted HCL string: escapes, and ``${`` / ``%{`` kept literal instead of templates."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out).replace("${", "$${").replace("%{", "%%{") + '"'


def terraform_resource_name(name: str, domain: DomainName) -> str:
    """``_mta-sts`` → ``mta_sts``, ``_smtp._tls`` → ``smtp_tls``: valid Terraform identifiers."""
    relative = relative_name(name, domain)
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in relative).strip("_")
    return "_".join(part for part in cleaned.split("_") if part) or "record"


def _terraform_header(domain: DomainName, provider: str) -> list[str]:
    lines = [f"# Terraform ({provider}): MTA-STS and TLS-RPT records for {domain.ascii}."]
    lines += ["# " + line for line in publish_order(domain)]
    return lines


def render_terraform_cloudflare(domain: DomainName, records: Sequence[Record], ttl: int) -> str:
    lines = _terraform_header(domain, "Cloudflare provider 5.x, cloudflare_dns_record")
    lines += [
        "# Cloudflare keeps TXT content in quotes, one quoted string per 255 bytes.",
        "",
        'variable "mta_sts_cloudflare_zone_id" {',
        "  type        = string",
        f"  description = {hcl_string(f'Cloudflare zone ID of {domain.ascii}')}",
        "}",
    ]
    for name, rrtype, value in records:
        lines += [
            "",
            f'resource "cloudflare_dns_record" "{terraform_resource_name(name, domain)}" {{',
            "  zone_id = var.mta_sts_cloudflare_zone_id",
            f"  name    = {hcl_string(name)}",
            f"  type    = {hcl_string(rrtype)}",
            f"  ttl     = {ttl}",
            f"  content = {hcl_string(zone_txt_rdata(value))}",
            "}",
        ]
    return "\n".join(lines) + "\n"


def route53_terraform_record(value: str) -> str:
    """The provider only wraps the value in quotes, so each string is escaped here, and a ``""``
    between them makes several 255-byte strings of one record."""
    return '""'.join(route53_txt_string(chunk)[1:-1] for chunk in split_txt(value))


def render_terraform_route53(domain: DomainName, records: Sequence[Record], ttl: int) -> str:
    lines = _terraform_header(domain, "AWS provider, aws_route53_record")
    lines += [
        '# Values over 255 bytes carry "" where they are cut into strings (the AWS provider\'s',
        "# way to write several strings in one TXT record).",
        "",
        'variable "mta_sts_route53_zone_id" {',
        "  type        = string",
        f"  description = {hcl_string(f'Route 53 hosted zone ID of {domain.ascii}')}",
        "}",
    ]
    for name, rrtype, value in records:
        lines += [
            "",
            f'resource "aws_route53_record" "{terraform_resource_name(name, domain)}" {{',
            "  zone_id = var.mta_sts_route53_zone_id",
            f"  name    = {hcl_string(name)}",
            f"  type    = {hcl_string(rrtype)}",
            f"  ttl     = {ttl}",
            f"  records = [{hcl_string(route53_terraform_record(value))}]",
            "}",
        ]
    return "\n".join(lines) + "\n"


# --- Route 53 change batch ------------------------------------------------------------------


def route53_txt_string(chunk: str) -> str:
    """One quoted TXT string as Route 53 takes it: ``\\"`` and ``\\\\``, other bytes as octal."""
    return quote_txt_string(chunk, octal=True)


def route53_txt_value(value: str) -> str:
    return " ".join(route53_txt_string(chunk) for chunk in split_txt(value, TXT_STRING_LIMIT))


def route53_comment(domain: DomainName) -> str:
    """The publish order, in the batch's Comment field (JSON has no comments)."""
    long = (
        f"Publish order: apply only after the policy is online at {policy_url(domain)}; "
        "later changes too: policy file first, then the new _mta-sts id."
    )
    if len(long) <= ROUTE53_COMMENT_LIMIT:
        return long
    return (
        "Publish order: apply only after the MTA-STS policy file is online; later changes "
        "too: policy file first, then the new _mta-sts id."
    )


def render_route53_batch(domain: DomainName, records: Sequence[Record], ttl: int) -> str:
    batch = {
        "Comment": route53_comment(domain),
        "Changes": [
            {
                "Action": "UPSERT",
                "ResourceRecordSet": {
                    "Name": name + ".",
                    "Type": rrtype,
                    "TTL": ttl,
                    "ResourceRecords": [{"Value": route53_txt_value(value)}],
                },
            }
            for name, rrtype, value in records
        ],
    }
    return json.dumps(batch, indent=2, ensure_ascii=False) + "\n"
