"""Build a few chapters strictly in a private copy of the book, for writing them.

    python -m booktools.commands.preview book/foundations/tensors-and-operations.md

The copy holds the configuration, the bibliography and the named chapters (with
a stand-in preface as its root, since the real one links every chapter), so
several authors can preview at once without sharing `_build/`. The build is
`make book`'s: the same strict flags and the same Sphinx extension, so GPU
records and results behave as in the book. It prints the folder of the rendered
HTML and each chapter's execution time.
"""

import argparse
import shutil
import tempfile
from pathlib import Path

import yaml

from booktools.book import RECORDS, ROOT, jupyter_book_build


def make_copy(chapters: list[str], target: Path, results: bool = False) -> None:
    """Lay out a minimal book in ``target`` holding ``chapters`` (and the Results
    page, for chapters that record results)."""
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "book", target / "book")
    # Chapters show package source with literalinclude ../../code/dlbook/...;
    # GPU chapters use their records, whose freshness depends on the package.
    for name in ("code", RECORDS, "requirements.txt", "requirements-lock.txt"):
        if not (target / name).exists():
            (target / name).symlink_to(ROOT / name)
    # The real preface links every chapter; the copy's root page links none.
    (target / "book" / "preface.md").write_text(
        "(sec-preface)=\n# Preview\n\nA private build of a few chapters.\n"
    )
    back_matter = [{"file": "book/back-matter/bibliography"}]
    if results:
        back_matter.insert(0, {"file": "book/back-matter/results"})
    toc = {
        "format": "jb-book",
        "root": "book/preface",
        "parts": [
            {
                "caption": "Preview",
                "numbered": True,
                "chapters": [{"file": str(Path(c).with_suffix(""))} for c in chapters],
            },
            {"caption": "Back matter", "chapters": back_matter},
        ],
    }
    (target / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))


def print_execution_times(cache_dir: Path) -> None:
    """Print each cached chapter's execution time, as jupyter-cache recorded it."""
    if not cache_dir.exists():
        return
    from jupyter_cache import get_cache

    for record in get_cache(cache_dir).list_cache_records():
        seconds = record.data.get("execution_seconds", float("nan"))
        print(f"executed in {seconds:6.1f} s: {record.uri}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="+", help="paths such as book/x/y.md")
    parser.add_argument(
        "--results", action="store_true", help="include the Results page"
    )
    parser.add_argument("--out", help="folder for the copy (default: a temp dir)")
    args = parser.parse_args()
    for chapter in args.chapters:
        if not (ROOT / chapter).is_file():
            parser.error(f"no such chapter: {chapter}")
    target = Path(args.out or tempfile.mkdtemp(prefix="dlbook-preview-"))
    target.mkdir(parents=True, exist_ok=True)
    if (target / "book").exists():
        shutil.rmtree(target / "book")
    make_copy(args.chapters, target, results=args.results)
    result = jupyter_book_build(target)
    report = target / "_build" / "html" / "reports"
    print(f"\npreview: {target / '_build' / 'html'}")
    print_execution_times(target / "_build" / ".jupyter_cache")
    if report.exists():
        print(f"execution reports (failing cells): {report}")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
