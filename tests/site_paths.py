"""Where the built site lives, for the tests marked `site` (`make site-test`)."""

import re
from pathlib import Path

import pytest

from gpu_outputs import toc_chapters
from publishing import ROOT, chapters, pdf_name

SITE = ROOT / "_build" / "html"


def built(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} does not exist: run `make site` first")
    return path


def chapter_title(docname: str) -> str:
    source = (ROOT / f"{docname}.md").read_text()
    return re.search(r"^# (.+)$", source, flags=re.M).group(1).strip()


def all_pages() -> list[str]:
    """Docnames of every page in the table of contents, root first."""
    return toc_chapters(ROOT)


__all__ = ["SITE", "all_pages", "built", "chapter_title", "chapters", "pdf_name"]
