"""Path completion for the reports input."""

from __future__ import annotations

from pathlib import Path

from mtasts_tui.tui.path_suggester import complete_path


def test_a_folder_completes_with_a_trailing_slash(tmp_path: Path) -> None:
    (tmp_path / "reports-2026").mkdir()
    assert complete_path(str(tmp_path / "rep")) == str(tmp_path / "reports-2026") + "/"


def test_a_file_completes_without_a_slash(tmp_path: Path) -> None:
    (tmp_path / "r1.json.gz").write_bytes(b"")
    assert complete_path(str(tmp_path / "r1")) == str(tmp_path / "r1.json.gz")


def test_only_the_last_of_several_paths_is_completed(tmp_path: Path) -> None:
    (tmp_path / "mbox").write_bytes(b"")
    typed = f"first.json {tmp_path / 'mb'}"
    assert complete_path(typed) == f"first.json {tmp_path / 'mbox'}"


def test_nothing_to_suggest(tmp_path: Path) -> None:
    assert complete_path(str(tmp_path / "nope")) is None
    assert complete_path("") is None
    assert complete_path(str(tmp_path / "missing-folder" / "x")) is None


def test_hidden_entries_need_a_typed_prefix(tmp_path: Path) -> None:
    (tmp_path / ".hidden").mkdir()
    assert complete_path(str(tmp_path) + "/") is None
    assert complete_path(str(tmp_path / ".h")) == str(tmp_path / ".hidden") + "/"
