"""Build the student edition: the book without its exercise solutions.

    python -m booktools.commands.student

Run after `make book` and `make pdf`. The same sources and the
same executed outputs (the full build's jupyter-cache, so nothing re-executes)
are built again, strictly, with ``dlbook_student`` set, which takes every
solution out of the pages (:mod:`booktools.sphinx.edition`). The HTML and its
PDF (also cut into chapters) are published in the site's ``student/`` folder,
beside the full edition, which is the instructors' key; the folder is replaced
only once both are built. ``python -m booktools.commands.notebooks --student``
then adds the notebooks without solutions.
"""

import shutil
import sys
import time
from pathlib import Path

import yaml

from booktools.book import (
    ROOT,
    STUDENT_BUILD,
    STUDENT_FOLDER,
    build_dir,
    jupyter_book_build,
    student_pdf_name,
)
from booktools.pdfs import check_log, publish

BUILD = build_dir(ROOT) / STUDENT_BUILD
SITE_DIR = build_dir(ROOT) / "html"


def student_config(root: Path) -> dict:
    """`_config.yml` for the student edition: its title and PDF name, the
    full build's execution cache, and ``dlbook_student``."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    config["title"] = f"{config['title']} (student edition)"
    config.setdefault("execute", {})["cache"] = str(build_dir(root) / ".jupyter_cache")
    latex = config.setdefault("latex", {}).setdefault("latex_documents", {})
    latex["targetname"] = str(Path(student_pdf_name(root)).with_suffix(".tex"))
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["dlbook_student"] = True
    # The pages' MyST sources (_sources/) hold the solutions.
    sphinx_config["html_copy_source"] = False
    return config


def main(argv=None) -> int:
    start = time.perf_counter()
    BUILD.mkdir(parents=True, exist_ok=True)
    config_file = BUILD / "_config.yml"
    config_file.write_text(yaml.safe_dump(student_config(ROOT), sort_keys=False))
    options = ["--config", str(config_file), "--path-output", str(BUILD)]
    # Written afresh (the doctrees stay): no page or file of an earlier
    # configuration can linger in what is published.
    shutil.rmtree(BUILD / "_build" / "html", ignore_errors=True)
    for builder in ("html", "pdflatex"):
        if jupyter_book_build(ROOT, builder, *options).returncode != 0:
            print(f"student: the {builder} build failed; see the messages above")
            return 1
    output = BUILD / "_build"
    pdf = output / "latex" / student_pdf_name()
    problems = check_log(pdf)
    if problems:
        for problem in problems:
            print(f"student: {problem}", file=sys.stderr)
        return 1
    staging = SITE_DIR / ".student-staging"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(output / "html", staging)
    written = publish(pdf, staging, ROOT)
    target = SITE_DIR / STUDENT_FOLDER
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    print(f"student: {target}: {written}; built in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
