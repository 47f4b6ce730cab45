"""The book's Sphinx extension: ``booktools.sphinx`` in ``_config.yml``'s
``extra_extensions`` registers every part.

- :mod:`~booktools.sphinx.execution`: the execution-cache guard, the GPU
  records put into the cache, and each GPU page's notice of what it shows;
- :mod:`~booktools.sphinx.results`: the Results page and ``results.json``;
- :mod:`~booktools.sphinx.execution_report`: how each chapter was produced,
  on its page and in the execution report;
- :mod:`~booktools.sphinx.summaries`: pages that summarise other pages are
  read after them;
- :mod:`~booktools.sphinx.edition`: the commit and build date on every page;
- :mod:`~booktools.sphinx.latex_numbering`: the PDF numbers as the web does;
- :mod:`~booktools.sphinx.book_index`: labels, numbers and glue for the
  notebook generator;
- :mod:`~booktools.sphinx.launch_buttons`: Colab, Binder and download buttons;
- :mod:`~booktools.sphinx.page_assets`: MathJax from the site, no script twice;
- :mod:`~booktools.sphinx.image_alt`: figure captions as images' alt text;
- :mod:`~booktools.sphinx.quiz`: self-check quizzes and their answer key;
- :mod:`~booktools.sphinx.slides`: a lecture deck for every chapter.
"""

from booktools.sphinx import (
    book_index,
    edition,
    execution,
    execution_report,
    image_alt,
    latex_numbering,
    launch_buttons,
    page_assets,
    quiz,
    results,
    slides,
    summaries,
)

PARTS = (
    execution,
    execution_report,
    results,
    summaries,
    book_index,
    edition,
    latex_numbering,
    launch_buttons,
    page_assets,
    image_alt,
    quiz,
    slides,
)


def setup(app):
    safe = {"parallel_read_safe": True, "parallel_write_safe": True}
    for part in PARTS:
        declared = part.setup(app)
        for key in safe:
            safe[key] = safe[key] and declared.get(key, False)
    return {"version": "1.0", **safe}
