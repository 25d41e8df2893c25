"""The bundle's Apache 2.4 vhost, run by the installed Apache on loopback, checked as a sender.

Only paths and listen addresses change (shown in ``localised``). The wrapper loads what
Debian's default apache2.conf loads, mod_dir and mod_autoindex included, and lets every folder
list itself, so the test proves the vhost itself stops redirects and listings.
"""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtasts_tui.lab import Lab

from tests.deploy.conftest import Bundle
from tests.deploy.contract import Served, ServesThePolicy, stage_site
from tests.deploy.servers import POLICY_HOST, require_program, running, shared_dir, substitute

APACHE_TIMEOUT = 30
MODULE_DIRS = (Path("/usr/lib/apache2/modules"), Path("/usr/lib64/httpd/modules"))
MODULES = (
    "mpm_event",
    "authz_core",
    "ssl",
    "socache_shmcb",
    "alias",
    "mime",
    "headers",
    "dir",
    "autoindex",
)
"""What the bundle's comment asks for (ssl alias mime headers), plus the defaults it must
overrule (dir, autoindex)."""


def localised(config: str, port: int, cert: Path, key: Path, root: Path, ipv6: bool) -> str:
    addresses = f"127.0.0.1:{port} [::1]:{port}" if ipv6 else f"127.0.0.1:{port}"
    return substitute(
        config,
        {
            "<VirtualHost *:443>": f"<VirtualHost {addresses}>",
            f"/etc/letsencrypt/live/{POLICY_HOST}/fullchain.pem": str(cert),
            f"/etc/letsencrypt/live/{POLICY_HOST}/privkey.pem": str(key),
            f"/var/www/{POLICY_HOST}": str(root),
        },
    )


def main_config(workdir: Path, site: Path, modules: Path, port: int, ipv6: bool) -> str:
    loads = "\n".join(f"LoadModule {m}_module {modules}/mod_{m}.so" for m in MODULES)
    user = ""
    if os.geteuid() == 0:  # Apache refuses to serve as root
        nobody = pwd.getpwnam("nobody")
        user = f"User nobody\nGroup {grp.getgrgid(nobody.pw_gid).gr_name}"
    listen = f"Listen 127.0.0.1:{port}" + (f"\nListen [::1]:{port}" if ipv6 else "")
    return f"""\
ServerRoot {workdir}
ServerName localhost
DefaultRuntimeDir {workdir}
PidFile {workdir}/apache.pid
Mutex file:{workdir} default
ErrorLog {workdir}/error.log
LogLevel warn
{loads}
{user}
TypesConfig /dev/null
{listen}
<Directory />
    Options Indexes FollowSymLinks
    Require all granted
</Directory>
DirectoryIndex index.html
Include {site}
"""


@pytest.fixture(scope="module")
def apache_setup(bundle: Bundle, deploy_lab: Lab) -> Iterator[tuple[str, Path, Path, Served]]:
    apache = require_program("apache2", "apache2")
    modules = next((d for d in MODULE_DIRS if (d / "mod_ssl.so").is_file()), None)
    if modules is None:
        pytest.skip("Apache's modules (mod_ssl and friends) were not found")
    folder = shared_dir("mtasts-apache-")
    try:
        workdir = Path(folder.name)
        site, served = stage_site(
            workdir, bundle, deploy_lab, "hosting/apache.conf", "mta-sts.conf", localised
        )
        conf = workdir / "httpd.conf"
        conf.write_text(main_config(workdir, site, modules, served.port, served.ipv6))
        yield apache, workdir, conf, served
    finally:
        folder.cleanup()


@pytest.fixture(scope="module")
def served(apache_setup: tuple[str, Path, Path, Served]) -> Iterator[Served]:
    apache, workdir, conf, info = apache_setup
    argv = [apache, "-d", str(workdir), "-f", str(conf), "-D", "FOREGROUND"]
    with running("apache", argv, workdir, info.port, env={"PATH": "/usr/bin:/bin"}):
        yield info


class TestApache(ServesThePolicy):
    def test_configtest_accepts_the_vhost(
        self, apache_setup: tuple[str, Path, Path, Served]
    ) -> None:
        apache, workdir, conf, _ = apache_setup
        done = subprocess.run(
            [apache, "-d", str(workdir), "-f", str(conf), "-t"],
            capture_output=True,
            text=True,
            timeout=APACHE_TIMEOUT,
            env={"PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr
        assert "Syntax OK" in done.stderr
