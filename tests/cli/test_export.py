"""`mtasts-tui export`: writes the whole deploy bundle, or nothing at all.

Exit codes: 0 written, 2 unusable input or an existing bundle without --force, nonzero (no
traceback) when the folder cannot be written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.conftest import Result, Run

BUNDLE_FILES = {
    "mta-sts.example.com/.well-known/mta-sts.txt",
    "dns/example.com.zone",
    "dns/records.txt",
    "hosting/nginx.conf",
    "hosting/Caddyfile",
    "hosting/apache.conf",
    "hosting/cloudflare-worker/worker.js",
    "hosting/cloudflare-worker/wrangler.toml",
    "hosting/github-pages/.nojekyll",
    "hosting/github-pages/CNAME",
    "hosting/github-pages/README.md",
    "hosting/github-pages/.well-known/mta-sts.txt",
    "hosting/kubernetes/mta-sts.yaml",
    "CHECKLIST.md",
    "bundle.json",
}


def export(run: Run, out: Path, *extra: str, **overrides: str | list[str]) -> Result:
    options: dict[str, str | list[str]] = {
        "domain": "example.com",
        "mode": "testing",
        "mx": ["mail.example.com", "*.example.net"],
        "max-age": "86400",
        "rua": ["mailto:tlsrpt@example.com"],
        "id": "20260302T101500Z",
    }
    options.update({k.replace("_", "-"): v for k, v in overrides.items()})
    argv: list[str] = ["export", "--out", str(out)]
    for key, value in options.items():
        for item in [value] if isinstance(value, str) else value:
            argv += [f"--{key}", item]
    return run([*argv, *extra])


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


class TestSuccessfulExport:
    def test_writes_exactly_the_bundle_files(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        r = export(run, out)
        assert r.code == 0, r.err
        assert files_under(out) == BUNDLE_FILES
        assert "CHECKLIST.md" in r.out

    def test_policy_file_on_disk_has_crlf_line_endings(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        assert export(run, out).code == 0
        data = (out / "mta-sts.example.com/.well-known/mta-sts.txt").read_bytes()
        assert data == (
            b"version: STSv1\r\n"
            b"mode: testing\r\n"
            b"mx: mail.example.com\r\n"
            b"mx: *.example.net\r\n"
            b"max_age: 86400\r\n"
        )

    def test_zone_and_manifest_carry_the_id_and_records(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        assert export(run, out).code == 0
        zone = (out / "dns/example.com.zone").read_text()
        assert '"v=STSv1; id=20260302T101500Z"' in zone
        assert '"v=TLSRPTv1; rua=mailto:tlsrpt@example.com"' in zone
        manifest = json.loads((out / "bundle.json").read_text())
        assert manifest["policy_id"] == "20260302T101500Z"
        assert manifest["policy"]["mode"] == "testing"

    def test_without_id_a_fresh_valid_id_is_made(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        r = run(
            [
                "export",
                "--domain",
                "example.com",
                "--mode",
                "none",
                "--max-age",
                "86400",
                "--out",
                str(out),
            ]
        )
        assert r.code == 0, r.err
        policy_id = json.loads((out / "bundle.json").read_text())["policy_id"]
        assert policy_id.isalnum()
        assert len(policy_id) <= 32

    def test_idn_domain_is_written_under_its_a_label(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        r = export(run, out, domain="Bücher.example.", mx=["mail.xn--bcher-kva.example"])
        assert r.code == 0, r.err
        assert (out / "mta-sts.xn--bcher-kva.example/.well-known/mta-sts.txt").is_file()
        assert (out / "dns/xn--bcher-kva.example.zone").is_file()

    def test_mode_none_needs_no_mx(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        assert export(run, out, mode="none", mx=[]).code == 0

    def test_an_existing_empty_folder_is_fine(self, run: Run, tmp_path: Path) -> None:
        assert export(run, tmp_path).code == 0
        assert files_under(tmp_path) == BUNDLE_FILES

    def test_no_temporary_files_are_left_behind(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        assert export(run, out).code == 0
        assert not [p for p in out.rglob(".*") if p.is_file() and p.name != ".nojekyll"]


class TestTargets:
    def test_hosting_and_dns_pick_the_files(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        r = export(run, out, "--hosting", "apache,worker", "--dns", "route53,bind")
        assert r.code == 0, r.err
        assert files_under(out) == {
            "CHECKLIST.md",
            "mta-sts.example.com/.well-known/mta-sts.txt",
            "bundle.json",
            "hosting/apache.conf",
            "hosting/cloudflare-worker/worker.js",
            "hosting/cloudflare-worker/wrangler.toml",
            "dns/example.com.zone",
            "dns/route53-change-batch.json",
        }

    def test_dns_all_writes_every_format(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        assert export(run, out, "--dns", "all", "--hosting", "nginx").code == 0
        assert {p.relative_to(out).parts[1] for p in (out / "dns").rglob("*") if p.is_file()} == {
            "example.com.zone",
            "records.txt",
            "octodns",
            "dnscontrol",
            "terraform-cloudflare",
            "terraform-route53",
            "route53-change-batch.json",
        }

    @pytest.mark.parametrize(
        "option", [("--hosting", "iis"), ("--dns", "bind,zonefile"), ("--hosting", "")]
    )
    def test_an_unknown_target_exits_two_and_names_the_choices(
        self, run: Run, tmp_path: Path, option: tuple[str, str]
    ) -> None:
        out = tmp_path / "bundle"
        r = export(run, out, *option)
        assert r.code == 2
        assert "choose from" in r.err and "Traceback" not in r.err
        assert not out.exists()


class TestUnusableInputWritesNothing:
    @pytest.mark.parametrize(
        "overrides",
        [
            {"mode": "Enforce"},
            {"mode": "off"},
            {"mx": ["mail.example.com."]},
            {"mx": ["a.*.example.com"]},
            {"mx": ["mail.example.com", "*"]},
            {"mx": []},
            {"mode": "enforce", "mx": []},
            {"max_age": "31557601"},
            {"max_age": "-1"},
            {"max_age": "1e5"},
            {"max_age": "a day"},
            {"domain": "../x"},
            {"domain": "a/b"},
            {"domain": "http://x"},
            {"domain": "192.0.2.1"},
            {"domain": "localhost"},
            {"domain": ""},
            {"id": "2026-03-02"},
            {"id": "a" * 33},
            {"id": ""},
            {"rua": ["http://reports.example.com/"]},
            {"rua": ["tlsrpt@example.com"]},
            {"rua": ["mailto:tlsrpt@example.com", "ftp://x.example.com/"]},
        ],
    )
    def test_exits_two_and_the_folder_is_not_created(
        self, run: Run, tmp_path: Path, overrides: dict[str, str | list[str]]
    ) -> None:
        out = tmp_path / "bundle"
        r = export(run, out, **overrides)
        assert r.code == 2
        assert r.err
        assert "Traceback" not in r.err
        assert not out.exists()

    def test_messages_name_every_problem(self, run: Run, tmp_path: Path) -> None:
        r = export(run, tmp_path / "b", domain="a/b", mode="off", rua=["ftp://x.example.com/"])
        assert r.code == 2
        assert "nothing was written" in r.err
        assert r.err.count("  - ") == 3

    def test_missing_required_option_exits_two(self, run: Run, tmp_path: Path) -> None:
        r = run(["export", "--domain", "example.com", "--out", str(tmp_path / "b")])
        assert r.code == 2
        assert not (tmp_path / "b").exists()


class TestExistingBundle:
    def test_is_not_overwritten_without_force(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        assert export(run, out).code == 0
        before = {name: (out / name).read_bytes() for name in BUNDLE_FILES}
        r = export(run, out, id="second", mode="enforce", max_age="604800")
        assert r.code == 2
        assert "--force" in r.err
        assert {name: (out / name).read_bytes() for name in BUNDLE_FILES} == before

    def test_is_replaced_with_force(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        assert export(run, out).code == 0
        r = export(run, out, "--force", id="second", mode="enforce", max_age="604800")
        assert r.code == 0, r.err
        assert json.loads((out / "bundle.json").read_text())["policy_id"] == "second"
        policy = (out / "mta-sts.example.com/.well-known/mta-sts.txt").read_bytes()
        assert b"mode: enforce\r\n" in policy
        assert files_under(out) == BUNDLE_FILES


class TestUnwritableFolder:
    def test_fails_with_a_clear_message_and_no_traceback(self, run: Run, tmp_path: Path) -> None:
        if os.geteuid() == 0:
            # root ignores permission bits: a path below a regular file cannot be created either.
            blocker = tmp_path / "file.txt"
            blocker.write_text("not a folder")
            out = blocker / "sub"
        else:
            parent = tmp_path / "locked"
            parent.mkdir()
            parent.chmod(0o500)
            out = parent / "bundle"
        try:
            r = export(run, out)
        finally:
            if os.geteuid() != 0:
                (tmp_path / "locked").chmod(0o700)
        assert r.code != 0
        assert "could not write the bundle" in r.err
        assert "Traceback" not in r.err
        assert not out.exists()

    def test_out_that_is_a_file_is_refused(self, run: Run, tmp_path: Path) -> None:
        target = tmp_path / "bundle"
        target.write_text("x")
        r = export(run, target)
        assert r.code != 0
        assert "not a folder" in r.err
        assert target.read_text() == "x"


class TestOnlyInsideOut:
    def test_a_folder_with_other_files_needs_force_and_keeps_them(
        self, run: Run, tmp_path: Path
    ) -> None:
        (tmp_path / "notes.txt").write_text("mine")
        r = export(run, tmp_path)
        assert r.code == 2
        assert "not from a bundle" in r.err and "--force" in r.err
        assert files_under(tmp_path) == {"notes.txt"}
        assert export(run, tmp_path, "--force").code == 0
        assert files_under(tmp_path) == BUNDLE_FILES | {"notes.txt"}

    def test_a_symlink_inside_out_is_refused(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        assert export(run, out).code == 0
        outside = tmp_path / "outside"
        outside.mkdir()
        for f in (out / "dns").iterdir():
            f.unlink()
        (out / "dns").rmdir()
        (out / "dns").symlink_to(outside)
        r = export(run, out, "--force", id="second")
        assert r.code == 1
        assert "symlink" in r.err
        assert list(outside.iterdir()) == []
        assert json.loads((out / "bundle.json").read_text())["policy_id"] == "20260302T101500Z"

    def test_nothing_is_left_beside_the_folder(self, run: Run, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        assert export(run, out).code == 0
        assert export(run, out, "--force", id="second").code == 0
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]
        assert not [p for p in out.rglob(".mtasts-*")]

    def test_a_242_character_domain_gets_a_shorter_folder(self, run: Run, tmp_path: Path) -> None:
        # 242: the longest domain under which _smtp._tls.<domain> still fits in 253 characters.
        domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 45, "test"])
        assert len(domain) == 242
        out = tmp_path / "bundle"
        r = export(run, out, domain=domain, mx=["mail.example.net"])
        assert r.code == 0, r.err
        manifest = json.loads((out / "bundle.json").read_text())
        assert manifest["policy_folder"] != f"mta-sts.{domain}"
        assert (out / manifest["policy_folder"] / ".well-known" / "mta-sts.txt").is_file()
        assert manifest["policy_folder"] in (out / "CHECKLIST.md").read_text()


class TestInterruptedWrite:
    def test_ctrl_c_while_staging_removes_the_staging_folder_and_the_new_parents(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The staging folder of a new bundle sits in its new parent: both must go."""
        import mtasts_tui.fs.bundle as export_module

        real_stage = export_module._stage

        def stage_then_interrupt(staging: Path, files: dict[str, str]) -> None:
            real_stage(staging, files)
            raise KeyboardInterrupt

        monkeypatch.setattr(export_module, "_stage", stage_then_interrupt)
        out = tmp_path / "site" / "deeper" / "bundle"
        with pytest.raises(KeyboardInterrupt):
            export_module.write_bundle(out, {"CHECKLIST.md": "x\n", "dns/a.zone": "y\n"})
        assert list(tmp_path.iterdir()) == []
