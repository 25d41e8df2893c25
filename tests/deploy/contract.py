"""What every deployed web server must do, whatever program serves the bundle.

A test module starts its server once and subclasses :class:`ServesThePolicy`, whose tests use
the module's ``served`` fixture.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mtasts_tui.lab import Lab

from tests.deploy.conftest import Bundle
from tests.deploy.servers import (
    DOMAIN,
    OTHER_PATHS,
    POLICY_HOST,
    POLICY_PATH,
    copy_tree_readable,
    free_port,
    https_get,
    ipv6_loopback,
    run_cli,
)


@dataclass(frozen=True)
class Served:
    """A web server running the bundle's config on loopback."""

    port: int
    ipv6: bool
    """Whether it also listens on [::1] (the config's IPv6 listen line, localised)."""


Localise = Callable[[str, int, Path, Path, Path, bool], str]
"""(config, port, cert, key, web root, ipv6) → the config with exactly the test's substitutions."""


def stage_site(
    workdir: Path, bundle: Bundle, lab: Lab, config: str, site_name: str, localise: Localise
) -> tuple[Path, Served]:
    """What every server starts from: the exported web root, a lab certificate for the policy
    host, a free port, and the bundle's ``config`` changed only by ``localise``, written to
    ``workdir/site_name``. Returns the site file and where it will be served."""
    root = workdir / "www"
    copy_tree_readable(bundle.web_root, root)
    cert, key = lab.write_server_cert(POLICY_HOST, workdir)
    ipv6 = ipv6_loopback()
    port = free_port(ipv6=ipv6)
    site = workdir / site_name
    site.write_text(localise(bundle.text(config), port, cert, key, root, ipv6))
    return site, Served(port, ipv6)


def check_json(lab: Lab, port: int) -> tuple[int, dict[str, object], str]:
    """``mtasts-tui check --json deploy.test`` through the lab's DNS, trusting the lab CA."""
    host, dns_port = lab.dns_address
    code, out, err = run_cli(
        [
            "check",
            "--json",
            DOMAIN,
            "--resolver",
            f"{host}:{dns_port}",
            "--ca-file",
            lab.ca_file,
            "--https-port",
            str(port),
            "--no-smtp",
            "--timeout",
            "5",
        ]
    )
    return code, json.loads(out), err


class ServesThePolicy:
    def test_check_finds_the_policy_valid_with_200_text_plain_and_no_redirect(
        self, served: Served, deploy_lab: Lab, bundle: Bundle
    ) -> None:
        code, result, err = check_json(deploy_lab, served.port)
        policy = result["policy"]
        assert isinstance(policy, dict)
        assert policy["status"] == 200
        assert policy["fetched"] is True
        assert policy["valid"] is True
        assert policy["raw"] == bundle.policy.decode()
        assert policy["mode"] == "enforce"
        findings = result["findings"]
        assert isinstance(findings, list)
        assert [f for f in findings if f["code"].startswith("policy-")] == []
        assert code == 0, (result, err)

    def test_the_policy_is_served_exactly_as_text_plain(
        self, served: Served, deploy_lab: Lab, bundle: Bundle
    ) -> None:
        answer = https_get(served.port, POLICY_PATH, deploy_lab.ca_file)
        assert answer.status == 200
        assert answer.media_type == "text/plain"
        assert "location" not in answer.headers
        assert answer.body == bundle.policy  # CRLF and all

    def test_the_ipv6_listen_line_serves_the_policy_too(
        self, served: Served, deploy_lab: Lab, bundle: Bundle
    ) -> None:
        if not served.ipv6:
            pytest.skip("no IPv6 on this machine's loopback: the [::] listen line was dropped")
        answer = https_get(served.port, POLICY_PATH, deploy_lab.ca_file, address="::1")
        assert (answer.status, answer.media_type) == (200, "text/plain")
        assert answer.body == bundle.policy

    @pytest.mark.parametrize("path", OTHER_PATHS)
    def test_every_other_path_is_a_plain_404(
        self, served: Served, deploy_lab: Lab, bundle: Bundle, path: str
    ) -> None:
        answer = https_get(served.port, path, deploy_lab.ca_file)
        assert answer.status == 404, (answer.status, answer.headers)
        assert "location" not in answer.headers
        assert b"Index of" not in answer.body
        assert b"mta-sts.txt" not in answer.body  # no listing of the folder
        assert bundle.policy not in answer.body
