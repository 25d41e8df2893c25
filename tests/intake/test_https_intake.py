"""HTTPS intake (RFC 8460 §5.3): real clients post over TLS to the server on loopback."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from mtasts_tui.reports.serve import IntakeConfig, IntakeServer
from mtasts_tui.reports.store import ReportStore

from tests.intake.mailgen import report
from tests.waiting import wait_until

GZ = {"Content-Type": "application/tlsrpt+gzip"}
JS = {"Content-Type": "application/tlsrpt+json"}


class Running:
    def __init__(self, server: IntakeServer, store: ReportStore, ca: trustme.CA) -> None:
        self.server = server
        self.store = store
        self.url = f"https://localhost:{server.port}/tlsrpt"
        self.client_context = ssl.create_default_context()
        ca.configure_trust(self.client_context)
        self.log: list[str] = []

    def client(self) -> httpx.Client:
        return httpx.Client(verify=self.client_context, timeout=10)


@pytest.fixture
def intake(tmp_path: Path, test_ca: trustme.CA) -> Iterator[Running]:
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    test_ca.issue_cert("localhost", "127.0.0.1").configure_cert(server_context)
    store = ReportStore.open(tmp_path / "store.sqlite3")
    config = IntakeConfig(
        max_body=64 * 1024,
        max_report=256 * 1024,
        client_timeout=1.5,
        workers=16,
        paths=("/tlsrpt",),
        hosts=("localhost",),
    )
    log: list[str] = []
    server = IntakeServer(
        ("127.0.0.1", 0), store, config=config, ssl_context=server_context, log=log.append
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    running = Running(server, store, test_ca)
    running.log = log
    try:
        yield running
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        store.close()


def _gz(n: int) -> bytes:
    return gzip.compress(json.dumps(report(n)).encode())


def test_a_gzip_and_a_json_report_are_stored(intake: Running) -> None:
    with intake.client() as client:
        first = client.post(intake.url, content=_gz(1), headers=GZ)
        second = client.post(intake.url, content=json.dumps(report(2)).encode(), headers=JS)
    assert (first.status_code, second.status_code) == (201, 201)
    assert intake.store.count() == 2
    assert intake.store.summary().summary.domains() == ["example.net"]
    assert any(" POST /tlsrpt 201" in line for line in intake.log)


def test_a_duplicate_is_acknowledged_but_stored_once(intake: Running) -> None:
    with intake.client() as client:
        codes = [client.post(intake.url, content=_gz(7), headers=GZ).status_code for _ in range(3)]
        # The same report as JSON is still the same report-id.
        codes.append(
            client.post(intake.url, content=json.dumps(report(7)).encode(), headers=JS).status_code
        )
    assert codes == [201, 200, 200, 200]
    assert intake.store.count() == 1


def test_a_gzip_bomb_is_refused_without_inflating_it(intake: Running) -> None:
    bomb = gzip.compress(b"{" + b" " * (50 * 1024 * 1024) + b"}", 9)
    assert len(bomb) < 64 * 1024  # small on the wire
    with intake.client() as client:
        reply = client.post(intake.url, content=bomb, headers=GZ)
    assert reply.status_code == 413
    assert "decompressed" in reply.text
    assert intake.store.count() == 0


def test_a_body_over_the_cap_is_refused_before_it_is_read(intake: Running) -> None:
    with intake.client() as client:
        reply = client.post(intake.url, content=b"x" * (65 * 1024), headers=JS)
    assert reply.status_code == 413
    assert intake.store.count() == 0


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/gzip", "multipart/form-data"]
)
def test_other_media_types_get_415(intake: Running, content_type: str) -> None:
    with intake.client() as client:
        reply = client.post(intake.url, content=_gz(3), headers={"Content-Type": content_type})
    assert reply.status_code == 415
    assert intake.store.count() == 0


def test_not_a_report_gets_400_and_broken_gzip_too(intake: Running) -> None:
    with intake.client() as client:
        array = client.post(intake.url, content=b"[1, 2]", headers=JS)
        broken = client.post(intake.url, content=_gz(4)[:30], headers=GZ)
    assert (array.status_code, broken.status_code) == (400, 400)
    assert intake.store.count() == 0


def test_paths_hosts_and_methods_outside_the_allow_list(intake: Running) -> None:
    with intake.client() as client:
        other_path = client.post(
            intake.url.replace("/tlsrpt", "/other"), content=_gz(5), headers=GZ
        )
        other_host = client.post(intake.url, content=_gz(5), headers={**GZ, "Host": "evil.test"})
        get = client.get(intake.url)
        options = client.options(intake.url)
    assert other_path.status_code == 404
    assert other_host.status_code == 421
    assert get.status_code == 405
    assert options.status_code == 204 and "POST" in options.headers["Allow"]
    assert intake.store.count() == 0


def _tls_socket(intake: Running) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", intake.server.port), timeout=10)
    return intake.client_context.wrap_socket(raw, server_hostname="localhost")


def _closed_within(sock: ssl.SSLSocket, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            sock.sendall(b"X")
            if sock.recv(1024) == b"":
                return True
        except TimeoutError:
            continue
        except (OSError, ssl.SSLError):
            return True
    return False


def test_slowloris_clients_are_cut_off_and_others_still_served(intake: Running) -> None:
    # Eight clients drip headers, one byte at a time; others each send half a body and stall.
    drippers = []
    for i in range(8):
        sock = _tls_socket(intake)
        if i % 2:
            sock.sendall(
                b"POST /tlsrpt HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/tlsrpt+json\r\nContent-Length: 5000\r\n\r\n{"
            )
        else:
            sock.sendall(b"POST /tlsrpt HTTP/1.1\r\nHost: loc")
        drippers.append(sock)
    started = time.monotonic()
    with intake.client() as client:
        assert client.post(intake.url, content=_gz(9), headers=GZ).status_code == 201
    try:
        # The deadline is 1.5 s for everything; the reaper checks every 0.1 s. (The bound is
        # loose for busy CI machines; without the reaper they would stay open indefinitely.)
        assert all(_closed_within(s, 6.0) for s in drippers)
        assert time.monotonic() - started < 8.0
    finally:
        for s in drippers:
            s.close()
    assert intake.store.count() == 1


def test_concurrent_posting_clients_are_all_answered(intake: Running) -> None:
    async def post_all() -> list[int]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(
            verify=intake.client_context, timeout=30, limits=limits
        ) as client:
            replies = await asyncio.gather(
                *(
                    client.post(intake.url, content=_gz(1000 + n % 80), headers=GZ)
                    for n in range(100)
                )
            )
        return [r.status_code for r in replies]

    codes = asyncio.run(post_all())
    assert codes.count(201) == 80
    assert codes.count(200) == 20
    assert intake.store.count() == 80


def test_the_serve_command_runs_and_exits_130_on_ctrl_c(
    tmp_path: Path, test_ca: trustme.CA
) -> None:
    leaf = test_ca.issue_cert("localhost")
    leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    leaf.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mtasts_tui",
            "reports",
            "serve",
            "--listen",
            f"127.0.0.1:{port}",
            "--tls-cert",
            str(tmp_path / "cert.pem"),
            "--tls-key",
            str(tmp_path / "key.pem"),
            "--db",
            str(tmp_path / "serve.sqlite3"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "Receiving TLS-RPT reports on https://127.0.0.1:" in proc.stdout.readline()
        context = ssl.create_default_context()
        test_ca.configure_trust(context)
        with httpx.Client(verify=context, timeout=10) as client:
            reply = client.post(f"https://localhost:{port}/", content=_gz(11), headers=GZ)
        assert reply.status_code == 201
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=15)
        assert proc.returncode == 130
        assert "Traceback" not in err
        assert err.strip().splitlines()[-1] == "Interrupted."
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    with ReportStore.open(tmp_path / "serve.sqlite3") as store:
        assert store.count() == 1


def test_past_the_workers_and_queue_connections_are_closed_at_once(tmp_path: Path) -> None:
    """One worker and one queue slot: two stalled clients fill them, a third is turned away."""
    with ReportStore.open(tmp_path / "s.sqlite3") as store:
        config = IntakeConfig(client_timeout=5.0, workers=1, queue=1)
        server = IntakeServer(("127.0.0.1", 0), store, config=config)  # plain HTTP
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            stalled = []
            for n in (1, 2):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                sock.sendall(b"POST / HTTP/1.1\r\n")
                stalled.append(sock)

                def accepted(n: int = n) -> bool:
                    return server.in_flight == n

                wait_until(accepted, timeout=5)  # accepted, in this order
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as third:
                third.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")
                assert third.recv(100) == b""  # closed without a word
            assert server.refused == 1
            for sock in stalled:
                sock.close()
            # The slots free up as soon as the stalled clients go: reports are taken again.
            with httpx.Client(timeout=10) as client:
                url = f"http://127.0.0.1:{server.port}/"
                assert client.post(url, content=_gz(12), headers=GZ).status_code == 201
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
