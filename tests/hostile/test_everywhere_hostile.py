"""Every command: Ctrl-C exits 130 with one line, messages never echo a huge input back, and
JSON output cannot restyle or reorder a terminal."""

from __future__ import annotations

import fcntl
import json
import os
import select
import socket
import struct
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

import pytest

from mtasts_tui.core.bundle import BundleSpec, build_bundle, make_bundle_spec

from tests.hostile.bounded import run_cli
from tests.hostile.inputs import raw_zip, report_bytes

INTERRUPTED = "mtasts-tui: interrupted\n"
EXPORT = ["export", "--domain", "example.com", "--mode", "none", "--max-age", "86400"]


def complete_bundle_names() -> list[str]:
    """The file names a whole bundle of EXPORT has (default targets), from the core itself."""
    spec = make_bundle_spec("example.com", "none", [], 86400, [], "20260101T000000", date.today())
    assert isinstance(spec, BundleSpec), spec
    return sorted(PurePosixPath(rel).name for rel in build_bundle(spec))


def unread_bytes(fifo_fd: int) -> int:
    """How many bytes written to a FIFO nobody has read yet."""
    count: int = struct.unpack("i", fcntl.ioctl(fifo_fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    return count


def line_complete(text: str) -> bool:
    return text == "" or text.endswith("\n")


@dataclass(frozen=True)
class SilentResolver:
    """A UDP port that receives DNS queries and never answers: every lookup stalls."""

    sock: socket.socket

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def asked(self) -> bool:
        """Whether a query has arrived (the caller is now waiting for an answer)."""
        return bool(select.select([self.sock], [], [], 0)[0])


@pytest.fixture
def silent_resolver() -> Iterator[SilentResolver]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield SilentResolver(sock)
    finally:
        sock.close()


class TestCtrlC:
    def test_check_stalled_on_dns(self, tmp_path: Path, silent_resolver: SilentResolver) -> None:
        args = ["check", "example.com", "example.org", "--json", "--timeout", "30"]
        ran = run_cli(
            [*args, "--resolver", silent_resolver.address, "--no-smtp"],
            tmp_path,
            interrupt_after=lambda _out: silent_resolver.asked(),  # waiting for an answer
            timeout=25,
        ).within()
        assert ran.code == 130
        assert ran.err == INTERRUPTED
        assert line_complete(ran.out)

    def test_lint_waiting_on_stdin(self, tmp_path: Path) -> None:
        fifo = tmp_path / "never-finished"
        os.mkfifo(fifo)
        # stdin is a FIFO that never ends: lint blocks reading it until Ctrl-C.
        writer = os.open(fifo, os.O_RDWR)  # keeps the FIFO open so the child's read blocks
        os.write(writer, b"version: STSv1\n")  # once lint has taken this line, it is reading
        try:
            ran = run_cli(
                ["lint", "policy", "-", "--json"],
                tmp_path / "run",
                stdin=fifo,
                interrupt_after=lambda _out: unread_bytes(writer) == 0,
                timeout=20,
            ).within()
        finally:
            os.close(writer)
        assert ran.code == 130
        assert ran.err == INTERRUPTED

    def test_reports_json_stays_line_complete(self, tmp_path: Path) -> None:
        path = tmp_path / "many.zip"
        path.write_bytes(raw_zip((f"{i}.json", report_bytes(f"r{i}")) for i in range(9000)))
        ran = run_cli(
            ["reports", path, "--json"],
            tmp_path / "run",
            interrupt_after=lambda out: out.exists() and out.stat().st_size > 2000,
            timeout=30,
        ).within()
        assert ran.code == 130, ran.err
        assert ran.err == INTERRUPTED
        assert line_complete(ran.out)
        lines = ran.out.splitlines()
        assert lines[0] == '{"reports": ['
        for line in lines[1:]:  # every entry written so far is a whole JSON object
            json.loads(line.lstrip(", "))

    @pytest.mark.parametrize("delay", [0.05, 0.2, 0.4, 0.8])
    def test_export_is_complete_or_absent_whenever_it_is_interrupted(
        self, tmp_path: Path, delay: float
    ) -> None:
        out = tmp_path / "site" / "bundle"  # the parent is made too, and must go with it
        started = time.monotonic()
        ran = run_cli(
            [*EXPORT, "--out", out],
            tmp_path / "run",
            interrupt_after=lambda _o: time.monotonic() - started > delay,
        )
        # Ctrl-C while CPython itself starts (site, runpy: before any line of ours runs) ends
        # the process the interpreter's way, by the signal or with a report whose frames are all
        # CPython's. Nothing of the bundle exists yet then; from our first line on, the rules hold.
        before_ours = ran.code == -2 or ("Traceback" in ran.err and "mtasts_tui" not in ran.err)
        if not before_ours:
            ran.within()
            assert ran.code in (0, 130)
        if ran.code == 130:
            assert ran.err == INTERRUPTED
        names = sorted(p.name for p in out.rglob("*") if p.is_file()) if out.exists() else []
        assert names in ([], complete_bundle_names())
        assert not list(tmp_path.rglob(".mtasts-*"))
        if not names:
            assert not (tmp_path / "site").exists(), (ran, list((tmp_path / "site").rglob("*")))


class TestHugeInputsAreNotEchoed:
    def test_a_two_million_character_domain_on_stdin(self, tmp_path: Path) -> None:
        domains = tmp_path / "domains.txt"
        domains.write_text("a" * 2_000_000 + "\n")
        ran = run_cli(
            ["check", "-", "--no-smtp", "--timeout", "1"], tmp_path / "run", stdin=domains
        ).within()
        assert ran.code == 2
        assert 0 < len(ran.out + ran.err) < 1000
        assert "2,000,000 characters" in ran.out + ran.err

    @pytest.mark.parametrize(
        "args",
        [
            ["export", "--domain", "X", "--mode", "none", "--max-age", "1", "--out", "o"],
            ["export", "--domain", "x.com", "--mode", "X", "--max-age", "1", "--out", "o"],
            ["export", "--domain", "x.com", "--mode", "none", "--max-age", "X", "--out", "o"],
            [
                "export",
                "--domain",
                "x.com",
                "--mode",
                "testing",
                "--mx",
                "X",
                "--max-age",
                "1",
                "--out",
                "o",
            ],
            [
                "export",
                "--domain",
                "x.com",
                "--mode",
                "none",
                "--rua",
                "mailto:a@X",
                "--max-age",
                "1",
                "--out",
                "o",
            ],
            [
                "export",
                "--domain",
                "x.com",
                "--mode",
                "none",
                "--id",
                "X",
                "--max-age",
                "1",
                "--out",
                "o",
            ],
            ["export", "--domain", "x.com", "--mode", "none", "--max-age", "1", "--out", "/tmp/X"],
            ["check", "X", "--timeout", "1", "--no-smtp"],
            ["check", "x.com", "--timeout", "X"],
            ["check", "x.com", "--reports", "X"],
            ["lint", "sts-record", "v=STSv1; id=X"],
            ["lint", "tlsrpt-record", "v=TLSRPTv1; rua=mailto:X"],
            ["lint", "policy", "X"],
            ["reports", "X"],
            ["reports", "--days", "X", "."],
        ],
    )
    def test_a_100k_argument_is_quoted_short(self, tmp_path: Path, args: list[str]) -> None:
        huge = "a" * 100_000
        ran = run_cli([a.replace("X", huge) for a in args], tmp_path / "run", cwd=tmp_path).within()
        assert ran.code != 0
        assert len(ran.err) < 2000, ran.err[:300]
        assert len(ran.out) < 2000, ran.out[:300]


class TestJsonEscapes:
    def test_lint_json_escapes_c1_and_bidi_but_keeps_idns(self, tmp_path: Path) -> None:
        policy = tmp_path / "policy.txt"
        policy.write_text(
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 86400\r\n"
        )
        host = "bücher\u202e\u009b31m.example"
        ran = run_cli(
            ["lint", "policy", policy, "--host", host, "--json"], tmp_path / "run"
        ).within()
        assert "\u202e" not in ran.out and "\u009b" not in ran.out
        assert "\\u202e" in ran.out and "\\u009b" in ran.out
        assert "bücher" in ran.out
        json.loads(ran.out)
