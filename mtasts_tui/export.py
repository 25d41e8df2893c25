"""Writing the deploy bundle to disk: all files or none, never a half-written one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


class ExportError(Exception):
    """The bundle could not be written; the message says why and what to do."""


class BundleExistsError(ExportError):
    """The folder already holds (part of) a bundle and ``force`` was not given."""


def existing_files(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    return [out_dir / rel for rel in files if (out_dir / rel).exists()]


def write_bundle(out_dir: Path, files: Mapping[str, str], *, force: bool = False) -> list[Path]:
    """Write ``files`` (relative path → text) under ``out_dir`` and return the paths written.

    Every file is first written to a temporary sibling and only then renamed into place, so a
    crash or a full disk leaves either the old file or the new one. Without ``force`` an
    existing bundle is left untouched.
    """
    for rel in files:
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise ExportError(f"refusing to write outside the export folder: {rel}")
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir} exists and is not a folder; choose another --out.")
    clashes = existing_files(out_dir, files)
    if clashes and not force:
        shown = ", ".join(str(p) for p in clashes[:3])
        raise BundleExistsError(
            f"{out_dir} already holds a bundle ({shown}); nothing was written. "
            "Pass --force to replace it, or choose another folder."
        )
    staged: list[tuple[Path, Path]] = []
    try:
        for rel, content in files.items():
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            tmp = Path(tmp_name)
            staged.append((tmp, target))
            # newline="" keeps the policy's CRLF exactly as rendered.
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
        for tmp, target in staged:
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise ExportError(
            f"could not write the bundle to {out_dir}: {exc.strerror or exc}. "
            "Check that the folder is writable and the disk is not full."
        ) from exc
    return [target for _, target in staged]


def atomic_write_text(path: Path, content: str) -> None:
    """Replace ``path`` with ``content`` in one rename (used for drafts and settings)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
