"""Build the HTML book strictly: ``python -m booktools.commands.build [ROOT]``.

The same as ``jupyter-book build ROOT --builder html -W -n --keep-going``; the
execution-cache guard and the GPU records run inside that build
(:mod:`booktools.sphinx.execution`), so a bare ``jupyter-book build`` is as
good. This command exists so the strict flags are written once
(:data:`booktools.book.STRICT_FLAGS`).
"""

import argparse
import sys
from pathlib import Path

from booktools.book import ROOT, jupyter_book_build


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    return jupyter_book_build(args.root.resolve()).returncode


if __name__ == "__main__":
    sys.exit(main())
