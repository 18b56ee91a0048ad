"""The README sends a newcomer only to files a clone of the repository holds."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP = ("grants/", "scoring/", "reports/", "tests/", "docs/", "bench/", "migrations/", ".ci/")


def test_the_readme_names_no_file_outside_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../" not in text, "the README points outside the repository"
    paths = {p for p in re.findall(r"[`(]([\w.-]+(?:/[\w.-]+)+/?)[`)]", text) if p.startswith(TOP)}
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert paths and not missing, f"the README names files the repository lacks: {missing}"
