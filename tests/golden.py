"""Compare a value with a golden JSON file, or rewrite the file when a change is intended.

Run with UPDATE_GOLDEN=1 to rewrite the golden files from the current output, then read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def updating() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def assert_matches_golden(value: Any, path: Path) -> None:
    """Assert that value equals the JSON in path (or, with UPDATE_GOLDEN=1, write it there)."""
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(value), encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run the tests with UPDATE_GOLDEN=1 to write it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    # Compare through JSON so tuples and lists, and dates and strings, meet on equal terms.
    assert json.loads(dumps(value)) == expected, (
        f"the output differs from {path.name}; if the change is intended, "
        "rerun with UPDATE_GOLDEN=1"
    )
