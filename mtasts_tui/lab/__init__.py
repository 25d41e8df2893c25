"""The loopback lab: real DNS, HTTPS and SMTP servers on 127.0.0.0/8 for tests, demo, benchmarks.

>>> from mtasts_tui.lab import Lab, scenarios
>>> with Lab(scenarios.ALL) as lab:  # doctest: +SKIP
...     lab.dns_address, lab.ca_file, lab.https_port, lab.smtp_port
"""

from . import scenarios
from .lab import Lab
from .model import (
    CertKind,
    DnsFault,
    MxServer,
    PolicyHost,
    Record,
    Scenario,
    TlsaSpec,
    TlsVersion,
)

__all__ = [
    "CertKind",
    "DnsFault",
    "Lab",
    "MxServer",
    "PolicyHost",
    "Record",
    "Scenario",
    "TlsVersion",
    "TlsaSpec",
    "scenarios",
]
