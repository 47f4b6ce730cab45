"""Sphinx extension: serve MathJax from the site itself, so math renders offline.

`make vendor` (tools/vendor.py) unpacks MathJax into ``_build/vendor/mathjax``;
when it is there, this adds it to the static files and points ``mathjax_path``
at the copy. Without it (a throw-away test book, say) the theme's default CDN
is kept, and the browser test of the real site fails if that ever happens.
"""

from pathlib import Path

from sphinx.util import logging

from vendor import MATHJAX_ENTRY

logger = logging.getLogger(__name__)


def use_local_mathjax(app, config):
    vendor = Path(app.srcdir) / "_build" / "vendor"
    if not (vendor / "mathjax" / MATHJAX_ENTRY).is_file():
        logger.info("offline_math: no local MathJax (run `make vendor`); using a CDN")
        return
    config.html_static_path = [*config.html_static_path, str(vendor)]
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"


def setup(app):
    app.connect("config-inited", use_local_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
