"""Sphinx extension: what the chapters' outputs are, and the page saying so.

Runs inside every build of the book (``make book``, a bare ``jupyter-book
build``, the PDF, the chapter preview, the tests' throw-away books), so each
behaves the same:

* before the environment is read (``config-inited``), the **execution-cache
  guard** takes out of jupyter-cache every chapter whose imported ``dlbook``
  modules or pinned requirements changed (jupyter-cache keys a chapter on its
  own code cells only), and has Sphinx read it again, so it re-executes;
* then every *fresh* GPU record (:mod:`booktools.records`) is put into the
  execution cache, so the build renders it instead of executing the chapter;
  the GPU policy (``DLBOOK_GPU_POLICY``) decides whether a stale or missing
  record fails the build;
* after a GPU chapter is read (``doctree-read``), its page gets a notice made
  from what was rendered: the provenance that the record's outputs carry
  (glued into them when they were cached) if the page rendered them, the
  CPU-preview notice otherwise; and of its ``{full-run}`` and ``{preview-run}``
  blocks, prose that only one configuration's results support, the page keeps
  those of the configuration it rendered and drops the others, so a preview
  never states the full run's conclusions.

A ``{full-run}`` block may glue only keys that the preview glues too (the glue
is looked up before the block is dropped); for a full-run number, glue it in
both configurations and let the sentence around it say which it is.
"""

import contextlib
import json
import os
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from booktools.book import (
    code_chapters,
    gpu_chapters,
    needs_gpu,
    read_chapter_notebook,
    write_atomic,
)
from booktools.fingerprint import dependencies
from booktools.records import (
    PROVENANCE_GLUE,
    Status,
    cell_outputs,
    recorded_notebook,
    status,
)
from booktools.sphinx.page_glue import page_glue

logger = logging.getLogger(__name__)

POLICY_ENV = "DLBOOK_GPU_POLICY"
POLICIES = {
    "preview": "a GPU chapter without a fresh record runs its CPU preview",
    "strict": "a GPU chapter without a fresh record fails the build",
    "publish": "strict once every GPU chapter has a record; until then, preview",
}
# Kept in the cache folder, so the cache and what it is valid for travel together:
# each chapter's fingerprint (booktools.fingerprint) when it was last cached.
FINGERPRINT_FILE = "dlbook-dependencies.json"


def cache_path(app, config) -> Path:
    """jupyter-cache's folder, where myst-nb puts it."""
    configured = config.nb_execution_cache_path
    return Path(configured or Path(app.outdir).parent / ".jupyter_cache").resolve()


def guard_cache(root: Path, cache: Path, chapters: list[str]) -> list[str]:
    """Take out of the execution cache every chapter whose imported ``dlbook``
    modules or pinned requirements changed since it was cached (or whose
    fingerprint is unknown); returns those chapters, which must be re-read."""
    from jupyter_cache import get_cache

    stamp = cache / FINGERPRINT_FILE
    stored = json.loads(stamp.read_text()) if stamp.is_file() else {}
    notebooks = {c: read_chapter_notebook(root, c) for c in chapters}
    current = {c: dependencies(root, nb) for c, nb in notebooks.items()}
    changed = [c for c in chapters if stored.get(c) != current[c]]
    if changed and cache.exists():
        store = get_cache(str(cache))
        for chapter in changed:
            # Found by its code cells, as myst-nb would find it, wherever it ran.
            with contextlib.suppress(KeyError):
                store.remove_cache(store.match_cache_notebook(notebooks[chapter]).pk)
    write_atomic(stamp, json.dumps(current, indent=1, sort_keys=True) + "\n")
    return changed


def policy() -> str:
    chosen = os.environ.get(POLICY_ENV) or "preview"
    if chosen not in POLICIES:
        raise ExtensionError(
            f"{POLICY_ENV}={chosen!r} is not a GPU policy; choose one of"
            f" {', '.join(POLICIES)}"
        )
    return chosen


def enforce(statuses: list[Status], chosen: str) -> None:
    """Fail the build if ``chosen`` does not allow what ``statuses`` say."""
    problems = [s for s in statuses if not s.fresh]
    strict = chosen == "strict" or (
        chosen == "publish" and all(s.state != "missing" for s in statuses)
    )
    if strict and problems:
        lines = [f"  {s.chapter}: {s.state} ({s.describe()})" for s in problems]
        raise ExtensionError(
            f"{POLICY_ENV}={chosen} and these GPU records are not fresh:\n"
            + "\n".join(lines)
            + "\nrecord them on a CUDA machine (README: Chapters that need a GPU)"
        )


def inject(root: Path, cache: Path, statuses: list[Status]) -> list[str]:
    """Put each fresh record into the execution cache unless it is there
    already; returns the chapters whose cache entry was written."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    store = get_cache(str(cache))
    written = []
    for s in statuses:
        if not s.fresh:
            continue
        notebook = recorded_notebook(root, s.chapter)
        try:
            cached = store.get_cache_bundle(store.match_cache_notebook(notebook).pk).nb
        except KeyError:
            cached = None
        if cached is not None and cell_outputs(cached) == cell_outputs(notebook):
            continue
        store.cache_notebook_bundle(
            CacheBundleIn(nb=notebook, uri=str(root / f"{s.chapter}.md")),
            check_validity=False,
            overwrite=True,
        )
        written.append(s.chapter)
    return written


def prepare_execution(app, config) -> None:
    """``config-inited``: the cache guard, then the GPU records."""
    app.dlbook_reexecute, app.dlbook_record_states = [], {}
    if config.nb_execution_mode != "cache":
        return
    root = Path(app.srcdir)
    cache = cache_path(app, config)
    app.dlbook_reexecute = guard_cache(root, cache, code_chapters(root))
    if app.dlbook_reexecute:
        logger.info(
            f"execution cache: {len(app.dlbook_reexecute)} chapter(s) re-execute,"
            " because the dlbook modules they import or the pinned requirements"
            f" changed: {', '.join(app.dlbook_reexecute)}"
        )
    statuses = [status(root, chapter) for chapter in gpu_chapters(root)]
    app.dlbook_record_states = {s.chapter: record_state(s) for s in statuses}
    enforce(statuses, policy())
    for chapter in inject(root, cache, statuses):
        logger.info(f"gpu records: {chapter} cached from its record")
    for s in statuses:
        state = "uses its record" if s.fresh else f"{s.state}, runs its CPU preview"
        logger.info(f"gpu records: {s.chapter} {state} ({s.describe()})")


def record_state(s: Status) -> str:
    """What a GPU page's notice and outputs depend on: its record's state and
    provenance."""
    return json.dumps([s.state, s.provenance], sort_keys=True)


def reread_reexecuted(app, env, added, changed, removed) -> list[str]:
    """``env-get-outdated``: the chapters the guard took out of the cache are
    read again, so that they execute, and so are GPU chapters whose record
    appeared, changed or went stale since the last build."""
    before = getattr(env, "dlbook_record_states", {})
    now = app.dlbook_record_states
    records = [c for c in now if before.get(c) != now[c]]
    env.dlbook_record_states = now
    return [c for c in [*app.dlbook_reexecute, *records] if c in env.found_docs]


# The page notice -------------------------------------------------------------


def _paragraph(*parts) -> nodes.paragraph:
    """A paragraph of text, with `code` and **bold** spans marked as tuples."""
    paragraph = nodes.paragraph()
    for part in parts:
        if isinstance(part, tuple):
            kind, text = part
            paragraph += (
                nodes.literal(text, text)
                if kind == "code"
                else nodes.strong(text, text)
            )
        else:
            paragraph += nodes.Text(part)
    return paragraph


def recorded_notice(provenance: dict) -> nodes.paragraph:
    shared = provenance.get("gpu_shared_with", 0)
    sharing = (
        f", while {shared} other chapter{'s' if shared > 1 else ''} ran on the"
        " same GPU, which slowed its timings"
        if shared
        else ""
    )
    return _paragraph(
        f"Outputs recorded on {provenance['gpu']} on {provenance['date']} in"
        f" {provenance['wall_seconds']:.0f} s{sharing} (torch {provenance['torch']},"
        f" CUDA {provenance['cuda']}), and reused while this chapter's code, the ",
        ("code", "dlbook"),
        " package and the pinned requirements are unchanged.",
    )


def preview_notice(why: str) -> nodes.paragraph:
    return _paragraph(
        ("bold", "CPU preview."),
        " This chapter needs a GPU for its full configuration, and"
        f" {why}. What you see ran on the build machine's CPU in the reduced"
        " configuration the chapter declares (smaller images, fewer epochs,"
        " fewer models), so its numbers are not the full experiment's.",
    )


def notice_for(s: Status, rendered_provenance: dict | None) -> nodes.paragraph:
    """The notice for a page that rendered a record with
    ``rendered_provenance`` (None: it rendered no record), given the chapter's
    record status."""
    if rendered_provenance is not None:
        return recorded_notice(rendered_provenance)
    if not s.fresh:
        return preview_notice(
            f"its recorded GPU outputs are {s.state} ({s.describe()})"
        )
    return preview_notice(
        "its GPU record, although fresh, was not used by this build (it executed"
        " the chapter itself)"
    )


def add_notice(app, doctree) -> None:
    """``doctree-read``: the notice at the top of a GPU chapter's page, and the
    prose of the configuration the page rendered."""
    root, docname = Path(app.srcdir), app.env.docname
    source = root / f"{docname}.md"
    if not source.is_file() or not needs_gpu(source):
        return
    glued = page_glue(app.env, docname).get(PROVENANCE_GLUE)
    rendered = None if glued is None else json.loads(glued["text/plain"])
    paragraph = notice_for(status(root, docname), rendered)
    section = doctree.next_node(nodes.section)
    title = section.next_node(nodes.title)
    section.insert(section.index(title) + 1, nodes.important("", paragraph))
    keep_prose_of(doctree, "preview" if rendered is None else "full")


# Prose that one configuration supports ---------------------------------------


class run_only(nodes.General, nodes.Element):
    """Prose of a GPU chapter that only one configuration's run supports;
    replaced by its content, or dropped, when the chapter is read."""


class RunOnlyDirective(SphinxDirective):
    """``{full-run}`` / ``{preview-run}``: what follows holds for that
    configuration's results only. Only a GPU chapter has two."""

    has_content = True
    configuration = ""

    def run(self):
        source = Path(self.env.doc2path(self.env.docname))
        if not needs_gpu(source):
            raise self.error(
                f"{{{self.name}}} is for GPU chapters, which run a full"
                " configuration or a CPU preview; this chapter has one"
                " configuration, so its prose can state its results directly"
            )
        node = run_only(run=self.configuration)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class FullRunDirective(RunOnlyDirective):
    configuration = "full"


class PreviewRunDirective(RunOnlyDirective):
    configuration = "preview"


def keep_prose_of(doctree, configuration: str) -> None:
    """Unwrap the blocks of ``configuration`` and drop the others."""
    for node in list(doctree.findall(run_only)):
        if node["run"] == configuration:
            node.replace_self(node.children)
        else:
            node.parent.remove(node)


def setup(app):
    app.connect("config-inited", prepare_execution, priority=900)
    app.connect("env-get-outdated", reread_reexecuted)
    app.connect("doctree-read", add_notice)
    app.add_node(run_only)
    app.add_directive("full-run", FullRunDirective)
    app.add_directive("preview-run", PreviewRunDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
