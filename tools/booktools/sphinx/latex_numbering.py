"""Sphinx extension: one numbering in the web book and the PDF.

The web book numbers the chapters from the first one after the preface
(1. What is deep learning), and figures, tables, equations and sections within
each chapter (Figure 2.1). In the PDF the preface's sections would be the first
chapters, shifting every number after them; here they are left unnumbered,
so Chapter 2, Figure 2.1 and equation (2.1) mean the same thing in both.
"""

from pathlib import Path

from docutils import nodes
from sphinx import addnodes

from booktools.book import toc_pages


def _raw(latex: str) -> nodes.raw:
    return nodes.raw("", latex + "\n", format="latex")


def unnumbered_preface(app, doctree, docname) -> None:
    """``doctree-resolved`` of the whole book (LaTeX): no chapter numbers
    until the first chapter after the root page."""
    if app.builder.format != "latex" or docname != app.config.root_doc:
        return
    first = toc_pages(Path(app.srcdir))[1]
    starts = [
        node
        for node in doctree.findall(addnodes.start_of_file)
        if node.get("docname") == first
    ]
    if not starts:
        return
    # LaTeX numbers (and counts) a chapter only while secnumdepth >= 0.
    doctree.insert(0, _raw(r"\setcounter{secnumdepth}{-1}"))
    start = starts[0]
    start.parent.insert(start.parent.index(start), _raw(r"\setcounter{secnumdepth}{2}"))


def setup(app):
    app.connect("doctree-resolved", unnumbered_preface)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
