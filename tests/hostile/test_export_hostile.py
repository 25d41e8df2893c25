"""`export` when the disk, the folder or the input works against it: all or nothing, inside --out.

Every failure leaves the folder exactly as it was (compared file by file, bytes and all), with no
staging folder, no half-written file and no empty folder left behind.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.hostile.bounded import Ran, run_cli

OLD_ID = "20260301T000000Z"
NEW_ID = "20260302T000000Z"


def export(tmp_path: Path, out: Path, *extra: str, **kw: object) -> Ran:
    domain = str(kw.pop("domain", "example.com"))
    policy_id = str(kw.pop("policy_id", NEW_ID))
    args = [
        "export",
        "--domain",
        domain,
        "--mode",
        "testing",
        "--mx",
        f"mail.{domain}" if len(domain) < 240 else "mail.example.net",
        "--max-age",
        "86400",
        "--id",
        policy_id,
        "--out",
        out,
        *extra,
    ]
    return run_cli(args, tmp_path / "run", **kw).within()  # type: ignore[arg-type]


def tree(root: Path) -> dict[str, bytes | str]:
    """Everything under ``root``: files by content, symlinks by target, folders as 'dir'."""
    out: dict[str, bytes | str] = {}
    if not os.path.lexists(root):
        return out
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = path.read_bytes()
    return out


def ids_in(folder: Path) -> set[str]:
    """Every policy id any file of the bundle mentions."""
    found = set()
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_text("utf-8", "replace")
            found |= {i for i in (OLD_ID, NEW_ID) if i in text}
    return found


@pytest.fixture
def old_bundle(tmp_path: Path) -> Path:
    out = tmp_path / "site" / "bundle"
    ran = export(tmp_path, out, policy_id=OLD_ID)
    assert ran.code == 0, ran.err
    return out


class TestAllOrNothing:
    def test_a_full_disk_leaves_no_trace_of_a_new_bundle(self, tmp_path: Path) -> None:
        def small_disk() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

        out = tmp_path / "site" / "bundle"
        before = tree(tmp_path / "site")
        ran = export(tmp_path, out, preexec=small_disk)
        assert ran.code == 1
        assert "Nothing was changed" in ran.err
        assert len(ran.err.splitlines()) == 1
        assert tree(tmp_path / "site") == before  # not even the parent folder stays

    def test_a_full_disk_leaves_the_old_bundle_as_it_was(
        self, tmp_path: Path, old_bundle: Path
    ) -> None:
        def small_disk() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

        before = tree(old_bundle.parent)
        ran = export(tmp_path, old_bundle, "--force", preexec=small_disk)
        assert ran.code == 1
        assert tree(old_bundle.parent) == before
        assert ids_in(old_bundle) == {OLD_ID}

    def test_a_folder_where_a_file_must_go_changes_nothing(
        self, tmp_path: Path, old_bundle: Path
    ) -> None:
        (old_bundle / "dns" / "records.txt").unlink()
        (old_bundle / "dns" / "records.txt").mkdir()
        before = tree(old_bundle.parent)
        ran = export(tmp_path, old_bundle, "--force")
        assert ran.code == 1
        assert "where the bundle writes a file" in ran.err
        assert tree(old_bundle.parent) == before

    def test_a_file_where_a_folder_must_go_changes_nothing(
        self, tmp_path: Path, old_bundle: Path
    ) -> None:
        shutil.rmtree(old_bundle / "hosting")
        (old_bundle / "hosting").write_text("a file")
        before = tree(old_bundle.parent)
        ran = export(tmp_path, old_bundle, "--force")
        assert ran.code == 1
        assert "where the bundle needs a folder" in ran.err
        assert tree(old_bundle.parent) == before

    def test_a_name_too_long_changes_nothing(self, tmp_path: Path) -> None:
        site = tmp_path / "site"
        site.mkdir()
        ran = export(tmp_path, site / ("b" * 300))
        assert ran.code == 1
        assert "too long" in ran.err
        assert len(ran.err) < 700  # the 300-character name is quoted, not repeated at length
        assert tree(site) == {}

    def test_replacing_a_bundle_swaps_every_id_at_once(
        self, tmp_path: Path, old_bundle: Path
    ) -> None:
        ran = export(tmp_path, old_bundle, "--force")
        assert ran.code == 0, ran.err
        assert ids_in(old_bundle) == {NEW_ID}
        assert not [p for p in old_bundle.parent.rglob(".mtasts-*")]


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], None]]:
    """Makes a folder unwritable for this user, root included (``chattr +i``), and undoes it."""
    locked: list[Path] = []

    def lock(path: Path) -> None:
        if os.geteuid() == 0:  # root ignores permission bits, not the immutable attribute
            if shutil.which("chattr") is None:
                pytest.skip("chattr (e2fsprogs) is not installed")
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
            if done.returncode != 0:
                pytest.skip(f"cannot make a folder immutable here: {done.stderr.decode()[:200]}")
        else:
            path.chmod(0o555)
        locked.append(path)

    yield lock
    for path in locked:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
        else:
            path.chmod(0o755)


class TestPermissionDenied:
    def test_a_read_only_subfolder_rolls_every_file_back(
        self, tmp_path: Path, old_bundle: Path, read_only: Callable[[Path], None]
    ) -> None:
        read_only(old_bundle / "hosting")  # files before it in the bundle move in, then one fails
        before = tree(old_bundle.parent)
        ran = export(tmp_path, old_bundle, "--force")
        assert ran.code == 1
        assert "not permitted" in ran.err or "Permission denied" in ran.err
        assert tree(old_bundle.parent) == before
        assert ids_in(old_bundle) == {OLD_ID}

    def test_an_unwritable_parent_leaves_nothing(
        self, tmp_path: Path, read_only: Callable[[Path], None]
    ) -> None:
        locked = tmp_path / "locked"
        locked.mkdir()
        read_only(locked)
        ran = export(tmp_path, locked / "deeper" / "bundle")
        assert ran.code == 1
        assert tree(locked) == {}


class TestSymlinks:
    @pytest.mark.parametrize("link", ["dns", "bundle.json", "mta-sts.example.com/.well-known"])
    def test_a_symlink_out_of_the_folder_is_refused_not_followed(
        self, tmp_path: Path, old_bundle: Path, link: str
    ) -> None:
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "keep.txt").write_text("mine")
        target = old_bundle / link
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        target.symlink_to(outside if link != "bundle.json" else outside / "keep.txt")
        before_out = tree(outside)
        before = tree(old_bundle)
        ran = export(tmp_path, old_bundle, "--force")
        assert ran.code == 1
        assert "symlink" in ran.err
        assert tree(outside) == before_out
        assert tree(old_bundle) == before


class TestLongNames:
    def test_a_253_character_domain_is_refused_since_its_record_names_cannot_exist(
        self, tmp_path: Path
    ) -> None:
        domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 56, "test"])
        assert len(domain) == 253
        out = tmp_path / "bundle"
        ran = export(tmp_path, out, domain=domain)
        assert ran.code == 2
        assert "_mta-sts." in ran.err and "262 characters" in ran.err
        assert not out.exists()

    def test_a_242_character_domain_gets_a_short_folder_recorded_in_the_bundle(
        self, tmp_path: Path
    ) -> None:
        domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 45, "test"])
        assert len(domain) == 242
        out = tmp_path / "bundle"
        ran = export(tmp_path, out, domain=domain)
        assert ran.code == 0, ran.err
        manifest = json.loads((out / "bundle.json").read_text())
        folder = manifest["policy_folder"]
        assert len(folder) <= 200 and folder.startswith("mta-sts.aaaa")
        assert (out / folder / ".well-known" / "mta-sts.txt").is_file()
        assert (out / manifest["zone_file"]).is_file()
        assert f"`{folder}/`" in (out / "CHECKLIST.md").read_text()
        assert all(len(p.name) <= 255 for p in out.rglob("*"))


class TestNonEmptyFolder:
    def test_foreign_files_need_force_and_are_kept(self, tmp_path: Path) -> None:
        out = tmp_path / "bundle"
        out.mkdir()
        (out / "notes.txt").write_text("mine")
        ran = export(tmp_path, out)
        assert ran.code == 2
        assert "--force" in ran.err and "notes.txt" in ran.err
        assert tree(out) == {"notes.txt": b"mine"}
        ran = export(tmp_path, out, "--force")
        assert ran.code == 0, ran.err
        assert (out / "notes.txt").read_text() == "mine"
        assert (out / "bundle.json").is_file()

    def test_an_existing_bundle_needs_force(self, tmp_path: Path, old_bundle: Path) -> None:
        before = tree(old_bundle)
        ran = export(tmp_path, old_bundle)
        assert ran.code == 2
        assert "already holds a bundle" in ran.err
        assert tree(old_bundle) == before
