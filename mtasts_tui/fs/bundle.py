"""Writing the deploy bundle to disk: all files or none, and only inside the folder named.

The bundle is written into a fresh staging folder next to the target, then moved into place:

- a target folder that does not exist yet is one ``rename`` of the staging folder;
- into an existing folder, every file is moved with ``rename``; a file it replaces is first moved
  aside, and if any step fails every move is undone, so the folder holds the old bundle or the
  new one, never a mix of their ids.

Paths inside the target are walked one component at a time with ``O_NOFOLLOW`` directory
descriptors, so a symlink planted in the folder (``dns -> ../outside``) is refused, never
followed. Whatever goes wrong (full disk, permission denied, a name too long, a folder where a
file must go), nothing is left behind: no half-written files, no staging folder, no empty folders.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_SHOWN = 200
"""Characters of a path quoted in a message (a hostile --out must not flood the terminal)."""


class ExportError(Exception):
    """The bundle could not be written; the message says why and what to do."""


class BundleExistsError(ExportError):
    """The folder already holds files (a bundle or others) and ``force`` was not given."""


class UnsafePathError(ExportError):
    """A symlink, or something that is not a folder, stands where the bundle must write."""


def _shown(path: Path | str) -> str:
    text = str(path)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + f"… ({len(text):,} characters)"


def _parts(rel: str) -> tuple[str, ...]:
    parts = PurePosixPath(rel).parts
    if (
        not parts
        or PurePosixPath(rel).is_absolute()
        or any(p in ("", ".", "..") for p in parts)
        or "\\" in rel
    ):
        raise ExportError(f"refusing to write outside the export folder: {_shown(rel)}")
    return parts


def existing_files(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """The bundle files already present in ``out_dir`` (without following symlinks)."""
    return [out_dir / rel for rel in files if os.path.lexists(out_dir / rel)]


def _entries(out_dir: Path) -> list[str]:
    try:
        with os.scandir(out_dir) as it:
            return sorted(e.name for e in it)
    except FileNotFoundError:
        return []


def _check_targets(root_fd: int, out_dir: Path, files: Mapping[str, str]) -> None:
    """Refuse symlinks and wrong file types on every path the bundle will write."""
    for rel in files:
        parts = _parts(rel)
        fd = os.dup(root_fd)
        try:
            for i, name in enumerate(parts):
                last = i == len(parts) - 1
                where = out_dir.joinpath(*parts[: i + 1])
                try:
                    st = os.lstat(name, dir_fd=fd)
                except FileNotFoundError:
                    break
                if stat.S_ISLNK(st.st_mode):
                    raise UnsafePathError(
                        f"{_shown(where)} is a symlink; the bundle never follows symlinks out of "
                        "the export folder. Remove it or choose another folder."
                    )
                if last:
                    if not stat.S_ISREG(st.st_mode):
                        raise UnsafePathError(
                            f"{_shown(where)} is a folder or special file where the bundle writes "
                            "a file; move it away or choose another folder."
                        )
                    continue
                if not stat.S_ISDIR(st.st_mode):
                    raise UnsafePathError(
                        f"{_shown(where)} is a file where the bundle needs a folder; move it away "
                        "or choose another folder."
                    )
                new_fd = os.open(name, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = new_fd
        finally:
            os.close(fd)


def _stage(staging: Path, files: Mapping[str, str]) -> None:
    """Write every file into the private staging folder, flushed to disk."""
    for rel, content in files.items():
        target = staging.joinpath(*_parts(rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        # newline="" keeps the policy's CRLF exactly as rendered.
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    os.chmod(staging, 0o755)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Move:
    """Moves staged files into an existing folder; :meth:`undo` puts everything back."""

    def __init__(self, root_fd: int, stage_fd: int, backup_fd: int) -> None:
        self.root_fd = root_fd
        self.stage_fd = stage_fd
        self.backup_fd = backup_fd
        self.fds: list[int] = []
        self.created: list[tuple[int, str]] = []
        """(parent fd, name) of folders made in the target, oldest first."""
        self.moved: list[tuple[int, int, str, str | None]] = []
        """(target parent fd, staging parent fd, name, backup name) per file moved in."""

    def _dir(self, base_fd: int, parts: tuple[str, ...], *, create: bool) -> int:
        fd = base_fd
        for name in parts:
            try:
                new_fd = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(name, 0o755, dir_fd=fd)
                self.created.append((fd, name))
                new_fd = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # swapped in since the check
                    raise UnsafePathError(
                        f"{_shown(name)} became a symlink or file while the bundle was written; "
                        "nothing was changed."
                    ) from exc
                raise
            self.fds.append(new_fd)
            fd = new_fd
        return fd

    def file(self, rel: str) -> None:
        parts = _parts(rel)
        dst = self._dir(self.root_fd, parts[:-1], create=True)
        src = self._dir(self.stage_fd, parts[:-1], create=False)
        name = parts[-1]
        backup: str | None = None
        try:
            st = os.lstat(name, dir_fd=dst)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(st.st_mode):
                raise UnsafePathError(f"{_shown(rel)} is no longer a regular file; not replaced.")
            backup = str(len(self.moved))
            os.rename(name, backup, src_dir_fd=dst, dst_dir_fd=self.backup_fd)
        try:
            os.rename(name, name, src_dir_fd=src, dst_dir_fd=dst)
        except BaseException:
            if backup is not None:
                os.rename(backup, name, src_dir_fd=self.backup_fd, dst_dir_fd=dst)
            raise
        self.moved.append((dst, src, name, backup))

    def undo(self) -> None:
        for dst, src, name, backup in reversed(self.moved):
            try:
                os.rename(name, name, src_dir_fd=dst, dst_dir_fd=src)
            except OSError:
                try:
                    os.unlink(name, dir_fd=dst)
                except OSError:
                    pass
            if backup is not None:
                try:
                    os.rename(backup, name, src_dir_fd=self.backup_fd, dst_dir_fd=dst)
                except OSError:
                    pass
        self.moved.clear()
        for parent, name in reversed(self.created):
            try:
                os.rmdir(name, dir_fd=parent)
            except OSError:
                pass
        self.created.clear()

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds.clear()


def _missing_parents(parent: Path) -> list[Path]:
    """``parent`` and its ancestors that do not exist yet, deepest first."""
    missing: list[Path] = []
    p = parent
    while not os.path.lexists(p):
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    return missing


def write_bundle(out_dir: Path, files: Mapping[str, str], *, force: bool = False) -> list[Path]:
    """Write ``files`` (relative path → text) under ``out_dir`` and return the paths written.

    All or nothing (see the module docstring). Without ``force``, a folder that already holds
    anything — a previous bundle or other files — is left untouched.
    """
    for rel in files:
        _parts(rel)
    try:
        exists = _check_out_dir(out_dir, files, force=force)
    except OSError as exc:
        raise ExportError(
            f"cannot use {_shown(out_dir)}: {exc.strerror or exc}. Nothing was written."
        ) from exc
    return _write(out_dir, files, exists=exists)


def _check_out_dir(out_dir: Path, files: Mapping[str, str], *, force: bool) -> bool:
    """Whether ``out_dir`` exists; refuses a non-folder, and a non-empty one without ``force``."""
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise ExportError(f"{_shown(out_dir)} exists and is not a folder; choose another --out.")
    exists = out_dir.is_dir()
    if exists and not force:
        entries = _entries(out_dir)
        clashes = existing_files(out_dir, files)
        if clashes:
            shown = ", ".join(_shown(p) for p in clashes[:3])
            raise BundleExistsError(
                f"{_shown(out_dir)} already holds a bundle ({shown}); nothing was written. "
                "Pass --force to replace it, or choose another folder."
            )
        if entries:
            shown = ", ".join(_shown(e) for e in entries[:3])
            more = f" and {len(entries) - 3:,} more" if len(entries) > 3 else ""
            raise BundleExistsError(
                f"{_shown(out_dir)} is not empty and holds files that are not from a bundle "
                f"({shown}{more}); nothing was written. Pass --force to write into it anyway, or "
                "choose another folder."
            )
    return exists


def _write(out_dir: Path, files: Mapping[str, str], *, exists: bool) -> list[Path]:
    made_parents: list[Path] = []
    staging: Path | None = None
    backup: Path | None = None
    try:
        parent = out_dir.parent
        # Known before the first mkdir, so an interruption halfway still removes them all.
        made_parents = _missing_parents(parent)
        for folder in reversed(made_parents):
            folder.mkdir()
        # A new folder is staged beside its target and renamed into place; an existing one is
        # staged inside itself, which is surely writable and on the same file system.
        stage_in = out_dir if exists else parent
        staging = Path(tempfile.mkdtemp(prefix=".mtasts-bundle-", suffix=".tmp", dir=stage_in))
        _stage(staging, files)
        if not exists:
            os.rename(staging, out_dir)  # one step: the folder appears complete or not at all
            staging = None
        else:
            root_fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                _check_targets(root_fd, out_dir, files)
                backup = Path(tempfile.mkdtemp(prefix=".mtasts-old-", suffix=".tmp", dir=out_dir))
                stage_fd = os.open(staging, _DIR_FLAGS)
                backup_fd = os.open(backup, _DIR_FLAGS)
                move = _Move(root_fd, stage_fd, backup_fd)
                try:
                    for rel in files:
                        move.file(rel)
                except BaseException:
                    move.undo()
                    raise
                finally:
                    move.close()
                    os.close(stage_fd)
                    os.close(backup_fd)
            finally:
                os.close(root_fd)
        _fsync_dir(out_dir)
        _fsync_dir(parent)
    except UnsafePathError:
        _remove_made(made_parents, staging, backup)
        raise
    except OSError as exc:
        _remove_made(made_parents, staging, backup)
        raise ExportError(
            f"could not write the bundle to {_shown(out_dir)}: {exc.strerror or exc}. "
            "Nothing was changed. Check that the folder is writable, the names are not too "
            "long and the disk is not full."
        ) from exc
    except BaseException:  # Ctrl-C: the staging folder goes, and so do new parents
        _remove_made(made_parents, staging, backup)
        raise
    finally:
        for temp in (staging, backup):
            if temp is not None:
                shutil.rmtree(temp, ignore_errors=True)
    return [out_dir / rel for rel in files]


def _remove_made(made_parents: list[Path], *temps: Path | None) -> None:
    """Undo a failed write: the temporary folders first (the staging folder of a new bundle sits
    in the first made parent, which cannot be removed while it is there), then the parents."""
    for temp in temps:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    for folder in made_parents:  # deepest first
        try:
            folder.rmdir()
        except OSError:
            pass
