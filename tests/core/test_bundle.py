"""The deploy bundle: validation of every input (make_bundle_spec) and the files (build_bundle)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtasts_tui.core.bundle import (
    DNS_TARGETS,
    BundleSpec,
    build_bundle,
    make_bundle_spec,
    parse_targets,
)
from mtasts_tui.core.dnscode import (
    ROUTE53_COMMENT_LIMIT,
    hcl_string,
    route53_comment,
    route53_txt_value,
)
from mtasts_tui.core.domain import DomainName
from mtasts_tui.core.findings import Finding
from mtasts_tui.core.hosting import HOSTING_TARGETS, k8s_name
from mtasts_tui.core.policy import MAX_AGE_LIMIT, Policy, parse_policy
from mtasts_tui.core.stsrecord import check_sts_records
from mtasts_tui.core.tlsrpt import check_tlsrpt_records

CREATED = date(2026, 3, 2)


def spec(
    domain: str = "example.com",
    mode: str = "testing",
    mx: Sequence[str] = ("mail.example.com", "*.example.net"),
    max_age: int = 86400,
    rua: Sequence[str] = ("mailto:tlsrpt@example.com",),
    policy_id: str = "20260302T101500Z",
) -> BundleSpec | list[str]:
    return make_bundle_spec(domain, mode, mx, max_age, rua, policy_id, CREATED)


def good(**kwargs: object) -> BundleSpec:
    result = spec(**kwargs)  # type: ignore[arg-type]
    assert isinstance(result, BundleSpec), result
    return result


class TestValidation:
    def test_valid_input_gives_a_spec(self) -> None:
        s = good()
        assert s.domain.ascii == "example.com"
        assert s.policy == Policy("testing", ("mail.example.com", "*.example.net"), 86400)
        assert s.rua == ("mailto:tlsrpt@example.com",)

    def test_domain_is_normalised(self) -> None:
        assert good(domain="Bücher.example.").domain.ascii == "xn--bcher-kva.example"

    def test_mode_none_needs_no_mx(self) -> None:
        assert good(mode="none", mx=()).policy.mx == ()

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"domain": "../x"},
            {"domain": "a/b"},
            {"domain": "http://x"},
            {"domain": "192.0.2.1"},
            {"domain": ""},
            {"mode": "Enforce"},
            {"mode": "off"},
            {"mx": ("mail.example.com.",)},
            {"mx": ("a.*.example.com",)},
            {"mx": ()},
            {"mode": "enforce", "mx": ()},
            {"max_age": MAX_AGE_LIMIT + 1},
            {"max_age": -1},
            {"policy_id": ""},
            {"policy_id": "2026-03-02"},
            {"policy_id": "a" * 33},
            {"rua": ("http://r.example.com/",)},
            {"rua": ("reports@example.com",)},
            {"mx": ("mail.example.com\nmx: evil.example",)},
            {"mx": ("192.0.2.25",)},
            {"mx": ("ab--cd.example.com",)},
        ],
    )
    def test_unusable_input_gives_messages(self, kwargs: dict[str, object]) -> None:
        result = spec(**kwargs)  # type: ignore[arg-type]
        assert isinstance(result, list)
        assert result
        assert all(isinstance(m, str) and m for m in result)

    def test_a_domain_too_long_for_its_record_names_is_refused(self) -> None:
        # 245 characters: valid for mail, but _mta-sts.<domain> would be 254.
        domain = ".".join(["a" * 63] * 3 + ["b" * 45, "example"])
        assert len(domain) == 245
        result = spec(domain=domain)
        assert isinstance(result, list)
        assert any("_mta-sts." in m and "254 characters" in m for m in result)

    def test_a_domain_too_long_only_for_tls_rpt_exports_without_rua(self) -> None:
        domain = ".".join(["a" * 63] * 3 + ["b" * 43, "example"])
        assert len(domain) == 243
        result = spec(domain=domain)
        assert isinstance(result, list)
        assert any("_smtp._tls." in m and "leave out the rua" in m for m in result)
        assert good(domain=domain, rua=()).domain.ascii == domain

    def test_every_problem_is_listed_at_once(self) -> None:
        result = spec(domain="a/b", mode="off", max_age=-1, policy_id="x-y")
        assert isinstance(result, list)
        assert len(result) == 4


HOSTING_FILES = {
    "nginx": {"hosting/nginx.conf"},
    "caddy": {"hosting/Caddyfile"},
    "apache": {"hosting/apache.conf"},
    "worker": {"hosting/cloudflare-worker/worker.js", "hosting/cloudflare-worker/wrangler.toml"},
    "pages": {
        "hosting/github-pages/.nojekyll",
        "hosting/github-pages/CNAME",
        "hosting/github-pages/README.md",
        "hosting/github-pages/.well-known/mta-sts.txt",
    },
    "k8s": {"hosting/kubernetes/mta-sts.yaml"},
}
DNS_FILES = {
    "bind": {"dns/example.com.zone"},
    "forms": {"dns/records.txt"},
    "octodns": {"dns/octodns/example.com.yaml"},
    "dnscontrol": {"dns/dnscontrol/mta-sts.js"},
    "terraform-cloudflare": {"dns/terraform-cloudflare/mta-sts.tf"},
    "terraform-route53": {"dns/terraform-route53/mta-sts.tf"},
    "route53": {"dns/route53-change-batch.json"},
}
ALWAYS = {"CHECKLIST.md", "mta-sts.example.com/.well-known/mta-sts.txt", "bundle.json"}


class TestTargets:
    def test_by_default_every_hosting_target_and_the_bind_and_forms_dns_files(self) -> None:
        files = build_bundle(good())
        expected = ALWAYS | set().union(*HOSTING_FILES.values())
        assert set(files) == expected | DNS_FILES["bind"] | DNS_FILES["forms"]

    @pytest.mark.parametrize("target", HOSTING_TARGETS)
    def test_each_hosting_target_adds_exactly_its_files(self, target: str) -> None:
        files = build_bundle(good(), hosting=[target], dns=[])
        assert set(files) == ALWAYS | HOSTING_FILES[target]

    @pytest.mark.parametrize("target", DNS_TARGETS)
    def test_each_dns_target_adds_exactly_its_files(self, target: str) -> None:
        files = build_bundle(good(), hosting=[], dns=[target])
        assert set(files) == ALWAYS | DNS_FILES[target]

    def test_the_target_tables_cover_every_target(self) -> None:
        assert set(HOSTING_FILES) == set(HOSTING_TARGETS)
        assert set(DNS_FILES) == set(DNS_TARGETS)

    def test_parse_targets_keeps_the_documented_order_and_accepts_all(self) -> None:
        assert parse_targets("k8s, NGINX", HOSTING_TARGETS, "hosting") == ("nginx", "k8s")
        assert parse_targets("all", DNS_TARGETS, "DNS") == DNS_TARGETS
        assert parse_targets("nginx,nginx", HOSTING_TARGETS, "hosting") == ("nginx",)

    @pytest.mark.parametrize("text", ["iis", "nginx,iis", "", ",", "all,nginx"])
    def test_parse_targets_names_what_is_wrong(self, text: str) -> None:
        message = parse_targets(text, HOSTING_TARGETS, "hosting")
        assert isinstance(message, str)
        assert "nginx, caddy, apache, worker, pages, k8s" in message


class TestCaa:
    LINE = 'mta-sts.example.com. 3600 IN CAA 0 issue "letsencrypt.org"'

    def test_without_caa_lines_neither_zone_nor_checklist_mentions_caa(self) -> None:
        files = build_bundle(good())
        assert "CAA" not in files["dns/example.com.zone"]
        assert "CAA" not in files["CHECKLIST.md"]

    def test_caa_lines_appear_as_zone_comments_and_a_checklist_step(self) -> None:
        s = replace(good(), caa_records_to_add=(self.LINE,))
        files = build_bundle(s)
        zone = files["dns/example.com.zone"]
        assert f";   {self.LINE}" in zone.splitlines()
        assert all(line.startswith(";") for line in zone.splitlines() if "CAA" in line)
        checklist = files["CHECKLIST.md"]
        assert f"`{self.LINE}`" in checklist
        assert checklist.index("CAA") < checklist.index("publish or update `_mta-sts")


class TestDnsCode:
    def test_hcl_strings_escape_quotes_backslashes_and_template_markers(self) -> None:
        assert hcl_string('a"b\\c') == '"a\\"b\\\\c"'
        assert hcl_string("${x} %{y}") == '"$${x} %%{y}"'

    def test_route53_values_quote_each_255_byte_string_and_escape_in_octal(self) -> None:
        assert route53_txt_value("v=STSv1; id=1") == '"v=STSv1; id=1"'
        assert route53_txt_value("a" * 300) == f'"{"a" * 255}" "{"a" * 45}"'
        assert route53_txt_value('q"é') == '"q\\"\\303\\251"'

    def test_route53_comment_fits_the_limit_even_for_the_longest_domain(self) -> None:
        label = "a" * 63
        longest = DomainName(f"{label}.{label}.{label}.{'b' * 57}", "")
        assert len(route53_comment(longest)) <= ROUTE53_COMMENT_LIMIT
        assert route53_comment(longest).startswith("Publish order")
        assert "https://mta-sts.example.com/" in route53_comment(good().domain)

    def test_kubernetes_names_are_dns_labels_for_any_domain(self) -> None:
        label = "a" * 63
        name = k8s_name(DomainName(f"{label}.{label}.com", ""), "-tls")
        assert len(name) <= 63 and name.endswith("-tls") and "--tls" not in name
        assert k8s_name(good().domain) == "mta-sts-example-com"


class TestFiles:
    def test_idn_domain_uses_the_a_label_in_paths(self) -> None:
        files = build_bundle(good(domain="Bücher.example.", mx=("mail.xn--bcher-kva.example",)))
        assert "mta-sts.xn--bcher-kva.example/.well-known/mta-sts.txt" in files
        assert "dns/xn--bcher-kva.example.zone" in files
        assert "bücher.example" in files["CHECKLIST.md"]

    def test_policy_file_is_crlf_and_parses_back_to_the_same_policy(self) -> None:
        s = good()
        text = build_bundle(s)["mta-sts.example.com/.well-known/mta-sts.txt"]
        assert text.startswith("version: STSv1\r\nmode: testing\r\n")
        assert "\n" not in text.replace("\r\n", "")
        assert parse_policy(text).policy == s.policy

    def test_zone_file_has_both_records_with_short_ttl(self) -> None:
        zone = build_bundle(good())["dns/example.com.zone"]
        records = [line for line in zone.splitlines() if not line.startswith(";")]
        assert len(records) == 2
        assert records[0].split()[:4] == ["_mta-sts.example.com.", "300", "IN", "TXT"]
        assert '"v=STSv1; id=20260302T101500Z"' in records[0]
        assert records[1].split()[0] == "_smtp._tls.example.com."
        assert '"v=TLSRPTv1; rua=mailto:tlsrpt@example.com"' in records[1]

    def test_zone_without_rua_suggests_one_in_a_comment(self) -> None:
        zone = build_bundle(good(rua=()))["dns/example.com.zone"]
        records = [line for line in zone.splitlines() if not line.startswith(";")]
        assert len(records) == 1
        assert "_smtp._tls.example.com." in zone

    def test_a_long_tlsrpt_value_is_split_into_255_byte_strings_in_the_zone(self) -> None:
        rua = tuple(f"mailto:tlsrpt-{i:02d}@reports.example.com" for i in range(10))
        s = good(rua=rua)
        zone = build_bundle(s)["dns/example.com.zone"]
        line = next(x for x in zone.splitlines() if x.startswith("_smtp._tls"))
        strings = line.split(" TXT ", 1)[1].strip()[1:-1].split('" "')
        assert len(strings) > 1
        assert all(len(part) <= 255 for part in strings)
        assert check_tlsrpt_records([strings]).rua == rua
        assert "enter as" in build_bundle(s)["dns/records.txt"]

    def test_record_list_values_check_valid(self) -> None:
        text = build_bundle(good())["dns/records.txt"]
        values = [
            line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Value:")
        ]
        assert check_sts_records([values[0]]).id == "20260302T101500Z"
        assert check_tlsrpt_records([values[1]]).valid

    def test_manifest_describes_the_bundle(self) -> None:
        data = json.loads(build_bundle(good())["bundle.json"])
        assert data["domain"] == "example.com"
        assert data["created"] == "2026-03-02"
        assert data["policy_id"] == "20260302T101500Z"
        assert data["policy"] == {
            "mode": "testing",
            "mx": ["mail.example.com", "*.example.net"],
            "max_age": 86400,
        }
        assert data["policy_url"] == "https://mta-sts.example.com/.well-known/mta-sts.txt"
        assert [r["name"] for r in data["records"]] == [
            "_mta-sts.example.com",
            "_smtp._tls.example.com",
        ]

    @pytest.mark.parametrize(
        "name",
        [
            "hosting/nginx.conf",
            "hosting/Caddyfile",
            "hosting/apache.conf",
            "hosting/cloudflare-worker/worker.js",
            "hosting/kubernetes/mta-sts.yaml",
        ],
    )
    def test_web_server_configs_serve_the_policy_path_as_text_plain(self, name: str) -> None:
        text = build_bundle(good())[name]
        assert "mta-sts.example.com" in text
        assert "/.well-known/mta-sts.txt" in text
        assert "text/plain" in text

    def test_checklist_orders_the_policy_file_before_the_record_and_has_the_ramp(self) -> None:
        text = build_bundle(good())["CHECKLIST.md"]
        assert text.index("Upload `mta-sts.example.com/") < text.index(
            "publish or update `_mta-sts"
        )
        assert "| [ ] | 2026-03-16 | enforce | 86400" in text


def zone_values(zone: str) -> list[list[str]]:
    """The TXT character-strings of each record line of a zone file, unescaped."""
    values = []
    for line in zone.splitlines():
        if line.startswith(";") or " TXT " not in line:
            continue
        rdata = line.split(" TXT ", 1)[1]
        strings = re.findall(r'"((?:[^"\\]|\\.)*)"', rdata)
        values.append([_unescape(s) for s in strings])
    return values


def _unescape(text: str) -> str:
    data = re.sub(
        r"\\(\d{3}|.)",
        lambda m: chr(int(m.group(1))) if m.group(1).isdigit() else m.group(1),
        text,
    )
    return data.encode("latin-1").decode("utf-8")


labels = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\Z").filter(lambda x: x[2:4] != "--")
hosts = st.tuples(st.lists(labels, min_size=1, max_size=2), st.from_regex(r"\A[a-z]{2,5}\Z")).map(
    lambda t: ".".join([*t[0], t[1]])
)
bundle_inputs = st.fixed_dictionaries(
    {
        "domain": hosts,
        "mode": st.sampled_from(["enforce", "testing", "none"]),
        "mx": st.lists(st.one_of(hosts, hosts.map(lambda h: "*." + h)), min_size=1, max_size=4),
        "max_age": st.integers(min_value=0, max_value=MAX_AGE_LIMIT),
        "rua": st.lists(
            st.one_of(
                hosts.map(lambda h: "mailto:tlsrpt@" + h),
                hosts.map(lambda h: "https://" + h + "/v1/tlsrpt"),
            ),
            max_size=12,
        ),
        "policy_id": st.from_regex(r"\A[A-Za-z0-9]{1,32}\Z"),
    }
)


def strict(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error" or f.code.endswith("-compat")]


@given(bundle_inputs)
@settings(deadline=None, max_examples=60)
def test_every_bundle_passes_the_strictest_rules(inputs: dict[str, object]) -> None:
    """What we tell people to publish is accepted by every sender we know (issue 8 §3)."""
    made = spec(**inputs)  # type: ignore[arg-type]
    assert isinstance(made, BundleSpec), made
    files = build_bundle(made)
    policy = parse_policy(files[f"mta-sts.{made.domain.ascii}/.well-known/mta-sts.txt"])
    assert policy.policy == made.policy
    assert strict(policy.findings) == []
    records = zone_values(files[f"dns/{made.domain.ascii}.zone"])
    assert len(records) == (2 if made.rua else 1)
    sts = check_sts_records([records[0]])
    assert sts.id == made.policy_id and sts.findings == ()
    if made.rua:
        rpt = check_tlsrpt_records([records[1]])
        assert rpt.rua == made.rua and rpt.findings == ()
    listed = [
        line.split(":", 1)[1].strip()
        for line in files["dns/records.txt"].splitlines()
        if line.startswith("Value:")
    ]
    assert check_sts_records([listed[0]]).findings == ()
    if made.rua:
        assert check_tlsrpt_records([listed[1]]).findings == ()
