"""The bundle's Caddyfile, run by the installed Caddy on loopback, then checked as a sender.

Caddy gets its certificate from an ACME CA in production, which loopback cannot reach, so the
localised file names the lab certificate with a ``tls`` line; otherwise only the site address
(port) and the root path change (shown in ``localised``). The wrapper's global options keep
Caddy off ports 80/443 and its admin socket, as a test must.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtasts_tui.lab import Lab

from tests.deploy.conftest import Bundle
from tests.deploy.contract import Served, ServesThePolicy, stage_site
from tests.deploy.servers import (
    POLICY_HOST,
    free_port,
    require_program,
    running,
    shared_dir,
    substitute,
)

CADDY_TIMEOUT = 30


def localised(config: str, port: int, cert: Path, key: Path, root: Path, ipv6: bool) -> str:
    binds = "127.0.0.1 [::1]" if ipv6 else "127.0.0.1"
    return substitute(
        config,
        {
            f"{POLICY_HOST} {{": f"{POLICY_HOST}:{port} {{\n    bind {binds}\n    tls {cert} {key}",
            f"root * /var/www/{POLICY_HOST}": f"root * {root}",
        },
    )


def main_config(workdir: Path, site: Path, spare_port: int) -> str:
    return f"""\
{{
    admin off
    auto_https disable_redirects
    skip_install_trust
    http_port {spare_port}
    storage file_system {workdir}/storage
}}
import {site}
"""


def caddy_env(workdir: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "XDG_CONFIG_HOME": str(workdir / "config"),
        "XDG_DATA_HOME": str(workdir / "data"),
    }


@pytest.fixture(scope="module")
def caddy_setup(bundle: Bundle, deploy_lab: Lab) -> Iterator[tuple[str, Path, Path, Served]]:
    caddy = require_program("caddy", "caddy")
    folder = shared_dir("mtasts-caddy-")
    try:
        workdir = Path(folder.name)
        site, served = stage_site(
            workdir, bundle, deploy_lab, "hosting/Caddyfile", "site.Caddyfile", localised
        )
        conf = workdir / "Caddyfile"
        conf.write_text(main_config(workdir, site, free_port()))
        yield caddy, workdir, conf, served
    finally:
        folder.cleanup()


@pytest.fixture(scope="module")
def served(caddy_setup: tuple[str, Path, Path, Served]) -> Iterator[Served]:
    caddy, workdir, conf, info = caddy_setup
    argv = [caddy, "run", "--config", str(conf), "--adapter", "caddyfile"]
    with running("caddy", argv, workdir, info.port, env=caddy_env(workdir)):
        yield info


class TestCaddy(ServesThePolicy):
    def test_caddy_validate_accepts_the_config(
        self, caddy_setup: tuple[str, Path, Path, Served]
    ) -> None:
        caddy, workdir, conf, _ = caddy_setup
        done = subprocess.run(
            [caddy, "validate", "--config", str(conf), "--adapter", "caddyfile"],
            capture_output=True,
            text=True,
            timeout=CADDY_TIMEOUT,
            env=caddy_env(workdir),
        )
        assert done.returncode == 0, done.stderr
