"""The deploy tests' own rules: a missing program skips with the reason, a substitution that
no longer matches the bundle fails instead of silently testing something else."""

from __future__ import annotations

import pytest

from tests.deploy.servers import require_program, substitute


def test_a_missing_program_skips_with_the_package_to_install() -> None:
    with pytest.raises(pytest.skip.Exception, match="no-such-web-server is not installed") as info:
        require_program("no-such-web-server", "some-package")
    assert "apt-get" in str(info.value) and "some-package" in str(info.value)


def test_a_substitution_must_match_the_bundle_file() -> None:
    assert substitute("listen 443 ssl;", {"443": "8443"}) == "listen 8443 ssl;"
    with pytest.raises(AssertionError, match="no longer contains"):
        substitute("listen 443 ssl;", {"listen 80;": "listen 8080;"})
