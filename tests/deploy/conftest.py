"""Fixtures for the deploy tests: one exported bundle and one lab whose DNS points at us."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mtasts_tui.core.bundle import policy_file_path
from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.lab import Lab
from mtasts_tui.lab.scenarios import STS_ID, healthy

from tests.conftest import Labs
from tests.deploy.servers import DOMAIN, MX_HOSTS, POLICY_HOST, run_cli

MAX_AGE = 604800
RUA = f"mailto:tlsrpt@{DOMAIN}"


@dataclass(frozen=True)
class Bundle:
    folder: Path

    def path(self, rel: str) -> Path:
        return self.folder / rel

    def text(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    @property
    def policy_file(self) -> Path:
        domain = parse_domain(DOMAIN)
        assert isinstance(domain, DomainName)
        return self.folder / policy_file_path(domain)

    @property
    def web_root(self) -> Path:
        """The folder the bundle says to copy to the web server's root (holds .well-known/)."""
        return self.policy_file.parent.parent

    @property
    def policy(self) -> bytes:
        return self.policy_file.read_bytes()


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """``mtasts-tui export`` with every hosting target and DNS format, for the lab's domain."""
    out = tmp_path_factory.mktemp("bundle") / "bundle"
    argv = ["export", "--domain", DOMAIN, "--mode", "enforce", "--max-age", str(MAX_AGE)]
    for host in MX_HOSTS:
        argv += ["--mx", host]
    argv += ["--rua", RUA, "--id", STS_ID, "--out", str(out), "--hosting", "all", "--dns", "all"]
    code, _, err = run_cli(argv)
    assert code == 0, err
    return Bundle(out)


@pytest.fixture(scope="session")
def deploy_lab(labs: Labs) -> Lab:
    """The lab's DNS serves deploy.test (MX, _mta-sts, _smtp._tls) like a correctly set-up
    domain, except that mta-sts.deploy.test points at 127.0.0.1, where the test's web server
    listens, instead of at the lab's own HTTPS server."""
    scenario = healthy(
        "deploy",
        "Policy host served by a real web server outside the lab",
        domain=DOMAIN,
        mx_hosts=MX_HOSTS,
        with_policy_host=False,
        extra_records=[(POLICY_HOST, "A", "127.0.0.1")],
    )
    return labs.get([scenario])
