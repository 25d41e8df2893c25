"""Loopback servers that send control and bidi characters: `check` shows them, never obeys them.

A real DNS, HTTPS and SMTP lab serves a domain whose TXT record, policy file and SMTP banner
carry C1 controls (U+009B is a one-byte CSI), bidi overrides and ESC sequences. Both outputs of
`check` are run in a child process, bounded in memory and time like every hostile case.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtasts_tui.lab import Lab, scenarios
from mtasts_tui.lab.model import MxServer, PolicyHost
from mtasts_tui.lab.scenarios import healthy, policy_text

from tests.conftest import Labs
from tests.hostile.bounded import run_cli

NASTY = "\u009b31m\u202eevil\u2066\x1b[2J\x1b]0;title\x07\u0085"
RAW = ("\u009b", "\u202e", "\u2066", "\x1b", "\x07", "\u0085")


@pytest.fixture(scope="module")
def lab(labs: Labs) -> Lab:
    domain = "bidi.test"
    scenario = healthy(
        "bidi",
        "control and bidi characters in every remote string",
        sts_records=[f"v=STSv1; id={scenarios.STS_ID}; x-note={NASTY}"],
        tlsrpt_records=[f"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}; x={NASTY}"],
        policy=PolicyHost(
            body=policy_text("enforce", [f"mx1.{domain}", f"mx2.{domain}"], extra=[f"x: {NASTY}"])
        ),
        mx_server=MxServer(banner=f"ESMTP {NASTY}"),
    )
    return labs.get([scenario])


def network(lab: Lab) -> list[str]:
    host, port = lab.dns_address
    return [
        "--resolver",
        f"{host}:{port}",
        "--ca-file",
        str(lab.ca_file),
        "--https-port",
        str(lab.https_port),
        "--smtp-port",
        str(lab.smtp_port),
        "--timeout",
        "5",
    ]


def test_check_json_escapes_what_the_servers_sent(lab: Lab, tmp_path: Path) -> None:
    ran = run_cli(["check", "bidi.test", "--json", *network(lab)], tmp_path).within()
    for ch in RAW:
        assert ch not in ran.out, repr(ch)
    (line,) = ran.out.splitlines()
    data = json.loads(line)
    # The data survives, only escaped: the record reads back exactly as the server sent it.
    assert data["sts_record"]["raw"] == [f"v=STSv1; id={scenarios.STS_ID}; x-note={NASTY}"]
    assert "\\u009b" in ran.out and "\\u202e" in ran.out


def test_check_text_shows_them_literally(lab: Lab, tmp_path: Path) -> None:
    ran = run_cli(["check", "bidi.test", *network(lab)], tmp_path).within()
    for ch in RAW:
        assert ch not in ran.out, repr(ch)
