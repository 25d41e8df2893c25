"""The lab's hosts with several addresses, its IPv6 address on ::1, stalling servers and TC."""

from __future__ import annotations

import smtplib
import socket
import ssl

import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import httpx
import pytest

from mtasts_tui.lab import Lab, MxServer, Scenario, scenarios
from mtasts_tui.lab._net import check_loopback

POLICY_PATH = "/.well-known/mta-sts.txt"


def resolve(lab: Lab, host: str, rdtype: str = "A") -> list[str]:
    return sorted(str(r) for r in lab.resolver().resolve(host, rdtype))


def starttls_at(lab: Lab, host: str, address: str) -> str:
    """STARTTLS with ``host`` at one chosen address, verified against the lab CA: the version."""
    smtp = smtplib.SMTP(timeout=3)
    # smtplib uses it for SNI and the host name check; typeshed leaves the private name out.
    smtp._host = host  # type: ignore[attr-defined]
    smtp.connect(address, lab.smtp_port)
    try:
        smtp.ehlo("checker.test")
        smtp.starttls(context=lab.client_ssl_context())
        sock = smtp.sock
        assert isinstance(sock, ssl.SSLSocket)
        version = sock.version()
        assert version is not None
        return version
    finally:
        smtp.close()


def test_check_loopback_allows_127_8_and_ipv6_loopback_only() -> None:
    check_loopback("127.9.9.9")
    check_loopback("::1")
    for outside in ("10.0.0.1", "2001:db8::1", "::", "localhost"):
        with pytest.raises(ValueError, match="loopback"):
            check_loopback(outside)


def test_a_host_with_two_addresses_has_two_a_records_each_served(lab: Lab) -> None:
    host = "mx2.mx-address-failed.test"
    first, second = lab.addresses_of(host)
    assert resolve(lab, host) == sorted([first, second])
    starttls_at(lab, host, first)  # verifies
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate has expired"):
        starttls_at(lab, host, second)


def test_the_demo_mx_has_an_ipv6_address_on_loopback(lab: Lab) -> None:
    host = f"mx1.{scenarios.DEMO_DOMAIN}"
    if not lab.ipv6:
        with pytest.raises(Exception, match="answer"):
            resolve(lab, host, "AAAA")  # nothing is published that could not be served
        pytest.skip("::1 cannot be bound on this machine (IPv6 disabled)")
    assert resolve(lab, host, "AAAA") == ["::1"]
    assert "::1" in lab.addresses_of(host)
    assert starttls_at(lab, host, "::1") in ("TLSv1.2", "TLSv1.3")


def test_a_lab_holds_one_ipv6_mx_address() -> None:
    twice = [
        Scenario(
            f"v6-{i}", f"v6-{i}.test", "", mx_servers={f"mx.v6-{i}.test": MxServer(ipv6=MxServer())}
        )
        for i in (1, 2)
    ]
    with pytest.raises(ValueError, match="one IPv6"):
        Lab(twice)


def _get(lab: Lab, host: str, address: str) -> httpx.Response:
    url = f"https://{address}:{lab.https_port}{POLICY_PATH}"
    with httpx.Client(verify=lab.client_ssl_context(), timeout=3) as client:
        return client.get(url, headers={"Host": host}, extensions={"sni_hostname": host})


def test_a_policy_host_whose_addresses_serve_different_bodies(lab: Lab) -> None:
    host = f"mta-sts.{lab.domain('policy-inconsistent')}"
    first, second = lab.addresses_of(host)
    assert resolve(lab, host) == sorted([first, second])
    one, two = _get(lab, host, first), _get(lab, host, second)
    assert one.status_code == two.status_code == 200
    assert "mode: enforce" in one.text and "mode: testing" in two.text


def test_a_truncate_fault_sets_tc_over_udp_and_tcp(lab: Lab) -> None:
    query = dns.message.make_query("_mta-sts.dns-truncated.test", "TXT")
    host, port = lab.dns_address
    for send in (dns.query.udp, dns.query.tcp):
        answer = send(query, host, port=port, timeout=2)
        assert answer.flags & dns.flags.TC and not answer.answer
    other = dns.message.make_query("dns-truncated.test", "MX")
    assert not dns.query.udp(other, host, port=port, timeout=2).flags & dns.flags.TC


def test_a_silent_server_accepts_and_never_greets(slow_lab: Lab) -> None:
    for address in slow_lab.addresses_of("mx2.silent-mx.test"):
        with socket.create_connection((address, slow_lab.smtp_port), timeout=2) as sock:
            sock.settimeout(0.3)
            with pytest.raises(TimeoutError):
                sock.recv(100)


def test_a_stalling_server_says_220_to_starttls_and_then_nothing(slow_lab: Lab) -> None:
    [address] = slow_lab.addresses_of("mx2.stalled-handshake.test")
    with socket.create_connection((address, slow_lab.smtp_port), timeout=2) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220 ")
        sock.sendall(b"EHLO checker.test\r\n")
        while not (line := reader.readline()).startswith(b"250 "):
            assert line.startswith(b"250-")
        sock.sendall(b"STARTTLS\r\n")
        assert reader.readline().startswith(b"220 ")
        sock.sendall(b"\x16\x03\x01\x00\x05hello")  # the start of a ClientHello
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(100)


def test_only_policy_hosts_that_ask_for_ipv6_answer_on_loopback_ipv6(lab: Lab) -> None:
    if not lab.ipv6:
        pytest.skip("::1 cannot be bound on this machine (IPv6 disabled)")
    wanted = f"mta-sts.{lab.domain('mx-two-addresses')}"
    assert resolve(lab, wanted, "AAAA") == ["::1"]
    assert _get(lab, wanted, "[::1]").status_code == 200
    other = f"mta-sts.{lab.domain('good')}"
    with pytest.raises(httpx.ConnectError, match="Hostname mismatch"):
        _get(lab, other, "[::1]")  # not served there: only the default certificate


def test_a_lab_may_spread_its_policy_hosts_over_several_addresses_each_serving() -> None:
    """For fleet benchmarks: policy hosts on many web servers, not all behind 127.0.0.1."""
    fleet = [scenarios.healthy(f"s{i}", "spread", domain=f"s{i}.spread.test") for i in range(3)]
    with Lab(fleet, policy_addresses=2) as lab:
        found = {s.policy_hostname: resolve(lab, s.policy_hostname) for s in fleet}
        assert sorted({a for (a,) in found.values()}) == ["127.4.0.1", "127.4.0.2"]
        for host, (address,) in found.items():
            response = _get(lab, host, address)
            assert response.status_code == 200 and "mode: enforce" in response.text
    with pytest.raises(ValueError, match="policy_addresses"):
        Lab(fleet, policy_addresses=0)
