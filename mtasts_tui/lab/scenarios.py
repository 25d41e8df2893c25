"""The lab's scenarios: one domain per behaviour a checker must notice, as plain data.

``ALL`` drives the integration tests (each scenario's ``expect`` lists the finding codes a
correct checker must report), ``DEMO`` is the half-migrated shop shown by ``mtasts-tui --demo``,
``SLOW`` holds scenarios that cost seconds (timeouts), and ``bulk(n)`` makes healthy domains for
benchmarks. Every domain lives under the reserved ``.test`` TLD.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from mtasts_tui.core.domain import normalize_host

from .model import DnsFault, MxServer, PolicyHost, Record, Scenario, TlsaSpec, TxtValue

STS_ID = "20261128T000000"
MAX_AGE = 604800

HOSTILE_MARKUP = "[bold red]pwned[/] [link=https://evil.test]click me[/link]"
HOSTILE_ESCAPES = "\x1b[31mred\x1b[0m \x1b]0;owned title\x07 \x1b[2J"


def policy_text(
    mode: str = "enforce",
    mx: Iterable[str] = (),
    max_age: int = MAX_AGE,
    *,
    extra: Iterable[str] = (),
    newline: str = "\r\n",
) -> bytes:
    """A policy file body: ``version``, ``mode``, one ``mx`` line each, ``max_age``, ``extra``."""
    lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {m}" for m in mx), f"max_age: {max_age}"]
    lines += extra
    return (newline.join(lines) + newline).encode("utf-8")


def healthy(
    name: str,
    description: str,
    *,
    domain: str | None = None,
    mode: str = "enforce",
    max_age: int = MAX_AGE,
    mx_hosts: Sequence[str] | None = None,
    mx_records: Sequence[str] | None = None,
    policy_mx: Sequence[str] | None = None,
    sts_records: Sequence[TxtValue] | None = None,
    tlsrpt_records: Sequence[TxtValue] | None = None,
    policy: PolicyHost | None = None,
    with_policy_host: bool = True,
    mx_server: MxServer | None = None,
    mx_overrides: Mapping[str, MxServer] | None = None,
    extra_records: Iterable[Record] = (),
    extra_https: Mapping[str, PolicyHost] | None = None,
    dns_faults: Iterable[DnsFault] = (),
    expect: Iterable[str] = (),
    tlsa: Iterable[TlsaSpec] = (),
    signed: bool = False,
) -> Scenario:
    """A correctly set-up domain, with any part overridden.

    Defaults: ``<name>.test`` with MX ``mx1``/``mx2.<domain>`` (valid STARTTLS), the STS record
    ``v=STSv1; id=20261128T000000``, an enforce policy listing exactly those MX hosts with a week's
    max_age, and TLS-RPT to ``mailto:tlsrpt@<domain>``.

    ``mx_hosts`` are the MX host names (MX records get preferences 10, 20, ...; give
    ``mx_records`` as ``"10 host."`` strings to spell them differently); ``policy_mx`` the policy's
    ``mx`` patterns (default: ``mx_hosts``). Every MX host gets an SMTP server (``mx_server``,
    or ``mx_overrides[host]``).
    """
    domain = domain or f"{name}.test"
    hosts = list(mx_hosts) if mx_hosts is not None else [f"mx1.{domain}", f"mx2.{domain}"]
    if mx_records is None:
        mx_records = [f"{10 * (i + 1)} {h}." for i, h in enumerate(hosts)]
    patterns = list(policy_mx) if policy_mx is not None else hosts
    if sts_records is None:
        sts_records = [f"v=STSv1; id={STS_ID}"]
    if tlsrpt_records is None:
        tlsrpt_records = [f"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}"]
    records: list[Record] = [(domain, "TXT", "v=spf1 mx -all")]
    records += [(domain, "MX", value) for value in mx_records]
    records += [(f"_mta-sts.{domain}", "TXT", value) for value in sts_records]
    records += [(f"_smtp._tls.{domain}", "TXT", value) for value in tlsrpt_records]
    records += extra_records
    if policy is None and with_policy_host:
        policy = PolicyHost(body=policy_text(mode, patterns, max_age))
    base = mx_server or MxServer()
    overrides = dict(mx_overrides or {})
    servers = {normalize_host(h): overrides.get(h, base) for h in hosts}
    return Scenario(
        name=name,
        domain=domain,
        description=description,
        records=tuple(records),
        policy_host=policy,
        mx_servers=servers,
        extra_https=dict(extra_https or {}),
        dns_faults=tuple(dns_faults),
        expect=frozenset(expect),
        tlsa=tuple(tlsa),
        signed=signed,
    )


def _policy(domain: str, **kwargs: object) -> PolicyHost:
    """A PolicyHost serving the default healthy policy of ``domain``, with overrides."""
    kwargs.setdefault("body", policy_text("enforce", [f"mx1.{domain}", f"mx2.{domain}"]))
    return PolicyHost(**kwargs)  # type: ignore[arg-type]


def _huge_body(domain: str) -> bytes:
    head = policy_text("enforce", [f"mx1.{domain}", f"mx2.{domain}"])
    padding = b"".join(b"x-padding-%05d: %s\r\n" % (i, b"a" * 90) for i in range(2000))
    return head + padding  # about 210 KiB


def _bulky_txt(count: int = 8) -> list[str]:
    """Non-STS TXT strings big enough to overflow a UDP answer (even with EDNS 1232)."""
    return [f"lab-filler-{i}=" + "z" * 200 for i in range(count)]


DEMO_DOMAIN = "example-shop.test"

_DEMO = healthy(
    "demo",
    "Half-migrated shop: testing mode, a legacy backup MX the policy forgot",
    domain=DEMO_DOMAIN,
    mode="testing",
    max_age=86400,
    mx_hosts=[f"mx1.{DEMO_DOMAIN}", f"mx2.{DEMO_DOMAIN}", "backup.mailhost-legacy.test"],
    policy_mx=[f"mx1.{DEMO_DOMAIN}", f"mx2.{DEMO_DOMAIN}"],
    sts_records=["v=STSv1; id=20261101T093000"],
    tlsrpt_records=[f"v=TLSRPTv1; rua=mailto:tls-reports@{DEMO_DOMAIN}"],
    mx_overrides={
        f"mx1.{DEMO_DOMAIN}": MxServer(
            banner="ESMTP Postfix (Debian)", ipv6=MxServer(banner="ESMTP Postfix (Debian)")
        ),
        f"mx2.{DEMO_DOMAIN}": MxServer(banner="ESMTP Postfix (Debian)"),
        "backup.mailhost-legacy.test": MxServer(banner="ESMTP Exim 4.96"),
    },
    tlsa=[TlsaSpec(f"mx1.{DEMO_DOMAIN}")],
    signed=True,
    expect={"policy-mode-testing", "mx-not-covered"},
)

DEMO: list[Scenario] = [_DEMO]


def _all() -> list[Scenario]:
    d = "{}.test".format
    out = [
        healthy(
            "good",
            "Enforce policy, two MX covered (exact and wildcard), TLS-RPT: safe to enforce",
            mx_hosts=["mx1.good.test", "mx2.mail.good.test"],
            policy_mx=["mx1.good.test", "*.mail.good.test"],
        ),
        # --- the _mta-sts TXT record -------------------------------------------------------
        healthy(
            "no-sts",
            "No _mta-sts TXT record (and no policy host)",
            sts_records=[],
            with_policy_host=False,
            expect={"sts-record-missing"},
        ),
        healthy(
            "multi-sts",
            "Two v=STSv1 TXT records: senders must treat MTA-STS as absent",
            sts_records=[f"v=STSv1; id={STS_ID}", "v=STSv1; id=20250101T000000"],
            expect={"sts-record-multiple"},
        ),
        healthy(
            "bad-id",
            "STS record id with characters outside ALPHA/DIGIT (id=2024-01-01)",
            sts_records=["v=STSv1; id=2024-01-01"],
            expect={"sts-record-invalid"},
        ),
        healthy(
            "extra-txt",
            "A site-verification TXT beside a valid STS record (must be ignored)",
            sts_records=["google-site-verification=Xk1yq3B8r0labtokenabc", f"v=STSv1; id={STS_ID}"],
        ),
        healthy(
            "split",
            "The STS record published as two strings of one TXT record",
            sts_records=[("v=STSv1; ", f"id={STS_ID}")],
        ),
        healthy(
            "tcp-fallback",
            "The _mta-sts answer exceeds 1232 bytes: resolvers must retry over TCP",
            sts_records=[*_bulky_txt(), f"v=STSv1; id={STS_ID}"],
        ),
        # --- fetching the policy --------------------------------------------------------------
        healthy(
            "redirect",
            "The policy URL answers 301 to www.<domain> (redirects must not be followed)",
            policy=_policy(
                d("redirect"),
                status=301,
                body=b"<html><body>Moved</body></html>\n",
                content_type="text/html",
                location="https://www.redirect.test/.well-known/mta-sts.txt",
            ),
            extra_https={"www.redirect.test": _policy(d("redirect"))},
            expect={"policy-redirect"},
        ),
        healthy(
            "html",
            "The policy is served as text/html",
            policy=_policy(d("html"), content_type="text/html"),
            expect={"policy-content-type"},
        ),
        healthy(
            "charset",
            "The policy is served as text/plain; charset=utf-8 (fine)",
            policy=_policy(d("charset"), content_type="text/plain; charset=utf-8"),
        ),
        healthy(
            "cert-name",
            "The policy host presents a certificate for another name",
            policy=_policy(d("cert-name"), cert="wrong-name"),
            expect={"policy-tls-invalid"},
        ),
        healthy(
            "cert-untrusted",
            "The policy host's certificate is signed by an untrusted CA",
            policy=_policy(d("cert-untrusted"), cert="untrusted"),
            expect={"policy-tls-invalid"},
        ),
        healthy(
            "cert-expired",
            "The policy host's certificate has expired",
            policy=_policy(d("cert-expired"), cert="expired"),
            expect={"policy-tls-invalid"},
        ),
        healthy(
            "404",
            "The policy URL answers 404 Not Found",
            domain="http-404.test",
            policy=_policy("http-404.test", status=404, body=b"not found\n"),
            expect={"policy-http-status"},
        ),
        healthy(
            "huge",
            "The policy body is about 210 KiB (limit: 64 KiB)",
            policy=PolicyHost(body=_huge_body(d("huge"))),
            expect={"policy-too-large"},
        ),
        healthy(
            "hang",
            "The policy host accepts TCP and never answers (not even TLS)",
            policy=_policy(d("hang"), hang=True),
            expect={"policy-fetch-failed"},
        ),
        healthy(
            "refused",
            "The policy host's address refuses connections",
            policy=_policy(d("refused"), refuse=True),
            expect={"policy-fetch-failed"},
        ),
        healthy(
            "no-policy-host",
            "STS record published but mta-sts.<domain> does not exist (NXDOMAIN)",
            with_policy_host=False,
            expect={"policy-fetch-failed"},
        ),
        # --- the policy against the MX records ------------------------------------------------
        healthy(
            "uncovered",
            "Three MX hosts, the policy covers only two",
            mx_hosts=[f"mx{i}.uncovered.test" for i in (1, 2, 3)],
            policy_mx=["mx1.uncovered.test", "mx2.uncovered.test"],
            expect={"mx-not-covered"},
        ),
        healthy(
            "wildcard-depth",
            "*.mx.<domain> covers a.mx.<domain> but not b.c.mx.<domain>",
            mx_hosts=["a.mx.wildcard-depth.test", "b.c.mx.wildcard-depth.test"],
            policy_mx=["*.mx.wildcard-depth.test"],
            expect={"mx-not-covered"},
        ),
        healthy(
            "case",
            "MX targets in mixed case (MX1.Case.test.); policy in lower case: all covered",
            mx_hosts=["mx1.case.test", "mx2.case.test"],
            mx_records=["10 MX1.Case.test.", "20 Mx2.CASE.Test."],
        ),
        healthy(
            "mx-unused",
            "The policy lists an MX pattern no MX record uses",
            policy_mx=["mx1.mx-unused.test", "mx2.mx-unused.test", "old-mx.mx-unused.test"],
            expect={"policy-mx-unused"},
        ),
        healthy(
            "short-max-age",
            "max_age of one hour (under a day)",
            max_age=3600,
            expect={"policy-max-age-short"},
        ),
        # --- the MX hosts themselves ----------------------------------------------------------
        healthy(
            "no-starttls",
            "mx2 does not offer STARTTLS",
            mx_overrides={"mx2.no-starttls.test": MxServer(starttls=False)},
            expect={"mx-no-starttls"},
        ),
        healthy(
            "mx-cert-name",
            "mx2 presents a certificate for another name",
            mx_overrides={"mx2.mx-cert-name.test": MxServer(cert="wrong-name")},
            expect={"mx-cert-name-mismatch"},
        ),
        healthy(
            "mx-cert-untrusted",
            "mx2's certificate is signed by an untrusted CA",
            mx_overrides={"mx2.mx-cert-untrusted.test": MxServer(cert="untrusted")},
            expect={"mx-cert-invalid"},
        ),
        healthy(
            "mx-cert-expired",
            "mx2's certificate has expired",
            mx_overrides={"mx2.mx-cert-expired.test": MxServer(cert="expired")},
            expect={"mx-cert-invalid"},
        ),
        healthy(
            "mx-old-tls",
            "mx2 speaks at most TLS 1.1",
            mx_overrides={"mx2.mx-old-tls.test": MxServer(max_tls="1.1")},
            expect={"mx-tls-version"},
        ),
        healthy(
            "mx-unreachable",
            "mx2 resolves to a loopback address where nothing listens",
            mx_overrides={"mx2.mx-unreachable.test": MxServer(listen=False)},
            expect={"mx-unreachable"},
        ),
        # --- policy mode ----------------------------------------------------------------------
        healthy(
            "testing", "Policy in testing mode", mode="testing", expect={"policy-mode-testing"}
        ),
        healthy(
            "none",
            "Policy in mode none (being withdrawn), no mx lines",
            policy_mx=[],
            mode="none",
            expect={"policy-mode-none"},
        ),
        # --- TLS-RPT --------------------------------------------------------------------------
        healthy(
            "tlsrpt-missing",
            "No _smtp._tls record",
            tlsrpt_records=[],
            expect={"tlsrpt-missing"},
        ),
        healthy(
            "tlsrpt-invalid",
            "TLS-RPT record with an ftp: rua",
            tlsrpt_records=["v=TLSRPTv1; rua=ftp://x"],
            expect={"tlsrpt-invalid"},
        ),
        healthy(
            "tlsrpt-multi",
            "Two TLS-RPT records",
            tlsrpt_records=[
                "v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt-multi.test",
                "v=TLSRPTv1; rua=https://reports.tlsrpt-multi.test/v1",
            ],
            expect={"tlsrpt-multiple"},
        ),
        # --- TLS-RPT destinations (rua) --------------------------------------------------------
        healthy(
            "rua-null-mx",
            "TLS-RPT reports go to a domain with a null MX (RFC 7505)",
            tlsrpt_records=["v=TLSRPTv1; rua=mailto:tlsrpt@rua-sink.test"],
            extra_records=[("rua-sink.test", "MX", "0 .")],
            expect={"tlsrpt-rua-undeliverable"},
        ),
        healthy(
            "rua-https-untrusted",
            "TLS-RPT https: endpoint with a certificate from an untrusted CA",
            tlsrpt_records=["v=TLSRPTv1; rua=https://tlsrpt.rua-collector.test/v1"],
            extra_https={"tlsrpt.rua-collector.test": PolicyHost(cert="untrusted")},
            expect={"tlsrpt-rua-undeliverable"},
        ),
        healthy(
            "rua-same-domain",
            "TLS-RPT reports go to a mailbox of the policy domain itself",
            expect={"tlsrpt-rua-same-domain"},
        ),
        healthy(
            "rua-elsewhere",
            "TLS-RPT reports go to an https: endpoint and a mailbox on another domain",
            tlsrpt_records=[
                "v=TLSRPTv1; rua=https://tlsrpt.rua-receiver.test/v1,"
                "mailto:reports@rua-receiver.test"
            ],
            extra_records=[("rua-receiver.test", "MX", "10 mx1.rua-elsewhere.test.")],
            extra_https={"tlsrpt.rua-receiver.test": PolicyHost()},
        ),
        # --- DNS ------------------------------------------------------------------------------
        healthy(
            "no-mx",
            "No MX records (implicit MX does not count)",
            mx_hosts=[],
            policy_mx=["mx1.no-mx.test"],
            expect={"mx-missing"},
        ),
        healthy(
            "servfail",
            "SERVFAIL for the _mta-sts TXT lookup",
            dns_faults=[DnsFault("_mta-sts.servfail.test", "servfail", rdtype="TXT")],
            expect={"dns-error"},
        ),
        healthy(
            "servfail-mx",
            "SERVFAIL for the MX lookup",
            dns_faults=[DnsFault("servfail-mx.test", "servfail", rdtype="MX")],
            expect={"dns-error"},
        ),
        healthy(
            "cname-sts",
            "_mta-sts and mta-sts delegated by CNAME to a provider (RFC 8461 section 8.2)",
            sts_records=[],
            extra_records=[
                ("_mta-sts.cname-sts.test", "CNAME", "_mta-sts.sts-provider.test."),
                ("_mta-sts.sts-provider.test", "TXT", f"v=STSv1; id={STS_ID}"),
                ("mta-sts.cname-sts.test", "CNAME", "policy.sts-provider.test."),
                ("policy.sts-provider.test", "A", "127.0.0.1"),
            ],
        ),
        # --- hostile content and names -----------------------------------------------------
        healthy(
            "hostile",
            "Rich markup and terminal escapes in the policy, banner and TXT record",
            sts_records=[f"v=STSv1; id={STS_ID}; x-note=[red]pwned[/red][blink]"],
            policy=PolicyHost(
                body=policy_text(
                    "enforce",
                    ["mx1.hostile.test", "mx2.hostile.test"],
                    extra=[f"x-note: {HOSTILE_MARKUP}", f"x-escape: {HOSTILE_ESCAPES}"],
                )
            ),
            mx_server=MxServer(banner=f"ESMTP {HOSTILE_MARKUP} {HOSTILE_ESCAPES}"),
        ),
        healthy(
            "idn",
            "IDN domain bücher.test (xn--bcher-kva.test), otherwise healthy",
            domain="xn--bcher-kva.test",
        ),
        _DEMO,
        # After the demo so that adding them moves no lab address the screenshots show.
        # --- judged as the strictest major sender does (issue 8 §3) ---------------------------
        healthy(
            "mx-ip",
            "The policy lists an IP address as an mx pattern",
            policy_mx=["mx1.mx-ip.test", "mx2.mx-ip.test", "127.0.0.1"],
            expect={"policy-mx-ip"},
        ),
        healthy(
            "blank-line",
            "The policy ends with an empty line, which strict senders reject",
            policy=PolicyHost(
                body=policy_text("enforce", ["mx1.blank-line.test", "mx2.blank-line.test"])
                + b"\r\n"
            ),
            expect={"policy-syntax"},
        ),
        healthy(
            "policy-compat",
            "An extension value holds a ':' (valid RFC 8461, go-mtasts rejects it)",
            policy=PolicyHost(
                body=policy_text(
                    "enforce",
                    ["mx1.policy-compat.test", "mx2.policy-compat.test"],
                    extra=["x-contact: https://policy-compat.test/mail"],
                )
            ),
            expect={"policy-compat"},
        ),
        healthy(
            "sts-trailing-blank",
            "The _mta-sts record ends with a blank after the id and no ';'",
            sts_records=[f"v=STSv1; id={STS_ID} "],
            expect={"sts-record-invalid"},
        ),
        healthy(
            "sts-compat",
            "The _mta-sts record repeats its id (mox rejects it, others differ)",
            sts_records=[f"v=STSv1; id={STS_ID}; id=older"],
            expect={"sts-record-compat"},
        ),
        healthy(
            "tlsrpt-compat",
            "The _smtp._tls record has two rua fields",
            tlsrpt_records=[
                "v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt-compat.test; rua=mailto:b@tlsrpt-compat.test"
            ],
            expect={"tlsrpt-compat"},
        ),
        # --- every address (appended: other scenario groups may grow above) ------------------
        healthy(
            "mx-address-failed",
            "mx2 has two IPv4 addresses; the second presents an expired certificate",
            mx_overrides={"mx2.mx-address-failed.test": MxServer(more=(MxServer(cert="expired"),))},
            expect={"mx-address-failed"},
        ),
        healthy(
            "mx-two-addresses",
            "Every MX host has two IPv4 addresses, the policy host IPv4 and IPv6; all healthy",
            mx_server=MxServer(more=(MxServer(),)),
            policy=PolicyHost(
                body=policy_text(
                    "enforce", ["mx1.mx-two-addresses.test", "mx2.mx-two-addresses.test"]
                ),
                ipv6=True,
            ),
        ),
        healthy(
            "policy-inconsistent",
            "The policy host has two addresses; the second serves a testing-mode policy",
            policy=_policy(
                d("policy-inconsistent"),
                more=(
                    _policy(
                        d("policy-inconsistent"),
                        body=policy_text(
                            "testing",
                            ["mx1.policy-inconsistent.test", "mx2.policy-inconsistent.test"],
                        ),
                    ),
                ),
            ),
            expect={"policy-inconsistent"},
        ),
        healthy(
            "policy-node-down",
            "The policy host has two addresses; the second refuses connections",
            policy=_policy(
                d("policy-node-down"), more=(_policy(d("policy-node-down"), refuse=True),)
            ),
            expect={"policy-fetch-failed"},
        ),
        healthy(
            "dns-truncated",
            "The _mta-sts answer is truncated (TC) over UDP and TCP alike",
            dns_faults=[DnsFault("_mta-sts.dns-truncated.test", "truncate", rdtype="TXT")],
            expect={"dns-error"},
        ),
        # --- DNSSEC, DANE, MX aliases and CAA (appended, so earlier lab addresses stay put) --
        healthy(
            "dane-good",
            "Signed zone, TLSA 3 1 1 and 3 0 2 on mx1, 3 1 0 on mx2, all matching",
            tlsa=[
                TlsaSpec("mx1.dane-good.test"),
                TlsaSpec("mx1.dane-good.test", selector=0, mtype=2),
                TlsaSpec("mx2.dane-good.test", mtype=0),
            ],
            signed=True,
            expect={"dane-present"},
        ),
        healthy(
            "dane-ta",
            "Signed zone, mx1 sends an intermediate CA that a DANE-TA 2 1 1 record names",
            mx_overrides={"mx1.dane-ta.test": MxServer(issuer="Lab Intermediate CA")},
            tlsa=[TlsaSpec("mx1.dane-ta.test", usage=2)],
            signed=True,
            expect={"dane-present"},
        ),
        healthy(
            "dane-mismatch",
            "Signed zone, mx2's TLSA record describes a certificate it does not present",
            tlsa=[
                TlsaSpec("mx1.dane-mismatch.test"),
                TlsaSpec("mx2.dane-mismatch.test", matches=False),
            ],
            signed=True,
            expect={"dane-tlsa-mismatch", "dane-present"},
        ),
        healthy(
            "dane-unsigned",
            "Matching TLSA records in a zone the resolver does not validate (no AD bit)",
            tlsa=[TlsaSpec("mx1.dane-unsigned.test")],
            expect={"dane-unsigned"},
        ),
        healthy(
            "dane-private-ca",
            "mx2's certificate is from a private CA but pinned by a signed 3 1 1 record",
            mx_overrides={"mx2.dane-private-ca.test": MxServer(cert="untrusted")},
            tlsa=[TlsaSpec("mx2.dane-private-ca.test")],
            signed=True,
            expect={"dane-present", "mx-cert-invalid"},
        ),
        healthy(
            "dane-servfail",
            "Signed zone whose name servers answer SERVFAIL to TLSA queries for mx1",
            signed=True,
            dns_faults=[DnsFault("_25._tcp.mx1.dane-servfail.test", "servfail", rdtype="TLSA")],
            expect={"dns-error"},
        ),
        healthy(
            "mx-cname",
            "mx1 is a CNAME to smtp.<domain> (RFC 2181 §10.3 forbids MX targets that are aliases)",
            extra_records=[("mx1.mx-cname.test", "CNAME", "smtp.mx-cname.test.")],
            # RFC 7672 §2.2.2: DANE senders look for TLSA at the alias's target first.
            tlsa=[TlsaSpec("mx1.mx-cname.test", owner="smtp.mx-cname.test")],
            signed=True,
            expect={"mx-cname", "dane-present"},
        ),
        healthy(
            "caa-blocks",
            "CAA at the domain allows only digicert.com; the policy host's CA is Let's Encrypt",
            policy=_policy(d("caa-blocks"), issuer="Let's Encrypt"),
            extra_records=[("caa-blocks.test", "CAA", '0 issue "digicert.com"')],
            expect={"caa-blocks-issuer"},
        ),
        healthy(
            "caa-allows",
            "CAA at the domain allows letsencrypt.org, the policy host's CA: fine",
            policy=_policy(d("caa-allows"), issuer="Let's Encrypt"),
            extra_records=[
                ("caa-allows.test", "CAA", '0 issue "letsencrypt.org; validationmethods=dns-01"'),
                ("caa-allows.test", "CAA", '0 iodef "mailto:security@caa-allows.test"'),
            ],
        ),
        healthy(
            "caa-unknown",
            "CAA restricts issuance, and the policy host's CA is one no CAA domain is known for",
            extra_records=[("mta-sts.caa-unknown.test", "CAA", '0 issue "pki.goog"')],
            expect={"caa-issuer-unknown"},
        ),
    ]
    return out


ALL: list[Scenario] = _all()

SLOW: list[Scenario] = [
    healthy(
        "dns-timeout",
        "The DNS server never answers the _mta-sts TXT query",
        dns_faults=[DnsFault("_mta-sts.dns-timeout.test", "drop", rdtype="TXT")],
        expect={"dns-error"},
    ),
    healthy(
        "slow-policy",
        "The policy host takes 3 seconds to answer",
        policy=_policy("slow-policy.test", delay=3.0),
    ),
]
"""Scenarios that cost seconds (resolver and HTTP timeouts): not part of ``ALL``."""

SLOW += [
    healthy(
        "stalled-handshake",
        "mx2 answers STARTTLS with 220, then never starts the TLS handshake",
        mx_overrides={"mx2.stalled-handshake.test": MxServer(stall_tls=True)},
        expect={"mx-unreachable"},
    ),
    healthy(
        "silent-mx",
        "mx2 has two addresses that accept TCP and never send a greeting",
        mx_overrides={"mx2.silent-mx.test": MxServer(silent=True, more=(MxServer(silent=True),))},
        expect={"mx-unreachable"},
    ),
]

NO_IPV6: list[Scenario] = [
    healthy(
        "ipv6-unreachable",
        "mx1 publishes an IPv6 address (::1) where nothing listens; IPv4 works",
        mx_overrides={"mx1.ipv6-unreachable.test": MxServer(ipv6=MxServer(listen=False))},
        expect={"ipv6-unreachable"},
    ),
]
"""Scenarios that need ``::1`` free of listeners: each runs in a lab without ``DEMO``, since a
lab holds one IPv6 MX address."""

BULK_PARENT = "bench.test"


def bulk(n: int) -> list[Scenario]:
    """``n`` healthy domains ``bulk-0001.bench.test``... sharing two MX hosts and one HTTPS port."""
    shared = [f"mx1.{BULK_PARENT}", f"mx2.{BULK_PARENT}"]
    return [
        healthy(
            f"bulk-{i:04d}",
            f"Healthy benchmark domain {i}",
            domain=f"bulk-{i:04d}.{BULK_PARENT}",
            mx_hosts=shared,
            policy_mx=[f"*.{BULK_PARENT}"],
        )
        for i in range(1, n + 1)
    ]


def by_name(scenarios: Iterable[Scenario]) -> dict[str, Scenario]:
    return {s.name: s for s in scenarios}
