"""What the benchmarks share: a sink for `check`'s output, and the lab-in-a-child handshake."""

from __future__ import annotations

from multiprocessing.connection import Connection

from mtasts_tui.lab import Lab
from mtasts_tui.probe.network import ProbeConfig


class NullSink:
    """A text stream that only counts the lines written to it (one result per line)."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)

    def flush(self) -> None:
        pass


def send_endpoints(lab: Lab, conn: Connection) -> None:
    """In the lab's child process: tell the parent where the lab answers."""
    conn.send((lab.dns_address, lab.ca_file, lab.https_port, lab.smtp_port))


def receive_config(conn: Connection) -> ProbeConfig:
    """In the checking process: probe settings aimed at the lab in the child."""
    dns_address, ca_file, https_port, smtp_port = conn.recv()
    return ProbeConfig(
        resolvers=(dns_address,),
        ca_file=ca_file,
        https_port=https_port,
        smtp_port=smtp_port,
        timeout=10.0,
    )
