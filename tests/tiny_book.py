"""Throw-away books built with the real configuration, for tests of the build."""

import shutil
import subprocess
import textwrap
from pathlib import Path

import yaml

from booktools.book import ROOT, jupyter_book_build

HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

"""


def code_cell(source: str, tags: str = "") -> str:
    options = f"---\ntags: [{tags}]\n---\n" if tags else ""
    return f"```{{code-cell}} ipython3\n{options}{source}\n```\n"


def write_book(root: Path, pages: dict[str, str], header: str = HEADER) -> None:
    """Lay out ``pages`` (name -> body; the first is the root) in ``root`` with
    the book's `_config.yml` (unless the test wrote one) and `references.bib`."""
    for name in ("_config.yml", "references.bib", "book/favicon.svg"):
        if name == "_config.yml" and (root / name).exists():
            continue
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    names = list(pages)
    toc = {"format": "jb-book", "root": names[0]}
    if len(names) > 1:
        toc["chapters"] = [{"file": name} for name in names[1:]]
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    for name, body in pages.items():
        path = root / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        title = f"# {Path(name).name}\n\n"
        path.write_text(header + title + textwrap.dedent(body))


def build_book(
    root: Path, pages: dict[str, str], header: str = HEADER
) -> subprocess.CompletedProcess:
    """Build ``pages`` strictly in ``root``, as `make book` builds the book
    (the same flags, the same installed extension)."""
    write_book(root, pages, header)
    return jupyter_book_build(root, capture_output=True, text=True, timeout=600)
