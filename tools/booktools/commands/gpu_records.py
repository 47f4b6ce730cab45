"""Record the GPU chapters' outputs, and say which records are fresh.

    python -m booktools.commands.gpu_records check [CHAPTER ...]
    python -m booktools.commands.gpu_records record [CHAPTER ...]       # CUDA
    python -m booktools.commands.gpu_records export --to DIR [CHAPTER ...]
    python -m booktools.commands.gpu_records execute --exported DIR --to OUT
        [--sharing N] [CHAPTER ...]                                    # CUDA
    python -m booktools.commands.gpu_records import --executed OUT

``record`` runs the three steps here; ``export`` / ``execute`` / ``import``
run them on two machines when the GPU machine lacks the book's build tools
(``execute`` needs only torch, nbclient, a Jupyter kernel, ``dlbook`` and the
chapter's data). Chapters default to every GPU chapter. See
:mod:`booktools.records`.
"""

import argparse
import sys
from pathlib import Path

from booktools.book import ROOT, BookError, gpu_chapters
from booktools.records import execute, export, import_records, record, status


def check(root: Path, chapters: list[str]) -> None:
    """Print each chapter's state: fresh, stale or missing, and why."""
    if not chapters:
        print("no chapter declares `dlbook: {gpu: true}`")
    for chapter in chapters:
        s = status(root, chapter)
        print(f"{s.state:8s} {s.chapter}: {s.describe()}")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    main.add_argument("--root", type=Path, default=ROOT)
    commands = main.add_subparsers(dest="command", required=True)

    def command(name: str, help: str, chapters: bool = True):
        sub = commands.add_parser(name, help=help)
        if chapters:
            sub.add_argument("chapters", nargs="*", help="default: every GPU chapter")
        return sub

    command("check", "say which records are fresh, stale or missing, and why")
    command("record", "export, execute and import here (needs CUDA)")
    command("export", "write the chapters as the build reads them").add_argument(
        "--to", type=Path, required=True, help="folder to write"
    )
    executing = command("execute", "execute exported chapters (needs CUDA)")
    executing.add_argument("--exported", type=Path, required=True)
    executing.add_argument("--to", type=Path, required=True, help="folder to write")
    executing.add_argument(
        "--sharing",
        type=int,
        default=0,
        help="how many other chapters run on the same GPU meanwhile",
    )
    command("import", "copy executed chapters into gpu-records/", chapters=False)
    commands.choices["import"].add_argument("--executed", type=Path, required=True)
    return main


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    root = args.root.resolve()
    chapters = getattr(args, "chapters", None) or gpu_chapters(root)
    try:
        if args.command == "check":
            check(root, chapters)
        elif args.command == "record":
            record(root, chapters)
        elif args.command == "export":
            export(root, chapters, args.to)
        elif args.command == "execute":
            execute(root, args.exported, args.to, args.chapters, sharing=args.sharing)
        elif args.command == "import":
            import_records(root, args.executed)
    except BookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
