"""Pages that summarise what other pages produced: read after them, and read
once more when a page read after them changed what they show.

A results table shows records that chapters glue while they execute, and the
execution report shows how every chapter was produced; both are known only once
those chapters are read. Such a page is read after every other page of the
build; a page's own contribution comes straight from the notebook being
rendered; and once every changed page is read (``env-updated``), every summary
page whose directives saw another state of the book than the final one (in this
build or an earlier one) is read again and written. Only in that last reading
may a summary be found empty.
"""

from collections.abc import Callable
from pathlib import Path

# Directive marker ("{results-table}") -> the book's final state it shows.
_KINDS: dict[str, Callable] = {}


def register(marker: str, final_state: Callable) -> None:
    """Declare a directive that summarises other pages; ``final_state(env)``
    is what its tables show once every page is read, as a string."""
    _KINDS[marker] = final_state


def note_seen(env, marker: str, state: str | None) -> None:
    """What a directive on the page being read showed (None: nothing yet)."""
    seen = getattr(env, "dlbook_summaries_saw", {})
    seen[(env.docname, marker)] = state
    env.dlbook_summaries_saw = seen


def final_read(env) -> bool:
    """True in the last reading, when every page has been read."""
    return getattr(env, "dlbook_final_read", False)


def summary_pages(env) -> dict[str, list[str]]:
    """Page -> the summary directives on it."""
    pages = {}
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix != ".md":
            continue
        text = path.read_text()
        markers = [marker for marker in _KINDS if marker in text]
        if markers:
            pages[docname] = markers
    return pages


def _read_last(app, env, docnames: list[str]) -> None:
    for page in summary_pages(env):
        if page in docnames:
            docnames.remove(page)
            docnames.append(page)


def _first_read(app, env, added, changed, removed) -> list[str]:
    env.dlbook_final_read = False
    return []


def _read_again_if_incomplete(app, env) -> list[str]:
    final = {marker: state(env) for marker, state in _KINDS.items()}
    seen = getattr(env, "dlbook_summaries_saw", {})
    again = [
        page
        for page, markers in summary_pages(env).items()
        if any(seen.get((page, m)) != final[m] for m in markers)
    ]
    env.dlbook_final_read = True
    for docname in again:
        app.emit("env-purge-doc", env, docname)
        env.clear_doc(docname)
        app.builder.read_doc(docname)
    return again


def setup(app):
    app.connect("env-before-read-docs", _read_last)
    app.connect("env-get-outdated", _first_read)
    app.connect("env-updated", _read_again_if_incomplete)
    # Not parallel: the summary pages must be read after every other page.
    return {"parallel_read_safe": False, "parallel_write_safe": True}
