"""Chapters that need a GPU: record their outputs on one, reuse them on CPU builds.

A chapter declares in its front matter that it needs a GPU::

    dlbook:
      gpu: true

On a machine with CUDA, ``record`` (``make gpu-outputs``) executes every such
chapter and stores the executed notebook in ``gpu-records/`` with its provenance:
GPU model, torch and CUDA versions, date, wall time, and the fingerprints of
everything the outputs depend on (the chapter's code cells, the ``dlbook``
package, the pinned requirements), and the headline results the chapter recorded
(:mod:`dlbook.results`).

``record`` is three steps, which can also run on different machines when the GPU
machine lacks the book's build tools: ``export`` writes each chapter as the
notebook the build reads, with its fingerprints; ``execute`` runs exported
notebooks (it needs only torch, nbformat, nbclient and a Jupyter kernel) and
writes the executed notebooks with their provenance; ``import`` checks that the
fingerprints still match the sources and copies the results into ``gpu-records/``.

Before every build, ``prepare`` puts each *fresh* record into the execution
cache and its results beside the other chapters', so the build renders the
recorded outputs instead of executing the chapter. A chapter whose record is
missing or stale executes on the build machine; on a CPU it runs the reduced
"CPU preview" configuration it declares itself (it checks
``torch.cuda.is_available()``). ``DLBOOK_GPU_STRICT=1`` turns a
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


def _stem(chapter: str) -> str:
    """The file name stem of a chapter's record, as :mod:`dlbook.results` names
    the chapter's results file."""
    return chapter.replace("/", "__")


def _record_paths(root: Path, chapter: str) -> tuple[Path, Path]:
    stem = root / RECORDS / _stem(chapter)
    return stem.with_suffix(".ipynb"), stem.with_suffix(".json")


def _results_path(root: Path, chapter: str) -> Path:
    """The results the chapter recorded while its record was made."""
    return root / RECORDS / f"{_stem(chapter)}.results.json"


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    try:
        tmp.write_text(text)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


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


def export(root: Path, chapters: list[str], folder: Path) -> None:
    """Write each chapter as the notebook the build reads, with its fingerprints,
    to ``folder`` (``<stem>.ipynb`` and ``<stem>.json``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for chapter in chapters:
        path = root / f"{chapter}.md"
        if not path.is_file() or not needs_gpu(path):
            raise SystemExit(
                f"{chapter} is not a GPU chapter: no {path.name} declaring"
                " `dlbook: {gpu: true}`; run `check` to list them"
            )
        stem = folder / _stem(chapter)
        _write_atomic(
            stem.with_suffix(".ipynb"), nbformat.writes(read_notebook(root, path))
        )
        exported = {"chapter": chapter, "fingerprints": fingerprints(root, chapter)}
        _write_atomic(stem.with_suffix(".json"), json.dumps(exported, indent=2) + "\n")
        print(f"exported {chapter} to {stem.with_suffix('.ipynb')}")


def execute(
    root: Path,
    folder: Path,
    out: Path,
    chapters: list[str] | None = None,
    *,
    sharing: int = 0,
    timeout: int = 3600,
) -> list[str]:
    """Execute the notebooks ``export`` wrote to ``folder`` (CUDA required).

    Each chapter runs in its own directory under ``root``, as in the build, and
    ``out`` receives ``<stem>.ipynb`` (executed), ``<stem>.json`` (provenance) and,
    if the chapter recorded any, ``<stem>.results.json``. ``sharing`` is how many
    other chapters executed on the same GPU at the same time; it is part of the
    provenance, because it slows the chapter's timings. Returns the chapters
    executed.
    """
    import torch
    from nbclient import NotebookClient

    if not torch.cuda.is_available():
        raise SystemExit(
            "executing GPU chapters needs a CUDA GPU:"
            " torch.cuda.is_available() is False"
        )
    exported = sorted(folder.glob("*.json"))
    if chapters:
        wanted = {_stem(c) for c in chapters}
        missing = wanted - {p.stem for p in exported}
        if missing:
            raise SystemExit(
                f"not exported to {folder}: {', '.join(sorted(missing))};"
                " run `export` first"
            )
        exported = [p for p in exported if p.stem in wanted]
    environment = _environment()
    done = []
    for meta_path in exported:
        meta = json.loads(meta_path.read_text())
        chapter = meta["chapter"]
        notebook = nbformat.read(meta_path.with_suffix(".ipynb"), as_version=4)
        results = out / f".results-{meta_path.stem}"
        results.mkdir(parents=True, exist_ok=True)
        os.environ["DLBOOK_RESULTS"] = str(results)  # the kernel inherits it
        print(f"executing {chapter} on {environment['gpu']}", flush=True)
        start = time.perf_counter()
        NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str((root / chapter).parent)}},
        ).execute()
        seconds = time.perf_counter() - start
        provenance = {
            **environment,
            "date": dt.date.today().isoformat(),
            "wall_seconds": round(seconds, 1),
            "gpu_shared_with": sharing,
            "fingerprints": meta["fingerprints"],
        }
        stem = out / meta_path.stem
        _write_atomic(stem.with_suffix(".ipynb"), nbformat.writes(notebook))
        recorded = results / f"{meta_path.stem}.json"
        if recorded.is_file():
            _write_atomic(stem.with_suffix(".results.json"), recorded.read_text())
        _write_atomic(
            stem.with_suffix(".json"), json.dumps(provenance, indent=2) + "\n"
        )
        print(f"  {seconds:.0f} s, written to {stem.with_suffix('.ipynb')}", flush=True)
        done.append(chapter)
    return done


def import_records(root: Path, folder: Path) -> list[str]:
    """Copy what ``execute`` wrote to ``folder`` into ``gpu-records/``, refusing
    every chapter whose sources changed since it was exported."""
    provenances = sorted(
        p for p in folder.glob("*.json") if not p.name.endswith(".results.json")
    )
    if not provenances:
        raise SystemExit(f"no executed chapters in {folder}: run `execute` first")
    stale = []
    for path in provenances:
        chapter = toc_chapter(root, path.stem)
        recorded = json.loads(path.read_text())["fingerprints"]
        if recorded != fingerprints(root, chapter):
            stale.append(chapter)
    if stale:
        raise SystemExit(
            "the sources changed since these chapters were exported, so their"
            f" outputs would not match them: {', '.join(stale)}; export and"
            " execute them again"
        )
    imported = []
    for path in provenances:
        chapter = toc_chapter(root, path.stem)
        notebook_path, provenance_path = _record_paths(root, chapter)
        results = path.with_suffix(".results.json")
        _write_atomic(notebook_path, path.with_suffix(".ipynb").read_text())
        if results.is_file():
            _write_atomic(_results_path(root, chapter), results.read_text())
        else:
            _results_path(root, chapter).unlink(missing_ok=True)
        _write_atomic(provenance_path, path.read_text())
        print(f"imported {chapter} into {notebook_path.relative_to(root)}")
        imported.append(chapter)
    return imported


def toc_chapter(root: Path, stem: str) -> str:
    """The GPU chapter whose record file stem is ``stem``."""
    for chapter in gpu_chapters(root):
        if _stem(chapter) == stem:
            return chapter
    raise SystemExit(f"{stem} names no GPU chapter of the book in {root / '_toc.yml'}")


def record(root: Path, chapters: list[str], timeout: int = 3600) -> None:
    """Export, execute (CUDA required) and import ``chapters`` on this machine."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gpu-outputs-") as tmp:
        exported, executed = Path(tmp) / "exported", Path(tmp) / "executed"
        export(root, chapters, exported)
        execute(root, exported, executed, timeout=timeout)
        import_records(root, executed)


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


def prepare(
    root: Path, cache_dir: Path, results_folder: Path, strict: bool = False
) -> list[Status]:
    """Put every fresh record into the execution cache and its results into
    ``results_folder``; report the others.

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
            recorded = _results_path(root, s.chapter)
            if recorded.is_file():
                # What the chapter would have written had it executed here.
                _write_atomic(
                    results_folder / f"{_stem(s.chapter)}.json", recorded.read_text()
                )
            executed = with_recorded_outputs(
                read_notebook(root, root / f"{s.chapter}.md"),
                nbformat.read(notebook_path, as_version=4),
            )
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
        shared = p.get("gpu_shared_with", 0)
        sharing = (
            f", while {shared} other chapter{'s' if shared > 1 else ''} ran on the"
            " same GPU, which slowed its timings"
            if shared
            else ""
        )
        return (
            f"Outputs recorded on {p['gpu']} on {p['date']} in"
            f" {p['wall_seconds']:.0f} s{sharing} (torch {p['torch']}, CUDA"
            f" {p['cuda']}), and reused while this chapter's code, the `dlbook`"
            " package and the pinned requirements are unchanged."
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
    parser.add_argument(
        "command", choices=["check", "record", "prepare", "export", "execute", "import"]
    )
    parser.add_argument("chapters", nargs="*", help="default: every GPU chapter")
    parser.add_argument("--root", default=str(ROOT))
    parser.add_argument(
        "--exported", help="export: the folder to write; execute: the folder to read"
    )
    parser.add_argument(
        "--executed", help="execute: the folder to write; import: the folder to read"
    )
    parser.add_argument(
        "--sharing",
        type=int,
        default=0,
        help="execute: how many other chapters run on the same GPU meanwhile",
    )
    # Intermixed, so that chapters may also follow the options.
    args = parser.parse_intermixed_args(argv)
    root = Path(args.root).resolve()
    needs = {
        "export": ["exported"],
        "execute": ["exported", "executed"],
        "import": ["executed"],
    }
    for option in needs.get(args.command, []):
        if getattr(args, option) is None:
            parser.error(f"{args.command} needs --{option} FOLDER")
    if args.command == "record":
        record(root, args.chapters or gpu_chapters(root))
    elif args.command == "export":
        export(root, args.chapters or gpu_chapters(root), Path(args.exported))
    elif args.command == "execute":
        execute(
            root,
            Path(args.exported),
            Path(args.executed),
            args.chapters,
            sharing=args.sharing,
        )
    elif args.command == "import":
        import_records(root, Path(args.executed))
    elif args.command == "prepare":
        from dlbook.results import results_dir

        strict = os.environ.get(STRICT_ENV, "") not in ("", "0")
        prepare(root, root / "_build" / ".jupyter_cache", results_dir(), strict=strict)
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
