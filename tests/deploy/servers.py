"""Run a real program on loopback for a deploy test, and talk to it the way a sender does.

Every server runs in its own temporary folder on a free port, is reached through the lab's DNS
(``mta-sts.deploy.test`` → 127.0.0.1) with a certificate from the lab CA, and is stopped by its
PID in a ``finally``.
"""

from __future__ import annotations

import contextlib
import grp
import http.client
import io
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from mtasts_tui.cli import main

DOMAIN = "deploy.test"
POLICY_HOST = f"mta-sts.{DOMAIN}"
POLICY_PATH = "/.well-known/mta-sts.txt"
MX_HOSTS = (f"mx1.{DOMAIN}", f"mx2.{DOMAIN}")
START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0

OTHER_PATHS = (
    "/",
    "/index.html",
    "/mta-sts.txt",
    "/.well-known",
    "/.well-known/",
    "/.well-known/mta-sts.txt/",
    "/.well-known/mta-sts.txt.bak",
    "/.well-known/MTA-STS.TXT",
    "/.well-known/../",
    "/.well-known/%2e%2e/",
    "/nothing/here",
)
"""Paths that must each answer a plain 404: no redirect, no index, no folder listing."""

_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def find_program(name: str) -> str | None:
    """The program's path, looking in sbin too (nginx and apache2 live there on Debian)."""
    return shutil.which(name, path=_SEARCH_PATH)


def require_program(name: str, package: str) -> str:
    path = find_program(name)
    if path is None:
        pytest.skip(
            f"{name} is not installed: this test runs the exported config on the real program "
            f"(.ci/run installs the Debian package {package} where apt-get is available)"
        )
    return path


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def free_port(*, ipv6: bool = False) -> int:
    """A TCP port free on 127.0.0.1 (and on ::1 when ``ipv6``)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if not ipv6:
            return port
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock6:
                sock6.bind(("::1", port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port on loopback")


def substitute(text: str, replacements: Mapping[str, str]) -> str:
    """Replace each key, exactly as written, by its value.

    A key missing from ``text`` fails the test, so the replacements a test shows are the whole
    difference between the bundle's file and what the server runs.
    """
    for old, new in replacements.items():
        assert old in text, f"the bundle's file no longer contains {old!r}"
        text = text.replace(old, new)
    return text


def shared_dir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder a server's unprivileged workers can read (pytest's is 0700)."""
    folder = tempfile.TemporaryDirectory(prefix=prefix)
    os.chmod(folder.name, 0o755)
    return folder


def copy_tree_readable(source: Path, target: Path) -> None:
    """Copy the exported web root so that a worker running as ``nobody`` may read it."""
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def nginx_main_config(workdir: Path, site: Path) -> str:
    """What a distribution's nginx.conf gives: mime.types, an octet-stream default, a user."""
    user = ""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").is_file() else ""
    return f"""\
{user}
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log info;
events {{ worker_connections 64; }}
http {{
    {mime}
    default_type application/octet-stream;
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    include {site};
}}
"""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    """Lower-case header names."""
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def https_get(
    port: int,
    path: str,
    ca_file: str,
    *,
    address: str = "127.0.0.1",
    method: str = "GET",
    timeout: float = 5.0,
) -> Answer:
    """One request as a sender makes it: SNI and Host ``mta-sts.deploy.test``, the path sent
    exactly as given (no normalising of ``..``), the certificate checked against the lab CA."""
    context = ssl.create_default_context(cafile=ca_file)
    raw = socket.create_connection((address, port), timeout=timeout)
    tls = context.wrap_socket(raw, server_hostname=POLICY_HOST)
    conn = http.client.HTTPConnection(address, port, timeout=timeout)
    conn.sock = tls
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", f"{POLICY_HOST}:{port}")
        conn.putheader("Accept-Encoding", "identity")
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
        body = response.read(1 << 20)
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, headers, body)
    finally:
        conn.close()


def http_get(port: int, path: str, *, timeout: float = 5.0) -> Answer:
    """Plain HTTP (for a container behind a TLS-terminating Ingress)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", POLICY_HOST)
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
        body = response.read(1 << 20)
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        conn.close()


def run_cli(argv: Sequence[str]) -> tuple[int, str, str]:
    """``mtasts-tui ARGV`` in this process, with its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@dataclass
class Server:
    """A started program; ``stop`` ends it by PID."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)


@contextlib.contextmanager
def running(
    name: str, argv: Sequence[str], workdir: Path, port: int, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """Start ``argv`` in the foreground, wait until ``port`` accepts, stop it afterwards."""
    log = workdir / f"{name}.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            list(argv),
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
        )
    server = Server(name, process, log, port)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"{name} exited with {process.returncode}:\n{server.log_text()}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{name} did not listen on port {port} within {START_TIMEOUT:g} s:\n"
                        f"{server.log_text()}"
                    ) from None
                time.sleep(0.05)
        yield server
    finally:
        server.stop()
