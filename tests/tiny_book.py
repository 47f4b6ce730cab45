"""Throw-away books built with the real configuration, for tests of the build."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

from preview import ROOT, strict_flags

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


def build_book(
    root: Path, pages: dict[str, str], header: str = HEADER
) -> subprocess.CompletedProcess:
    """Build ``pages`` (name -> body; the first is the root) strictly in ``root``
    with the book's `_config.yml`, `references.bib` and local extensions.

    Chapters record results into ``root/_build/results``.
    """
    # The configuration and the files it names.
    for name in ("_config.yml", "references.bib", "book/favicon.svg"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "tools", root / "tools", dirs_exist_ok=True)
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
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, DLBOOK_RESULTS=str(root / "_build" / "results"))
    return subprocess.run(
        [str(jupyter_book), "build", str(root), *strict_flags()],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
