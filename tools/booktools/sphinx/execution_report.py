"""Sphinx extension: how each chapter's outputs were produced, said on the
chapter's page (a one-line badge under its title) and on the execution report
(the ``execution-report`` directive), all from the build itself.

A chapter's outputs were either executed on the build machine (a GPU chapter
without a fresh record runs its *CPU preview* there), or replayed from a GPU
record (:mod:`booktools.records`), whose provenance the page rendered. For an
execution the build sees, it writes the seconds, this machine, the torch
version and the date into a log kept in the execution cache's folder
(``dlbook-executions.json``), keyed by the chapter's code cells; a later build
that takes the chapter from the cache reads them back from there.
"""

import datetime as dt
import importlib.metadata
import json
import os
import time
from pathlib import Path
from typing import ClassVar

from docutils import nodes
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.util.docutils import SphinxDirective

from booktools.book import (
    course_sessions,
    needs_gpu,
    read_chapter_notebook,
    toc_pages,
    write_atomic,
)
from booktools.fingerprint import code_cells
from booktools.records import PROVENANCE_GLUE
from booktools.sphinx.page_glue import page_glue
from booktools.sphinx.summaries import final_read, note_seen, register

LOG_FILE = "dlbook-executions.json"
MARKER = "{execution-report}"
HOW = {
    "executed": "executed here",
    "preview": "CPU preview, executed here",
    "recorded": "replayed from a GPU record",
}


def this_machine() -> str:
    """The build machine in words: "2-core CPU (AMD EPYC)"."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = f"{os.cpu_count()}-core CPU"
    return f"{cores} ({model})" if model else cores


def torch_version() -> str:
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return "none"


def _log_path(app) -> Path:
    return Path(app.env.mystnb_config.execution_cache_path) / LOG_FILE


def _read_log(app) -> dict:
    path = _log_path(app)
    return json.loads(path.read_text()) if path.is_file() else {}


def execution_entry(app, docname: str) -> dict | None:
    """How the page ``docname`` got its outputs, or None if it has none."""
    env = app.env
    data = NbMetadataCollector.get_doc_data(env).get(docname, {}).get("exec_data")
    if not data:
        return None
    notebook = read_chapter_notebook(Path(app.srcdir), docname)
    if not any(cell.cell_type == "code" for cell in notebook.cells):
        return None  # a page of prose, which myst-nb read as a notebook
    entry = {"chapter": docname, "gpu_chapter": needs_gpu(Path(env.doc2path(docname)))}
    glued = page_glue(env, docname).get(PROVENANCE_GLUE)
    log = _read_log(app)
    code = code_cells(notebook)
    if glued is not None:
        record = json.loads(glued["text/plain"])
        entry |= {
            "how": "recorded",
            "seconds": record["wall_seconds"],
            "hardware": record["gpu"],
            "torch": record["torch"],
            "date": record["date"],
            "shared": record.get("gpu_shared_with", 0),
        }
        preview = log.get(docname)
        if preview and preview["code"] == code and preview["how"] == "preview":
            entry["preview"] = preview
        return entry
    entry["how"] = "preview" if entry["gpu_chapter"] else "executed"
    if data["mtime"] >= app.dlbook_build_started:
        # Executed by this build: this machine, now.
        seen = {
            "how": entry["how"],
            "code": code,
            "seconds": round(data["runtime"], 1),
            "hardware": this_machine(),
            "torch": torch_version(),
            "date": dt.date.fromtimestamp(data["mtime"]).isoformat(),
        }
        write_atomic(_log_path(app), json.dumps({**log, docname: seen}, indent=1))
        return entry | {k: v for k, v in seen.items() if k not in ("how", "code")}
    earlier = log.get(docname)
    if earlier and earlier["code"] == code:
        return entry | {k: v for k, v in earlier.items() if k not in ("how", "code")}
    # From the cache, by a build that kept no log.
    seconds = data.get("runtime")
    return entry | {
        "seconds": None if seconds is None else round(seconds, 1),
        "hardware": None,
        "torch": None,
        "date": dt.date.fromtimestamp(data["mtime"]).isoformat(),
    }


def badge_text(entry: dict) -> str:
    """The one line under a chapter's title."""
    on = f" on a {entry['hardware']}" if entry.get("hardware") else ""
    torch = f", torch {entry['torch']}" if entry.get("torch") else ""
    when = f", {entry['date']}" if entry.get("date") else ""
    seconds = entry.get("seconds")
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    if entry["how"] == "recorded":
        preview = entry.get("preview")
        later = (
            f" Its reduced CPU configuration runs in {preview['seconds']:.0f} s"
            f" on a {preview['hardware']}."
            if preview
            else ""
        )
        return f"Outputs recorded on {entry['hardware']}{took}{torch}{when}.{later}"
    what = "CPU preview executed" if entry["how"] == "preview" else "Executed"
    if not on:
        return f"{what}{took} by an earlier build{torch}{when}."
    return f"{what}{took}{on}{torch}{when}."


def observe(app, doctree) -> None:
    """``doctree-read``: note how the page was produced; badge it with that
    and the course session it serves."""
    entry = execution_entry(app, app.env.docname)
    stored = getattr(app.env, "dlbook_executions", {})
    stored.pop(app.env.docname, None)
    if entry is not None:
        stored[app.env.docname] = entry
        section = doctree.next_node(nodes.section)
        if section is not None:
            title = section.next_node(nodes.title)
            session = course_sessions(Path(app.srcdir)).get(app.env.docname)
            text = badge_text(entry)
            if session:
                several = any(mark in session for mark in "\u2013-,")
                text = f"Course session{'s' * several} {session}. {text}"
            badge = nodes.paragraph("", text, classes=["dlbook-execution-badge"])
            section.insert(section.index(title) + 1, badge)
    app.env.dlbook_executions = stored


def _purge(app, env, docname) -> None:
    getattr(env, "dlbook_executions", {}).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    stored = getattr(env, "dlbook_executions", {})
    for docname in docnames:
        if docname in getattr(other, "dlbook_executions", {}):
            stored[docname] = other.dlbook_executions[docname]
    env.dlbook_executions = stored


def book_executions(env) -> list[dict]:
    """Every chapter's entry, in the order of the book."""
    stored = getattr(env, "dlbook_executions", {})
    order = {docname: i for i, docname in enumerate(toc_pages(Path(env.srcdir)))}
    return sorted(stored.values(), key=lambda e: order.get(e["chapter"], 10**6))


def _state(env) -> str:
    return json.dumps(book_executions(env), sort_keys=True)


class ExecutionReport(SphinxDirective):
    """``execution-report``: a table of how every chapter was produced."""

    option_spec: ClassVar = {}

    def run(self):
        entries = book_executions(self.env)
        note_seen(self.env, MARKER, _state(self.env) if entries else None)
        if not entries:
            if final_read(self.env):
                raise self.error("no chapter executed or replayed its outputs")
            return []
        rows = [
            ":::{list-table} How each chapter's outputs were produced for this build",
            ":header-rows: 1",
            ":name: tbl-execution-report",
            "",
            "* - Chapter",
            "  - Outputs",
            "  - Seconds",
            "  - Hardware",
            "  - torch",
            "  - Date",
        ]
        for e in entries:
            seconds = e.get("seconds")
            rows += [
                f"* - {{doc}}`/{e['chapter']}`",
                f"  - {HOW[e['how']]}",
                f"  - {seconds:.0f}" if seconds is not None else "  - \N{EN DASH}",
                f"  - {e.get('hardware') or 'an earlier build'}",
                f"  - {e.get('torch') or chr(0x2013)}",
                f"  - {e.get('date') or chr(0x2013)}",
            ]
        return self.parse_text_to_nodes("\n".join([*rows, ":::"]))


def _note_start(app, config) -> None:
    app.dlbook_build_started = time.time()


def setup(app):
    app.add_directive("execution-report", ExecutionReport)
    register(MARKER, _state)
    app.connect("config-inited", _note_start, priority=100)
    app.connect("doctree-read", observe)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
