"""The bundle's nginx config, run by the installed nginx on loopback, then checked as a sender.

Only paths and listen addresses change (shown in ``localised``); the file is included, as the
bundle has it otherwise, from a minimal main config like Debian's.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtasts_tui.lab import Lab

from tests.deploy.conftest import Bundle
from tests.deploy.contract import Served, ServesThePolicy, stage_site
from tests.deploy.servers import (
    POLICY_HOST,
    nginx_main_config,
    require_program,
    running,
    shared_dir,
    substitute,
)

NGINX_TIMEOUT = 30


def localised(config: str, port: int, cert: Path, key: Path, root: Path, ipv6: bool) -> str:
    """The bundle's config with exactly these substitutions."""
    return substitute(
        config,
        {
            "listen 443 ssl;": f"listen 127.0.0.1:{port} ssl;",
            "listen [::]:443 ssl;": f"listen [::1]:{port} ssl;" if ipv6 else "#",
            f"/etc/letsencrypt/live/{POLICY_HOST}/fullchain.pem": str(cert),
            f"/etc/letsencrypt/live/{POLICY_HOST}/privkey.pem": str(key),
            f"/var/www/{POLICY_HOST}": str(root),
        },
    )


def nginx_version(nginx: str) -> tuple[int, ...]:
    done = subprocess.run([nginx, "-v"], capture_output=True, text=True, timeout=NGINX_TIMEOUT)
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", done.stderr)
    assert match, done.stderr
    return tuple(int(part) for part in match.groups())


@pytest.fixture(scope="module")
def nginx_setup(bundle: Bundle, deploy_lab: Lab) -> Iterator[tuple[str, Path, Path, Served]]:
    nginx = require_program("nginx", "nginx-light")
    folder = shared_dir("mtasts-nginx-")
    try:
        workdir = Path(folder.name)
        site, served = stage_site(
            workdir, bundle, deploy_lab, "hosting/nginx.conf", "mta-sts.conf", localised
        )
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_main_config(workdir, site))
        yield nginx, workdir, conf, served
    finally:
        folder.cleanup()


@pytest.fixture(scope="module")
def served(nginx_setup: tuple[str, Path, Path, Served]) -> Iterator[Served]:
    nginx, workdir, conf, info = nginx_setup
    with running("nginx", [nginx, "-p", str(workdir), "-c", str(conf)], workdir, info.port):
        yield info


class TestNginx(ServesThePolicy):
    def test_nginx_t_accepts_the_config_on_the_installed_version(
        self, nginx_setup: tuple[str, Path, Path, Served]
    ) -> None:
        nginx, workdir, conf, _ = nginx_setup
        done = subprocess.run(
            [nginx, "-t", "-p", str(workdir), "-c", str(conf)],
            capture_output=True,
            text=True,
            timeout=NGINX_TIMEOUT,
        )
        assert done.returncode == 0, done.stderr
        assert "test is successful" in done.stderr
        assert "[warn]" not in done.stderr and "[emerg]" not in done.stderr

    def test_the_config_names_its_versions_and_avoids_directives_newer_than_1_18(
        self, bundle: Bundle, nginx_setup: tuple[str, Path, Path, Served]
    ) -> None:
        text = bundle.text("hosting/nginx.conf")
        assert "nginx 1.18 and newer" in text
        directives = [line.split("#", 1)[0] for line in text.splitlines()]
        # http2 (1.25.1), quic/http3 (1.25.0), ssl_reject_handshake is fine (1.19.4) but unused.
        for newer in ("http2", "http3", "quic", "ssl_reject_handshake", "ssl_conf_command"):
            assert not any(newer in line for line in directives), newer
        assert nginx_version(nginx_setup[0]) >= (1, 18, 0)
