"""Sphinx extension: what a page loads, served by the site and loaded once.

- The book's style sheet (``static/booktools.css``) and template overrides
  (``templates/``: the search and colour-mode buttons), for what the theme
  leaves inaccessible.
- MathJax from the site itself, so that math renders offline. `make vendor`
  (``python -m booktools.commands.vendor``) unpacks MathJax into
  ``_build/vendor/mathjax``; when it is there, this adds it to the static files
  and points ``mathjax_path`` at the copy. Without it (a throw-away test book,
  say) the default CDN is kept, and the browser test of the real site fails if
  that ever happens.
- Collapsed code cells named by their visible prompt, not by myst-nb's fixed
  label, which screen readers would announce instead of it.
- Bibliography entries as items of the list that holds them.
- No script twice: sphinx-thebe registers its inline configuration on every
  read of the environment, and a second copy redeclares a ``const``, which the
  browser reports as an error on every page.
"""

import html
from pathlib import Path

from sphinx.util import logging

from booktools.book import BUILD, MATHJAX_ENTRY, MATHJAX_FOLDER

logger = logging.getLogger(__name__)


def use_local_mathjax(app, config):
    mathjax = Path(app.srcdir) / BUILD / MATHJAX_FOLDER
    if not (mathjax / MATHJAX_ENTRY).is_file():
        logger.info("page_assets: no local MathJax (run `make vendor`); using a CDN")
        return
    # The folder above it becomes _static/, so MathJax is served at _static/mathjax/.
    config.html_static_path = [*config.html_static_path, str(mathjax.parent)]
    config.mathjax_path = f"{mathjax.name}/{MATHJAX_ENTRY}"


HERE = Path(__file__).parent


def use_book_templates_and_styles(app, config):
    """The book's template overrides (templates/) and style sheet (static/)."""
    config.templates_path = [str(HERE / "templates"), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]
    app.add_css_file("booktools.css")


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # An inline script's file name is None or "" depending on who added it.
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", script) or "", sorted(attributes.items()))
        if repr(key) not in seen:
            seen.add(repr(key))
            unique.append(script)
    context["script_files"] = unique


def name_hidden_cells_by_their_text(app) -> None:
    """``builder-inited``: render myst-nb's "Show code cell source" toggles
    without the fixed ``aria-label="Toggle hidden content"``, which contradicts
    the visible text (axe's label-content-name-mismatch); the summary's
    visible prompt is its accessible name. Registered after every extension's
    setup, so it overrides myst-nb's visitor rather than being overridden."""
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    def visit(self, node):
        self.body.append(
            f'<details class="admonition hide {" ".join(node["classes"])}">\n'
        )
        self.body.append("<summary>\n")
        for state, prompt in (
            ("collapsed", "prompt_show"),
            ("expanded", "prompt_hide"),
        ):
            text = html.escape(node[prompt])
            self.body.append(f'<p class="{state} admonition-title">{text}</p>\n')
        self.body.append("</summary>\n")

    app.add_node(HideCodeCellNode, override=True, html=(visit, depart_HideCellInput))


def make_citations_list_items(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: docutils wraps citations in ``role="list"`` but
    gives each entry the retired DPUB role ``doc-biblioentry``, which a list
    may not hold (axe's aria-required-children); entries become list items."""
    if "body" in context and 'role="doc-biblioentry"' in context["body"]:
        context["body"] = (
            context["body"]
            .replace('class="citation" id=', 'class="citation" role="listitem" id=')
            .replace(' role="doc-biblioentry"', "")
        )


def setup(app):
    app.connect("builder-inited", name_hidden_cells_by_their_text)
    app.connect("html-page-context", make_citations_list_items, priority=400)
    app.connect("config-inited", use_local_mathjax)
    app.connect("config-inited", use_book_templates_and_styles)
    # Early: Sphinx stops calling html-page-context handlers at the first one
    # that returns a template name, as some theme handlers do.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
