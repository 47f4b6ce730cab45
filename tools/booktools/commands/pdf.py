"""Build the book's PDF with Jupyter Book's LaTeX builder and check the result.

    python -m booktools.commands.pdf

Runs ``jupyter-book build . --builder pdflatex`` with the same strict flags as
the HTML build (XeLaTeX is chosen in `_config.yml`; executed outputs come from the
same jupyter-cache, so nothing re-executes), then reads the LaTeX log: a glyph
missing from the fonts or an unresolved reference fails the build. The PDF is
copied into the HTML site, where every page links it, and cut into one PDF per
chapter, which each chapter's page links (:mod:`booktools.pdfs`).
"""

import sys
import time

from booktools.book import ROOT, build_dir, jupyter_book_build, pdf_name
from booktools.pdfs import check_log, publish

LATEX_DIR = build_dir(ROOT) / "latex"
SITE_DIR = build_dir(ROOT) / "html"


def main() -> int:
    start = time.perf_counter()
    result = jupyter_book_build(ROOT, builder="pdflatex")
    pdf = LATEX_DIR / pdf_name()
    if result.returncode != 0 or not pdf.is_file():
        print(f"pdf: the LaTeX build failed; see the messages above and {LATEX_DIR}")
        return 1
    problems = check_log(pdf)
    if problems:
        for problem in problems:
            print(f"pdf: {problem}", file=sys.stderr)
        return 1
    written = publish(pdf, SITE_DIR, ROOT)
    print(f"pdf: {SITE_DIR}: {written}; built in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
