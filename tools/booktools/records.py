"""Recorded outputs of the chapters that need a GPU.

A chapter declares in its front matter that it needs a GPU::

    dlbook:
      gpu: true

Its *record* in ``gpu-records/`` is the executed notebook (``<stem>.ipynb``)
and its provenance (``<stem>.json``): GPU model, torch and CUDA versions, date,
wall time, and the fingerprints of what the outputs depend on (the chapter's
code cells, the ``dlbook`` package, the pinned requirements; see
:mod:`booktools.fingerprint`). A record is *fresh* while all three match the
sources, and only then stands in for executing the chapter.

Recording is three steps, which may run on different machines when the GPU
machine lacks the book's build tools: :func:`export` writes each chapter as the
notebook the build reads, with its fingerprints; :func:`execute` runs exported
notebooks (it needs only torch, nbformat, nbclient and a Jupyter kernel);
:func:`import_records` checks that the fingerprints still match the sources and
copies the results into ``gpu-records/``. ``python -m
booktools.commands.gpu_records`` is the command line; the Sphinx extension
(:mod:`booktools.sphinx.execution`) puts fresh records into the execution cache
before the build reads the chapters.
"""

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from booktools.book import (
    RECORDS,
    BookError,
    gpu_chapters,
    needs_gpu,
    read_chapter_notebook,
    write_atomic,
)
from booktools.fingerprint import DESCRIPTIONS, code_cells, components

# What myst-nb's glue() prefixes to the data of a value glued with
# display=False: such outputs are kept out of the page.
HIDDEN_GLUE = "application/papermill.record/"
# The glue name under which a record's provenance travels with its outputs,
# so a page can tell whether what it rendered came from the record.
PROVENANCE_GLUE = "dlbook-gpu-record"


@dataclass(frozen=True)
class Status:
    """Whether a GPU chapter's record can stand in for executing it."""

    chapter: str  # docname, as in _toc.yml
    state: str  # "fresh", "stale" or "missing"
    reasons: tuple[str, ...]
    provenance: dict | None

    @property
    def fresh(self) -> bool:
        return self.state == "fresh"

    def describe(self) -> str:
        if self.fresh:
            p = self.provenance
            return f"recorded on {p['gpu']} on {p['date']}"
        return "; ".join(self.reasons)


def stem(chapter: str) -> str:
    """The file name stem of a chapter's record."""
    return chapter.replace("/", "__")


def record_paths(root: Path, chapter: str) -> tuple[Path, Path]:
    """The record's executed notebook and its provenance."""
    base = root / RECORDS / stem(chapter)
    return base.with_suffix(".ipynb"), base.with_suffix(".json")


def chapter_of(root: Path, record_stem: str) -> str:
    """The GPU chapter whose record file stem is ``record_stem``."""
    for chapter in gpu_chapters(root):
        if stem(chapter) == record_stem:
            return chapter
    raise BookError(
        f"{record_stem} names no GPU chapter of the book in {root / '_toc.yml'}"
    )


def fingerprints(root: Path, chapter: str) -> dict[str, str]:
    """sha256 of what a chapter's outputs depend on, one per component."""
    notebook = read_chapter_notebook(root, chapter)
    return {"code_cells": code_cells(notebook), **components(root, notebook)}


def status(root: Path, chapter: str) -> Status:
    """Compare a chapter's record, if any, with the current sources."""
    notebook_path, provenance_path = record_paths(root, chapter)
    if not (notebook_path.is_file() and provenance_path.is_file()):
        return Status(chapter, "missing", (f"no record in {RECORDS}/",), None)
    provenance = json.loads(provenance_path.read_text())
    recorded = provenance.get("fingerprints", {})
    changed = tuple(
        f"{DESCRIPTIONS[key]} changed since the record"
        for key, value in fingerprints(root, chapter).items()
        if recorded.get(key) != value
    )
    return Status(chapter, "stale" if changed else "fresh", changed, provenance)


# Outputs ------------------------------------------------------------------


def cell_outputs(notebook) -> list[list[dict]]:
    """Each code cell's outputs, hidden glue included, without execution
    counts: what two notebooks must share to render the same page."""
    return [
        [
            {k: v for k, v in output.items() if k != "execution_count"}
            for output in cell.get("outputs", [])
        ]
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def with_recorded_outputs(notebook, recorded):
    """``notebook`` (the chapter as the build reads it now) with the outputs of
    the ``recorded`` one, code cell by code cell.

    jupyter-cache finds a chapter's outputs by a hash of its code cells' sources
    *and metadata*, so the record is cached with today's cell metadata (tags,
    options) rather than its own, which also holds the kernel's execution times;
    a change of tags alone then keeps using the record, as it keeps it fresh.
    """
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    outputs = [c for c in recorded.cells if c.cell_type == "code"]
    if [c.source for c in cells] != [c.source for c in outputs]:
        raise ValueError("the record's code cells differ from the chapter's")
    for cell, done in zip(cells, outputs, strict=True):
        cell.outputs = done.outputs
        cell.execution_count = done.execution_count
    notebook.metadata = nbformat.from_dict({**recorded.metadata, **notebook.metadata})
    return notebook


def recorded_notebook(root: Path, chapter: str):
    """The chapter as the build reads it, with its record's outputs and, glued
    into its first code cell (``display=False``, as :func:`myst_nb.glue` does),
    the record's provenance."""
    notebook_path, provenance_path = record_paths(root, chapter)
    notebook = with_recorded_outputs(
        read_chapter_notebook(root, chapter), nbformat.read(notebook_path, 4)
    )
    provenance = json.loads(provenance_path.read_text())
    marker = nbformat.v4.new_output(
        "display_data",
        # JSON as text: nbformat allows structured data only under JSON types.
        data={HIDDEN_GLUE + "text/plain": json.dumps(provenance)},
        metadata={"scrapbook": {"name": PROVENANCE_GLUE, "mime_prefix": HIDDEN_GLUE}},
    )
    first = next(c for c in notebook.cells if c.cell_type == "code")
    first.outputs = [*first.outputs, marker]
    return notebook


# Recording: export, execute, import ----------------------------------------


def export(root: Path, chapters: list[str], folder: Path) -> None:
    """Write each chapter as the notebook the build reads, with its fingerprints,
    to ``folder`` (``<stem>.ipynb`` and ``<stem>.json``)."""
    for chapter in chapters:
        path = root / f"{chapter}.md"
        if not path.is_file() or not needs_gpu(path):
            raise BookError(
                f"{chapter} is not a GPU chapter: no {path.name} declaring"
                " `dlbook: {gpu: true}`; run `check` to list them"
            )
        base = folder / stem(chapter)
        notebook = read_chapter_notebook(root, chapter)
        write_atomic(base.with_suffix(".ipynb"), nbformat.writes(notebook))
        exported = {"chapter": chapter, "fingerprints": fingerprints(root, chapter)}
        write_atomic(base.with_suffix(".json"), json.dumps(exported, indent=2) + "\n")
        print(f"exported {chapter} to {base.with_suffix('.ipynb')}")


def gpu_environment() -> dict:
    """The GPU and the versions a record names."""
    import torch

    return {
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
    }


def _exported(folder: Path, chapters: list[str] | None) -> list[Path]:
    """The provenance files in ``folder`` of ``chapters`` (default: all)."""
    exported = sorted(folder.glob("*.json"))
    if not chapters:
        return exported
    wanted = {stem(c) for c in chapters}
    missing = wanted - {p.stem for p in exported}
    if missing:
        raise BookError(
            f"not exported to {folder}: {', '.join(sorted(missing))};"
            " run `export` first"
        )
    return [p for p in exported if p.stem in wanted]


def execute_one(
    root: Path, meta_path: Path, out: Path, provenance: dict, *, timeout: int, env
) -> float:
    """Execute one exported notebook and write it, with its provenance, to
    ``out``; returns the seconds it took."""
    from nbclient import NotebookClient

    meta = json.loads(meta_path.read_text())
    notebook = nbformat.read(meta_path.with_suffix(".ipynb"), as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        # Each chapter runs in its own folder, as in the build.
        resources={"metadata": {"path": str((root / meta["chapter"]).parent)}},
    ).execute(env=env)
    seconds = time.perf_counter() - start
    provenance = {
        **provenance,
        "date": dt.date.today().isoformat(),
        "wall_seconds": round(seconds, 1),
        "fingerprints": meta["fingerprints"],
    }
    base = out / meta_path.stem
    write_atomic(base.with_suffix(".ipynb"), nbformat.writes(notebook))
    write_atomic(base.with_suffix(".json"), json.dumps(provenance, indent=2) + "\n")
    return seconds


def execute(
    root: Path,
    folder: Path,
    out: Path,
    chapters: list[str] | None = None,
    *,
    sharing: int = 0,
    timeout: int = 3600,
    env: dict | None = None,
) -> list[str]:
    """Execute the notebooks :func:`export` wrote to ``folder`` (CUDA required)
    and write them, with their provenance, to ``out``.

    ``sharing`` is how many other chapters executed on the same GPU at the same
    time; it is part of the provenance, because it slows the chapter's timings.
    ``env`` is the kernel's environment (default: this process's). Returns the
    chapters executed.
    """
    import torch

    if not torch.cuda.is_available():
        raise BookError(
            "executing GPU chapters needs a CUDA GPU:"
            " torch.cuda.is_available() is False"
        )
    environment = {**gpu_environment(), "gpu_shared_with": sharing}
    done = []
    for meta_path in _exported(folder, chapters):
        chapter = json.loads(meta_path.read_text())["chapter"]
        print(f"executing {chapter} on {environment['gpu']}", flush=True)
        seconds = execute_one(
            root, meta_path, out, environment, timeout=timeout, env=env
        )
        print(f"  {seconds:.0f} s, written to {out / meta_path.stem}.ipynb", flush=True)
        done.append(chapter)
    return done


def import_records(root: Path, folder: Path) -> list[str]:
    """Copy what :func:`execute` wrote to ``folder`` into ``gpu-records/``,
    refusing every chapter whose sources changed since it was exported."""
    provenances = sorted(folder.glob("*.json"))
    if not provenances:
        raise BookError(f"no executed chapters in {folder}: run `execute` first")
    chapters = {path: chapter_of(root, path.stem) for path in provenances}
    stale = [
        chapter
        for path, chapter in chapters.items()
        if json.loads(path.read_text())["fingerprints"] != fingerprints(root, chapter)
    ]
    if stale:
        raise BookError(
            "the sources changed since these chapters were exported, so their"
            f" outputs would not match them: {', '.join(stale)}; export and"
            " execute them again"
        )
    for path, chapter in chapters.items():
        notebook_path, provenance_path = record_paths(root, chapter)
        write_atomic(notebook_path, path.with_suffix(".ipynb").read_text())
        write_atomic(provenance_path, path.read_text())
        print(f"imported {chapter} into {notebook_path.relative_to(root)}")
    return list(chapters.values())


def record(root: Path, chapters: list[str], timeout: int = 3600) -> list[str]:
    """Export, execute (CUDA required) and import ``chapters`` on this machine."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gpu-records-") as tmp:
        exported, executed = Path(tmp) / "exported", Path(tmp) / "executed"
        export(root, chapters, exported)
        execute(root, exported, executed, timeout=timeout)
        return import_records(root, executed)
