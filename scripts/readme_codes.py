"""Rewrite README.md's finding-code table from the registry in mtasts_tui/core/codes.py.

python scripts/readme_codes.py          # rewrite the table in place
python scripts/readme_codes.py --check  # exit 1 when README.md is out of date
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtasts_tui.core.codes import readme_with_table

README = Path(__file__).resolve().parents[1] / "README.md"


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = readme_with_table(current)
    if "--check" in argv:
        if wanted != current:
            print("README.md's finding-code table is out of date: run scripts/readme_codes.py")
            return 1
        return 0
    if wanted != current:
        temp = README.with_suffix(".md.tmp")
        temp.write_text(wanted, encoding="utf-8")
        os.replace(temp, README)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
