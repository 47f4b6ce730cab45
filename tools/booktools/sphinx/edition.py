"""Sphinx extension: which edition a page belongs to.

- The stamp, the commit and the build date, in every page's footer and on the
  PDF's title page, so a reader can tell which version of the book a page or a
  printout is.
- The student edition (``dlbook_student``, set by
  ``python -m booktools.commands.student``): the same book without the
  exercises' solutions, and without what is written for lecturers only
  (slide-only text). The full edition is the instructors' key.
"""

import datetime as dt
import re
import subprocess
from pathlib import Path

from booktools.book import BookError, current_commit, load_site


def edition(root: Path) -> dict:
    """The commit the book at ``root`` is built from, whether the working tree
    differs from it, and today's date (UTC)."""
    try:
        commit = current_commit(root)
    except BookError:
        commit = None
    dirty = False
    if commit is not None:
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        )
        dirty = bool(status.stdout.strip())
    return {
        "commit": commit,
        "dirty": dirty,
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
    }


def stamp_text(info: dict, student: bool = False) -> str:
    """The stamp in words: "Edition 1a2b3c4d5e6f, built 2026-12-02", and
    "Student edition ..." for the edition without solutions."""
    if info["commit"] is None:
        name = "an uncommitted copy"
    else:
        name = info["commit"][:12] + (" with local changes" if info["dirty"] else "")
    return f"{'Student edition' if student else 'Edition'} {name}, built {info['date']}"


def remember_edition(app, config) -> None:
    """``config-inited``: the stamp, as a configuration value that the HTML
    builder watches, so a new commit or day rewrites every page's footer."""
    app.dlbook_edition = edition(Path(app.srcdir))
    if config.dlbook_student:
        # For ``{only} student`` / ``{only} not student`` in the pages.
        app.tags.add("student")
    app.dlbook_repo_url = load_site(Path(app.srcdir)).repo_url
    config.dlbook_edition = stamp_text(app.dlbook_edition, config.dlbook_student)


def stamp_title_page(app) -> None:
    """``builder-inited``: the LaTeX title page prints "<releasename>
    <release>" under the title; the stamp takes that line."""
    if app.builder.format == "latex":
        name, rest = re.match(
            r"(.*?edition) (.*)", app.config.dlbook_edition, re.I
        ).groups()
        app.builder.context["releasename"] = name  # "Edition", "Student edition"
        app.builder.context["release"] = rest


def add_footer(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: the stamp in the footer (the theme's extra
    footer, set per page so the configuration, and the cache, stay put)."""
    info = app.dlbook_edition
    text = stamp_text(info, app.config.dlbook_student)
    if info["commit"] is not None:
        url = f"{app.dlbook_repo_url}/commit/{info['commit']}"
        short = info["commit"][:12]
        text = text.replace(short, f'<a href="{url}">{short}</a>', 1)
    context["theme_extra_footer"] = f'<p class="dlbook-edition">{text}</p>'


def remove_solutions(app, doctree) -> None:
    """``doctree-read``: in the student edition, no exercise solution (gated
    ones, with their code cells, are merged into one node by then) and no
    slide-only text is left on the page."""
    if not app.config.dlbook_student:
        return
    from sphinx_exercise.nodes import solution_node

    from booktools.sphinx.slides import slide

    for node in list(doctree.findall(solution_node)):
        node.parent.remove(node)
    for node in list(doctree.findall(slide)):
        if node["slides_only"]:
            node.parent.remove(node)


def setup(app):
    app.add_config_value("dlbook_edition", "", "html")
    app.add_config_value("dlbook_student", False, "env", types=[bool])
    app.connect("doctree-read", remove_solutions)
    app.connect("config-inited", remember_edition)
    app.connect("builder-inited", stamp_title_page)
    app.connect("html-page-context", add_footer)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
