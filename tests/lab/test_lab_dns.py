"""The lab's DNS server, queried over the real wire protocol (UDP and TCP)."""

from __future__ import annotations

import socket
import time

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest

from mtasts_tui.lab import Lab


def ask(
    lab: Lab, name: str, rdtype: str, *, tcp: bool = False, **kw: object
) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, **kw)  # type: ignore[arg-type]
    host, port = lab.dns_address
    if tcp:
        return dns.query.tcp(query, host, port=port, timeout=2)
    return dns.query.udp(query, host, port=port, timeout=2)


def txt_strings(response: dns.message.Message) -> list[tuple[bytes, ...]]:
    return [
        tuple(rdata.strings)
        for rrset in response.answer
        if rrset.rdtype == dns.rdatatype.TXT
        for rdata in rrset
    ]


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_txt_record_over_udp_and_tcp(lab: Lab, tcp: bool) -> None:
    response = ask(lab, f"_mta-sts.{lab.domain('good')}", "TXT", tcp=tcp)
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert txt_strings(response) == [(b"v=STSv1; id=20261128T000000",)]


def test_multi_string_txt_record_stays_one_record(lab: Lab) -> None:
    response = ask(lab, f"_mta-sts.{lab.domain('split')}", "TXT")
    assert txt_strings(response) == [(b"v=STSv1; ", b"id=20261128T000000")]


def test_nxdomain_nodata_and_empty_non_terminal(lab: Lab) -> None:
    missing = ask(lab, f"nothing-here.{lab.domain('good')}", "A")
    assert missing.rcode() == dns.rcode.NXDOMAIN
    assert missing.flags & dns.flags.AA
    assert [r.rdtype for r in missing.authority] == [dns.rdatatype.SOA]

    nodata = ask(lab, lab.domain("good"), "AAAA")
    assert nodata.rcode() == dns.rcode.NOERROR
    assert nodata.answer == []
    assert [r.rdtype for r in nodata.authority] == [dns.rdatatype.SOA]

    # mail.good.test only exists as the parent of mx2.mail.good.test: NODATA, not NXDOMAIN.
    assert ask(lab, f"mail.{lab.domain('good')}", "A").rcode() == dns.rcode.NOERROR


def test_missing_records_of_scenarios(lab: Lab) -> None:
    assert ask(lab, f"_mta-sts.{lab.domain('no-sts')}", "TXT").rcode() == dns.rcode.NXDOMAIN
    no_mx = ask(lab, lab.domain("no-mx"), "MX")
    assert no_mx.rcode() == dns.rcode.NOERROR
    assert no_mx.answer == []


def test_servfail_faults_are_per_name_and_type(lab: Lab) -> None:
    domain = lab.domain("servfail")
    assert ask(lab, f"_mta-sts.{domain}", "TXT").rcode() == dns.rcode.SERVFAIL
    assert ask(lab, domain, "MX").rcode() == dns.rcode.NOERROR
    mx_domain = lab.domain("servfail-mx")
    assert ask(lab, mx_domain, "MX", tcp=True).rcode() == dns.rcode.SERVFAIL
    assert txt_strings(ask(lab, f"_mta-sts.{mx_domain}", "TXT"))


def test_cname_answer_includes_the_target(lab: Lab) -> None:
    response = ask(lab, f"_mta-sts.{lab.domain('cname-sts')}", "TXT")
    types = [rrset.rdtype for rrset in response.answer]
    assert types == [dns.rdatatype.CNAME, dns.rdatatype.TXT]
    assert str(response.answer[0][0].target) == "_mta-sts.sts-provider.test."
    assert txt_strings(response) == [(b"v=STSv1; id=20261128T000000",)]
    # and the resolver follows it like any recursive answer
    answer = lab.resolver().resolve(f"mta-sts.{lab.domain('cname-sts')}", "A")
    assert [str(r) for r in answer] == ["127.0.0.1"]


def test_mx_rdata_keeps_its_case_and_names_match_case_insensitively(lab: Lab) -> None:
    response = ask(lab, "CASE.test", "MX")
    targets = sorted(str(r.exchange) for r in response.answer[0])
    assert targets[0].startswith("MX1.")  # the case published in the RDATA survives
    assert str(response.answer[0].name) == "CASE.test."  # owner echoes the question
    assert ask(lab, "Mx1.CASE.test", "A").answer


def test_large_udp_answer_is_truncated_and_tcp_has_it_all(lab: Lab) -> None:
    name = f"_mta-sts.{lab.domain('tcp-fallback')}"
    udp = ask(lab, name, "TXT")
    assert udp.flags & dns.flags.TC
    assert udp.answer == []
    udp_edns = ask(lab, name, "TXT", use_edns=0, payload=1232)
    assert udp_edns.flags & dns.flags.TC
    tcp = ask(lab, name, "TXT", tcp=True)
    assert not tcp.flags & dns.flags.TC
    assert (b"v=STSv1; id=20261128T000000",) in txt_strings(tcp)
    # dns.query.udp_with_fallback and resolvers retry over TCP by themselves
    host, port = lab.dns_address
    query = dns.message.make_query(name, "TXT")
    response, used_tcp = dns.query.udp_with_fallback(query, host, port=port, timeout=2)
    assert used_tcp and len(txt_strings(response)) == 9
    assert len(lab.resolver().resolve(name, "TXT")) == 9


def test_names_outside_the_lab_are_refused(lab: Lab) -> None:
    assert ask(lab, "example.com", "A").rcode() == dns.rcode.REFUSED


def test_garbage_does_not_kill_the_server(lab: Lab) -> None:
    host, port = lab.dns_address
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1)
        sock.sendto(b"\x00", (host, port))
        sock.sendto(b"", (host, port))
        sock.sendto(b"\x12\x34\x01\x00" + b"\xff" * 40, (host, port))
        reply, _ = sock.recvfrom(512)
    assert reply[:2] == b"\x12\x34"
    assert reply[3] & 0x0F == dns.rcode.FORMERR
    with socket.create_connection((host, port), timeout=1) as tcp:
        tcp.sendall(b"\x00\x05hello\x00")  # one garbage message, then a cut-off length
    assert ask(lab, lab.domain("good"), "MX").answer
    assert ask(lab, lab.domain("good"), "MX", tcp=True).answer


def test_global_delay(lab: Lab) -> None:
    lab.set_dns_delay(0.3)
    try:
        started = time.perf_counter()
        ask(lab, lab.domain("good"), "MX")
        assert time.perf_counter() - started >= 0.3
    finally:
        lab.set_dns_delay(0)
    started = time.perf_counter()
    ask(lab, lab.domain("good"), "MX")
    assert time.perf_counter() - started < 0.3


async def test_async_query_and_resolver(lab: Lab) -> None:
    host, port = lab.dns_address
    query = dns.message.make_query(lab.domain("good"), "MX")
    response = await dns.asyncquery.udp(query, host, port=port, timeout=2)
    assert sorted(str(r.exchange) for r in response.answer[0]) == [
        "mx1.good.test.",
        "mx2.mail.good.test.",
    ]
    answer = await lab.async_resolver().resolve(f"_smtp._tls.{lab.domain('good')}", "TXT")
    assert answer[0].strings == (b"v=TLSRPTv1; rua=mailto:tlsrpt@good.test",)


def test_idn_domain_is_served_in_a_label_form(lab: Lab) -> None:
    assert lab.domain("idn") == "xn--bcher-kva.test"
    assert lab.resolver().resolve("_mta-sts.xn--bcher-kva.test", "TXT")


def test_dropped_queries_time_out(slow_lab: Lab) -> None:
    with pytest.raises(dns.exception.Timeout):
        ask_timeout = dns.message.make_query("_mta-sts.dns-timeout.test", "TXT")
        host, port = slow_lab.dns_address
        dns.query.udp(ask_timeout, host, port=port, timeout=0.3)
    # the other types of that name still answer
    assert slow_lab.resolver().resolve("dns-timeout.test", "MX")
