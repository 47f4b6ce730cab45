"""Build the book's PDF with Jupyter Book's LaTeX builder and check the result.

    python -m booktools.commands.pdf

Runs ``jupyter-book build . --builder pdflatex`` with the same strict flags as
the HTML build (XeLaTeX is chosen in `_config.yml`; executed outputs come from the
same jupyter-cache, so nothing re-executes), then reads the LaTeX log: a glyph
missing from the fonts or an unresolved reference fails the build. The PDF is
copied into the HTML site, where every page links it.
"""

import re
import shutil
import subprocess
import sys
import time

from booktools.book import ROOT, build_dir, jupyter_book_build, pdf_name

LATEX_DIR = build_dir(ROOT) / "latex"
SITE_DIR = build_dir(ROOT) / "html"

_MISSING_GLYPH = re.compile(r"Missing character: There is no (.+?) in font (.+?)!")
_UNDEFINED = re.compile(r"LaTeX Warning: (Reference|Citation) `([^']+)' .*undefined")


def log_problems(log: str) -> list[str]:
    """What in a LaTeX log makes the PDF unfit to publish."""
    problems = []
    glyphs = sorted(set(_MISSING_GLYPH.findall(log)))
    problems += [f"no glyph for {char} in font {font}" for char, font in glyphs]
    undefined = sorted(set(_UNDEFINED.findall(log)))
    problems += [f"undefined {kind.lower()} {name}" for kind, name in undefined]
    return problems


def main() -> int:
    start = time.perf_counter()
    result = jupyter_book_build(ROOT, builder="pdflatex")
    name = pdf_name()
    pdf = LATEX_DIR / name
    if result.returncode != 0 or not pdf.is_file():
        print(f"pdf: the LaTeX build failed; see the messages above and {LATEX_DIR}")
        return 1
    log = pdf.with_suffix(".log").read_text(errors="replace")
    problems = log_problems(log)
    if problems:
        for problem in problems:
            print(f"pdf: {problem}", file=sys.stderr)
        return 1
    SITE_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy2(pdf, SITE_DIR / name)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    pages = re.search(r"^Pages:\s+(\d+)", info.stdout, flags=re.M)
    print(
        f"pdf: {SITE_DIR / name}, {pages.group(1) if pages else '?'} pages,"
        f" built in {time.perf_counter() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
