"""The lab's HTTPS policy hosts and SMTP servers, spoken to with ordinary clients."""

from __future__ import annotations

import smtplib
import socket
import ssl
import warnings

import httpx
import pytest

from mtasts_tui.lab import Lab, MxServer, Scenario

from tests.conftest import Labs

POLICY_PATH = "/.well-known/mta-sts.txt"


def resolve_a(lab: Lab, host: str) -> str:
    """The host's address, as the lab's DNS publishes it."""
    return str(lab.resolver().resolve(host, "A")[0])


def fetch_policy(lab: Lab, scenario: str, timeout: float = 3.0) -> httpx.Response:
    """GET the scenario's policy the way a checker does: DNS, then HTTPS with SNI and Host."""
    host = f"mta-sts.{lab.domain(scenario)}"
    url = f"https://{resolve_a(lab, host)}:{lab.https_port}{POLICY_PATH}"
    with httpx.Client(verify=lab.client_ssl_context(), timeout=timeout) as client:
        return client.get(url, headers={"Host": host}, extensions={"sni_hostname": host})


class LabSMTP(smtplib.SMTP):
    """smtplib.SMTP resolving MX names through the lab, so SNI and hostname checks use them."""

    def __init__(self, lab: Lab, host: str, timeout: float = 3.0) -> None:
        self.lab = lab
        super().__init__(host, lab.smtp_port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((resolve_a(self.lab, host), port), timeout)


def old_tls_context(lab: Lab) -> ssl.SSLContext:
    """A client that still accepts TLS 1.0/1.1, to see what an outdated MX negotiates."""
    ctx = lab.client_ssl_context()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSVersion.TLSv1 is deprecated
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx


# --- HTTPS ----------------------------------------------------------------------------------


def test_good_policy(lab: Lab) -> None:
    response = fetch_policy(lab, "good")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["cache-control"].startswith("max-age=")
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.text.splitlines() == [
        "version: STSv1",
        "mode: enforce",
        "mx: mx1.good.test",
        "mx: *.mail.good.test",
        "max_age: 604800",
    ]


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        ("cert-name", "Hostname mismatch"),
        ("cert-untrusted", "unable to get local issuer certificate"),
        ("cert-expired", "certificate has expired"),
    ],
)
def test_bad_policy_certificates(lab: Lab, scenario: str, reason: str) -> None:
    with pytest.raises(httpx.ConnectError, match=reason):
        fetch_policy(lab, scenario)


def test_redirect_is_served_not_followed(lab: Lab) -> None:
    response = fetch_policy(lab, "redirect")
    assert response.status_code == 301
    assert response.headers["location"] == f"https://www.redirect.test{POLICY_PATH}"
    # the target exists and holds a valid policy, so following it would hide the problem
    assert resolve_a(lab, "www.redirect.test") == "127.0.0.1"


@pytest.mark.parametrize(
    ("scenario", "status", "content_type"),
    [
        ("404", 404, "text/plain"),
        ("html", 200, "text/html"),
        ("charset", 200, "text/plain; charset=utf-8"),
    ],
)
def test_status_and_content_type(lab: Lab, scenario: str, status: int, content_type: str) -> None:
    response = fetch_policy(lab, scenario)
    assert response.status_code == status
    assert response.headers["content-type"] == content_type


def test_huge_policy(lab: Lab) -> None:
    response = fetch_policy(lab, "huge")
    assert len(response.content) > 200 * 1024
    assert response.text.startswith("version: STSv1\r\n")


def test_hang_really_hangs(lab: Lab) -> None:
    with pytest.raises(httpx.TimeoutException):
        fetch_policy(lab, "hang", timeout=0.5)
    # the TCP connection itself is accepted
    address = resolve_a(lab, f"mta-sts.{lab.domain('hang')}")
    assert address != "127.0.0.1"
    socket.create_connection((address, lab.https_port), timeout=1).close()


def test_refused_and_missing_policy_hosts(lab: Lab) -> None:
    with pytest.raises(httpx.ConnectError):
        fetch_policy(lab, "refused")
    import dns.resolver

    with pytest.raises(dns.resolver.NXDOMAIN):
        fetch_policy(lab, "no-policy-host")


def test_delegated_policy_host_gets_its_own_certificate(lab: Lab) -> None:
    assert fetch_policy(lab, "cname-sts").status_code == 200
    assert fetch_policy(lab, "idn").status_code == 200


def test_hostile_policy_body_is_served_verbatim(lab: Lab) -> None:
    body = fetch_policy(lab, "hostile").content
    assert b"[bold red]pwned[/]" in body
    assert b"\x1b]0;" in body


# --- SMTP -----------------------------------------------------------------------------------


def test_good_mx_starttls(lab: Lab) -> None:
    with LabSMTP(lab, "mx1.good.test") as smtp:
        code, _ = smtp.ehlo("checker.test")
        assert code == 250
        assert smtp.has_extn("starttls")
        assert smtp.noop()[0] == 250
        assert smtp.starttls(context=lab.client_ssl_context())[0] == 220
        assert isinstance(smtp.sock, ssl.SSLSocket)
        assert smtp.sock.version() in ("TLSv1.2", "TLSv1.3")
        code, _ = smtp.ehlo("checker.test")
        assert code == 250
        assert not smtp.has_extn("starttls")
        assert smtp.docmd("RSET")[0] == 250
        assert smtp.docmd("VRFY", "postmaster")[0] == 502
        assert smtp.docmd("STARTTLS")[0] == 503


def test_mx_without_starttls(lab: Lab) -> None:
    with LabSMTP(lab, "mx2.no-starttls.test") as smtp:
        smtp.ehlo("checker.test")
        assert not smtp.has_extn("starttls")
        assert smtp.docmd("STARTTLS")[0] == 502
        with pytest.raises(smtplib.SMTPNotSupportedError):
            smtp.starttls(context=lab.client_ssl_context())


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("mx2.mx-cert-name.test", "Hostname mismatch"),
        ("mx2.mx-cert-untrusted.test", "unable to get local issuer certificate"),
        ("mx2.mx-cert-expired.test", "certificate has expired"),
    ],
)
def test_bad_mx_certificates(lab: Lab, host: str, reason: str) -> None:
    with LabSMTP(lab, host) as smtp:
        smtp.ehlo("checker.test")
        with pytest.raises(ssl.SSLCertVerificationError, match=reason):
            smtp.starttls(context=lab.client_ssl_context())


def test_mx_limited_to_tls_1_1(lab: Lab) -> None:
    with LabSMTP(lab, "mx2.mx-old-tls.test") as smtp:
        smtp.ehlo("checker.test")
        with pytest.raises((ssl.SSLError, OSError)):
            smtp.starttls(context=lab.client_ssl_context())  # a modern client refuses it
    with LabSMTP(lab, "mx2.mx-old-tls.test") as smtp:
        smtp.ehlo("checker.test")
        smtp.starttls(context=old_tls_context(lab))
        assert isinstance(smtp.sock, ssl.SSLSocket)
        assert smtp.sock.version() == "TLSv1.1"


def test_unreachable_mx(lab: Lab) -> None:
    with pytest.raises(ConnectionRefusedError):
        LabSMTP(lab, "mx2.mx-unreachable.test", timeout=1)
    with LabSMTP(lab, "mx1.mx-unreachable.test") as smtp:
        assert smtp.ehlo("checker.test")[0] == 250


def test_hostile_banner_is_sent_verbatim(lab: Lab) -> None:
    address = resolve_a(lab, "mx1.hostile.test")
    with socket.create_connection((address, lab.smtp_port), timeout=2) as sock:
        banner = sock.recv(4096)
        sock.sendall(b"QUIT\r\n")
        assert sock.recv(4096).startswith(b"221 ")
    assert banner.startswith(b"220 mx1.hostile.test ESMTP [bold red]pwned[/]")
    assert b"\x1b[31m" in banner and b"\x1b]0;owned title\x07" in banner


def test_each_mx_has_its_own_loopback_address(lab: Lab) -> None:
    addresses = {resolve_a(lab, host) for host in ("mx1.good.test", "mx2.mail.good.test")}
    assert len(addresses) == 2
    assert all(a.startswith("127.") and a != "127.0.0.1" for a in addresses)


def test_idle_smtp_connections_time_out(labs: Labs) -> None:
    scenario = Scenario("idle", "idle.test", "idle", mx_servers={"mx.idle.test": MxServer()})
    lab = labs.get([scenario], smtp_idle_timeout=0.3)
    address = lab.address_of("mx.idle.test")
    with socket.create_connection((address, lab.smtp_port), timeout=2) as sock:
        sock.recv(4096)
        assert sock.recv(4096).startswith(b"421 ")
        assert sock.recv(4096) == b""
