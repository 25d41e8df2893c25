"""DNS as code: every exported format read back by its real parser, with the same records.

octoDNS loads its zone with octoDNS itself, Terraform is parsed with python-hcl2, JSON and YAML
with their own parsers, and the DNSControl fragment runs under Node with stand-ins for
D_EXTEND/TXT/TTL. Each runs on a bundle with short values and on one whose TLS-RPT value is
over 255 bytes, where the formats that need it must cut it into 255-byte strings.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.servers import DOMAIN, find_program, run_cli

NODE_TIMEOUT = 30
STS = "v=STSv1; id=20260302T101500Z"
SHORT_RUA = ("mailto:tlsrpt@deploy.test",)
LONG_RUA = tuple(f"mailto:tlsrpt-{i:02d}@reports.deploy.test" for i in range(10))
TRICKY_RUA = ("mailto:o'brien@deploy.test", "https://reports.deploy.test/$x/%25y/a&b*c")
"""Valid destinations holding each format's quoting hazards: quotes, `$`, `%`, `&`, `*`.

The strict rua rule rejects `{`, `"` and `\\` in a URI, so template markers (`${`, `%{`) cannot
reach a bundle; the renderers' escaping of them is unit-tested in tests/core/test_bundle.py."""
RUAS = {"short": SHORT_RUA, "long": LONG_RUA, "tricky": TRICKY_RUA}
PUBLISH_ORDER = "Publish order"


@dataclass(frozen=True)
class Exported:
    folder: Path
    records: dict[str, str]
    """Fully qualified name → the TXT value the sender must read."""

    def text(self, rel: str) -> str:
        return (self.folder / rel).read_text(encoding="utf-8")


def tlsrpt_value(rua: tuple[str, ...]) -> str:
    return "v=TLSRPTv1; rua=" + ",".join(rua)


@pytest.fixture(scope="module", params=list(RUAS))
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    rua = RUAS[request.param]
    out = tmp_path_factory.mktemp(f"dns-{request.param}") / "bundle"
    argv = ["export", "--domain", DOMAIN, "--mode", "testing", "--mx", f"mx.{DOMAIN}"]
    argv += ["--max-age", "86400", "--id", "20260302T101500Z", "--out", str(out)]
    argv += ["--dns", "all", "--hosting", "nginx"]
    for uri in rua:
        argv += ["--rua", uri]
    code, _, err = run_cli(argv)
    assert code == 0, err
    records = {f"_mta-sts.{DOMAIN}": STS, f"_smtp._tls.{DOMAIN}": tlsrpt_value(rua)}
    if request.param == "long":
        assert len(records[f"_smtp._tls.{DOMAIN}"]) > 255
    return Exported(out, records)


QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def unescape(text: str, *, octal: bool = False) -> bytes:
    """Zone-file escapes: ``\\X`` is X, ``\\DDD`` a byte (decimal; octal for Route 53)."""
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i] == "\\":
            digits = text[i + 1 : i + 4]
            if len(digits) == 3 and digits.isdigit():
                out.append(int(digits, 8 if octal else 10))
                i += 4
                continue
            out += text[i + 1].encode()
            i += 2
            continue
        out += text[i].encode()
        i += 1
    return bytes(out)


def quoted_strings(text: str, *, octal: bool = False) -> list[bytes]:
    """``"a" "b"`` → the strings of one TXT record; nothing may stand outside the quotes."""
    raw = QUOTED.findall(text)
    assert " ".join(f'"{s}"' for s in raw) == text, text
    return [unescape(s, octal=octal) for s in raw]


def joined(strings: list[bytes]) -> str:
    assert all(len(s) <= 255 for s in strings), [len(s) for s in strings]
    return b"".join(strings).decode()


def hcl_template_literal(text: str) -> str:
    """python-hcl2 keeps Terraform's template escapes ``$${`` and ``%%{`` as written (for round
    trips); Terraform reads them as a literal ``${`` and ``%{``."""
    return text.replace("$${", "${").replace("%%{", "%{")


def test_every_dns_file_carries_the_publish_order(exported: Exported) -> None:
    for rel in (
        f"dns/octodns/{DOMAIN}.yaml",
        "dns/dnscontrol/mta-sts.js",
        "dns/terraform-cloudflare/mta-sts.tf",
        "dns/terraform-route53/mta-sts.tf",
        f"dns/{DOMAIN}.zone",
    ):
        text = exported.text(rel)
        assert "policy" in text and "_mta-sts" in text, rel
        assert "online" in text, rel
    batch = json.loads(exported.text("dns/route53-change-batch.json"))
    assert batch["Comment"].startswith(PUBLISH_ORDER)
    assert len(batch["Comment"]) <= 256


def test_octodns_loads_the_zone_with_its_yaml_provider(exported: Exported) -> None:
    from octodns.provider.yaml import YamlProvider
    from octodns.zone import Zone

    # As the file's comment asks: escaped semicolons, stated explicitly.
    provider = YamlProvider("bundle", str(exported.folder / "dns/octodns"), escaped_semicolons=True)
    zone = Zone(f"{DOMAIN}.", [])
    provider.populate(zone)
    found = {f"{r.name}.{DOMAIN}": r for r in zone.records}
    assert set(found) == set(exported.records)
    for name, record in found.items():
        assert record._type == "TXT"
        assert record.ttl == 300
        # octoDNS's own inverse of its escaping gives the record's text.
        assert [v.to_raw_text() for v in record.values] == [exported.records[name]]
        # What octoDNS hands a provider: the RDATA, in 255-byte strings at most.
        [rdata] = record.to_rrset().rdatas
        assert joined(quoted_strings(rdata)) == exported.records[name]


def test_terraform_cloudflare_parses_as_hcl_with_quoted_255_byte_strings(
    exported: Exported,
) -> None:
    import hcl2
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, with_comments=False)
    text = exported.text("dns/terraform-cloudflare/mta-sts.tf")
    tf = hcl2.loads(text, serialization_options=options)
    assert [next(iter(v)) for v in tf["variable"]] == ["mta_sts_cloudflare_zone_id"]
    resources = [
        body
        for block in tf["resource"]
        for kind, named in block.items()
        for body in named.values()
        if kind == "cloudflare_dns_record"
    ]
    assert len(resources) == 2
    for body in resources:
        assert body["type"] == "TXT" and body["ttl"] == 300
        assert body["zone_id"] == "${var.mta_sts_cloudflare_zone_id}"
        content = hcl_template_literal(body["content"])
        assert joined(quoted_strings(content)) == exported.records[body["name"]]


def test_terraform_route53_parses_as_hcl_with_the_providers_string_split(
    exported: Exported,
) -> None:
    import hcl2
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, with_comments=False)
    text = exported.text("dns/terraform-route53/mta-sts.tf")
    tf = hcl2.loads(text, serialization_options=options)
    resources = [
        body
        for block in tf["resource"]
        for kind, named in block.items()
        for body in named.values()
        if kind == "aws_route53_record"
    ]
    assert {r["name"] for r in resources} == set(exported.records)
    for body in resources:
        assert body["type"] == "TXT" and body["ttl"] == 300
        [value] = body["records"]
        # The AWS provider sends the value wrapped in one pair of quotes, nothing else.
        sent = '"' + hcl_template_literal(value) + '"'
        strings = quoted_strings(sent.replace('""', '" "'), octal=True)
        assert joined(strings) == exported.records[body["name"]]


def test_route53_change_batch_is_json_for_change_resource_record_sets(exported: Exported) -> None:
    batch = json.loads(exported.text("dns/route53-change-batch.json"))
    assert set(batch) == {"Comment", "Changes"}
    seen = {}
    for change in batch["Changes"]:
        assert change["Action"] == "UPSERT"
        rrset = change["ResourceRecordSet"]
        assert rrset["Type"] == "TXT" and rrset["TTL"] == 300
        assert rrset["Name"].endswith(".")
        [record] = rrset["ResourceRecords"]
        seen[rrset["Name"].rstrip(".")] = joined(quoted_strings(record["Value"], octal=True))
    assert seen == exported.records


DNSCONTROL_RUNNER = """\
const fs = require("fs");
const vm = require("vm");
const records = [];
const context = {
  TTL: (seconds) => ({ ttl: seconds }),
  TXT: (name, contents, ...modifiers) => ({ name, contents, modifiers }),
  D_EXTEND: (domain, ...items) => {
    for (const item of items) records.push({ domain, ...item });
  },
};
vm.createContext(context);
vm.runInContext(fs.readFileSync(process.argv[2], "utf8"), context, { filename: process.argv[2] });
console.log(JSON.stringify(records));
"""


def test_dnscontrol_fragment_runs_under_node_with_the_same_records(
    exported: Exported, tmp_path: Path
) -> None:
    node = find_program("node")
    if node is None:
        pytest.skip("node is not installed: the DNSControl fragment is checked under Node.js")
    path = exported.folder / "dns/dnscontrol/mta-sts.js"
    syntax = subprocess.run(
        [node, "--check", str(path)], capture_output=True, text=True, timeout=NODE_TIMEOUT
    )
    assert syntax.returncode == 0, syntax.stderr
    runner = tmp_path / "run.cjs"
    runner.write_text(DNSCONTROL_RUNNER)
    done = subprocess.run(
        [node, str(runner), str(path)], capture_output=True, text=True, timeout=NODE_TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    seen = {}
    for record in json.loads(done.stdout):
        assert record["domain"] == DOMAIN
        assert record["modifiers"] == [{"ttl": 300}]
        contents = record["contents"]
        strings = [contents] if isinstance(contents, str) else contents
        seen[f"{record['name']}.{DOMAIN}"] = joined([s.encode() for s in strings])
    assert seen == exported.records


def test_the_octodns_file_is_plain_yaml_too(exported: Exported) -> None:
    import yaml

    data = yaml.safe_load(exported.text(f"dns/octodns/{DOMAIN}.yaml"))
    assert sorted(data) == ["_mta-sts", "_smtp._tls"]
