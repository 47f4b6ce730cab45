"""Where the built site lives, for the tests marked `site` (`make site-test`)."""

import re
from pathlib import Path

import pytest

from booktools.book import ROOT, build_dir

SITE = build_dir(ROOT) / "html"


def built(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} does not exist: run `make site` first")
    return path


def chapter_title(docname: str) -> str:
    source = (ROOT / f"{docname}.md").read_text()
    return re.search(r"^# (.+)$", source, flags=re.M).group(1).strip()
