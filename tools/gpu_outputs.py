"""Chapters that need a GPU: record their outputs on one, reuse them on CPU builds.

A chapter declares in its front matter that it needs a GPU::

    dlbook:
      gpu: true

On a machine with CUDA, ``record`` (``make gpu-outputs``) executes every such
chapter and stores the executed notebook in ``gpu-records/`` with its provenance:
GPU model, torch and CUDA versions, date, wall time, and the fingerprints of
everything the outputs depend on (the chapter's code cells, the ``dlbook``
package, the pinned requirements).

Before every build, ``prepare`` puts each *fresh* record into the execution
cache, so the build renders the recorded outputs instead of executing the
chapter. A chapter whose record is missing or stale executes on the build
machine; on a CPU it runs the reduced "CPU preview" configuration it declares
itself (it checks ``torch.cuda.is_available()``). ``DLBOOK_GPU_STRICT=1`` turns a
missing or stale record into an error, for publishing. ``check``
(``make gpu-check``) reports each GPU chapter as fresh, stale or missing, and why.
The Sphinx extension in this module puts the provenance, or the preview notice,
at the top of each GPU chapter's page.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
RECORDS = "gpu-records"
STRICT_ENV = "DLBOOK_GPU_STRICT"
PACKAGE = ("code/dlbook", "code/pyproject.toml")
REQUIREMENTS = ("requirements.txt", "requirements-lock.txt")
_IGNORED = {"__pycache__", ".pytest_cache", ".ruff_cache"}


@dataclass(frozen=True)
class Status:
    """Whether a GPU chapter's record can stand in for executing it."""

    chapter: str  # path without suffix, as in _toc.yml
    state: str  # "fresh", "stale" or "missing"
    reasons: tuple[str, ...]
    provenance: dict | None

    @property
    def fresh(self) -> bool:
        return self.state == "fresh"


def _front_matter(text: str) -> dict:
    if not text.startswith("---\n"):
        return {}
    end = text.index("\n---", 4)
    return yaml.safe_load(text[4:end]) or {}


def needs_gpu(path: Path) -> bool:
    """True if the chapter's front matter says ``dlbook: {gpu: true}``."""
    meta = _front_matter(path.read_text())
    return bool((meta.get("dlbook") or {}).get("gpu"))


def toc_chapters(root: Path) -> list[str]:
    """Every file listed in ``_toc.yml``, without suffix."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", [toc]):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


def gpu_chapters(root: Path) -> list[str]:
    """The chapters in the book that declare they need a GPU."""
    return [c for c in toc_chapters(root) if needs_gpu(root / f"{c}.md")]


def read_notebook(root: Path, path: Path):
    """The notebook the book's build makes of a MyST chapter (myst-nb's reader,
    with the book's MyST extensions), so that its code cells hash as the
    build's do."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    config = yaml.safe_load((root / "_config.yml").read_text())
    extensions = config.get("parse", {}).get("myst_enable_extensions", [])
    return read_myst_markdown_notebook(
        path.read_text(), MdParserConfig(enable_extensions=set(extensions)), path=path
    )


def _hash_files(root: Path, names) -> str:
    digest = hashlib.sha256()
    for name in names:
        path = root / name
        files = (
            sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not _IGNORED & set(p.parts)
            )
            if path.is_dir()
            else [path]
        )
        for file in files:
            if file.is_file():
                digest.update(file.relative_to(root).as_posix().encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprints(root: Path, chapter: str) -> dict[str, str]:
    """sha256 of what a chapter's outputs depend on, one per component."""
    notebook = read_notebook(root, root / f"{chapter}.md")
    cells = hashlib.sha256()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cells.update(cell.source.encode() + b"\0")
    return {
        "code_cells": cells.hexdigest(),
        "dlbook": _hash_files(root, PACKAGE),
        "requirements": _hash_files(root, REQUIREMENTS),
    }


def _record_paths(root: Path, chapter: str) -> tuple[Path, Path]:
    stem = root / RECORDS / chapter.replace("/", "__")
    return stem.with_suffix(".ipynb"), stem.with_suffix(".json")


def status(root: Path, chapter: str) -> Status:
    """Compare a chapter's record, if any, with the current sources."""
    notebook_path, provenance_path = _record_paths(root, chapter)
    if not (notebook_path.is_file() and provenance_path.is_file()):
        return Status(chapter, "missing", ("no record in gpu-records/",), None)
    provenance = json.loads(provenance_path.read_text())
    recorded = provenance.get("fingerprints", {})
    current = fingerprints(root, chapter)
    names = {
        "code_cells": "the chapter's code cells",
        "dlbook": "the dlbook package",
        "requirements": "the pinned requirements",
    }
    changed = tuple(
        f"{names[key]} changed since the record"
        for key in current
        if recorded.get(key) != current[key]
    )
    return Status(chapter, "stale" if changed else "fresh", changed, provenance)


def _environment() -> dict:
    import torch

    return {
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
    }


def record(root: Path, chapters: list[str], timeout: int = 3600) -> None:
    """Execute ``chapters`` here (CUDA required) and write their records."""
    import torch
    from nbclient import NotebookClient

    if not torch.cuda.is_available():
        raise SystemExit(
            "gpu-outputs needs a CUDA GPU: torch.cuda.is_available() is False"
        )
    for chapter in chapters:
        path = root / f"{chapter}.md"
        notebook = read_notebook(root, path)
        print(f"recording {chapter} on {torch.cuda.get_device_name(0)}", flush=True)
        start = time.perf_counter()
        NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
        seconds = time.perf_counter() - start
        provenance = {
            **_environment(),
            "date": dt.date.today().isoformat(),
            "wall_seconds": round(seconds, 1),
            "fingerprints": fingerprints(root, chapter),
        }
        notebook_path, provenance_path = _record_paths(root, chapter)
        notebook_path.parent.mkdir(exist_ok=True)
        for target, text in (
            (notebook_path, nbformat.writes(notebook)),
            (provenance_path, json.dumps(provenance, indent=2) + "\n"),
        ):
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.write_text(text)
            tmp.replace(target)
        print(f"  {seconds:.0f} s, recorded in {notebook_path.relative_to(root)}")


def prepare(root: Path, cache_dir: Path, strict: bool = False) -> list[Status]:
    """Put every fresh record into the execution cache; report the others.

    With ``strict``, a missing or stale record raises ``SystemExit``.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    statuses = [status(root, chapter) for chapter in gpu_chapters(root)]
    problems = [s for s in statuses if not s.fresh]
    if strict and problems:
        lines = [f"  {s.chapter}: {s.state} ({'; '.join(s.reasons)})" for s in problems]
        raise SystemExit(
            f"{STRICT_ENV} is set and GPU records are not fresh:\n"
            + "\n".join(lines)
            + "\nrun `make gpu-outputs` on a CUDA machine and commit gpu-records/"
        )
    cache = get_cache(str(cache_dir)) if statuses else None
    for s in statuses:
        if s.fresh:
            notebook_path, _ = _record_paths(root, s.chapter)
            executed = nbformat.read(notebook_path, as_version=4)
            cache.cache_notebook_bundle(
                CacheBundleIn(nb=executed, uri=str(root / f"{s.chapter}.md")),
                check_validity=False,
                overwrite=True,
            )
            print(f"gpu outputs: {s.chapter} uses its record ({s.provenance['gpu']})")
        else:
            reasons = "; ".join(s.reasons)
            print(
                f"gpu outputs: {s.chapter} {s.state}, runs its CPU preview ({reasons})"
            )
    return statuses


def notice(s: Status) -> str:
    """The note shown at the top of a GPU chapter's page."""
    if s.fresh:
        p = s.provenance
        return (
            f"Outputs recorded on {p['gpu']} on {p['date']} in"
            f" {p['wall_seconds']:.0f} s (torch {p['torch']}, CUDA {p['cuda']}),"
            " and reused while this chapter's code, the `dlbook` package and the"
            " pinned requirements are unchanged."
        )
    return (
        "**CPU preview.** This chapter needs a GPU for its full configuration, and"
        f" its recorded GPU outputs are {s.state} ({'; '.join(s.reasons)}). What you"
        " see ran on the build machine's CPU in the reduced configuration the chapter"
        " declares (smaller images, fewer epochs, fewer models), so its numbers are"
        " not the full experiment's."
    )


def _insert_notice(app, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".md" or not needs_gpu(path):
        return
    text = source[0]
    lines = text.split("\n")
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if title is None:
        return
    chapter = docname
    note = f"\n:::{{important}}\n{notice(status(Path(app.srcdir), chapter))}\n:::\n"
    lines.insert(title + 1, note)
    source[0] = "\n".join(lines)


def setup(app):
    """Sphinx extension: the provenance or preview notice on GPU chapters."""
    app.connect("source-read", _insert_notice)
    return {"version": "1.0", "parallel_read_safe": True}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Record and reuse GPU chapters' outputs."
    )
    parser.add_argument("command", choices=["check", "record", "prepare"])
    parser.add_argument("chapters", nargs="*", help="default: every GPU chapter")
    parser.add_argument("--root", default=str(ROOT))
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    if args.command == "record":
        record(root, args.chapters or gpu_chapters(root))
    elif args.command == "prepare":
        strict = os.environ.get(STRICT_ENV, "") not in ("", "0")
        prepare(root, root / "_build" / ".jupyter_cache", strict=strict)
    else:
        chapters = args.chapters or gpu_chapters(root)
        if not chapters:
            print("no chapter declares `dlbook: {gpu: true}`")
        for chapter in chapters:
            s = status(root, chapter)
            detail = (
                "; ".join(s.reasons)
                if s.reasons
                else (f"recorded on {s.provenance['gpu']} on {s.provenance['date']}")
            )
            print(f"{s.state:8s} {chapter}: {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
