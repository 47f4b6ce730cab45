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
- No script twice: sphinx-thebe registers its inline configuration on every
  read of the environment, and a second copy redeclares a ``const``, which the
  browser reports as an error on every page.
"""

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


def setup(app):
    app.connect("config-inited", use_local_mathjax)
    app.connect("config-inited", use_book_templates_and_styles)
    # Early: Sphinx stops calling html-page-context handlers at the first one
    # that returns a template name, as some theme handlers do.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
