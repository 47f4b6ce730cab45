"""Keep the book's execution cache from going stale.

jupyter-cache keys each chapter on its own code cells only, so a change to the
``dlbook`` package or to the pinned requirements would otherwise leave old outputs
in place. Before each build this script fingerprints everything the chapters import
but do not contain; when the fingerprint differs from the one stored with the
cache, it deletes the cache and Sphinx's doctrees, so every chapter re-executes.

Run as ``python tools/execution_cache.py [BOOK_ROOT]`` (the Makefile does).
"""

import hashlib
import shutil
import sys
from pathlib import Path

# What the chapters' outputs depend on besides their own cells, relative to the
# book's root. Folders contribute every file below them.
DEPENDENCIES = (
    "code/dlbook",
    "code/pyproject.toml",
    "requirements.txt",
    "requirements-lock.txt",
)
BUILD_DIR = "_build"
# All hold what executed chapters produced: jupyter-cache's database, Sphinx's
# parsed pages, and the headline results the chapters recorded (dlbook.results).
CACHED = (".jupyter_cache", ".doctrees", "results")
FINGERPRINT_FILE = ".execution-fingerprint"
_IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache"}


def _dependency_files(root: Path) -> list[Path]:
    files = []
    for name in DEPENDENCIES:
        path = root / name
        if path.is_dir():
            files.extend(
                p
                for p in path.rglob("*")
                if p.is_file() and not _IGNORED_PARTS.intersection(p.parts)
            )
        elif path.is_file():
            files.append(path)
    return sorted(files)


def fingerprint(root: Path) -> str:
    """A sha256 over the names and contents of every dependency file."""
    digest = hashlib.sha256()
    for path in _dependency_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def ensure_fresh(root: Path) -> bool:
    """Delete the cached outputs if their dependencies changed.

    Returns:
        True when something cached was deleted.
    """
    build = root / BUILD_DIR
    stamp = build / FINGERPRINT_FILE
    current = fingerprint(root)
    stored = stamp.read_text().strip() if stamp.is_file() else None
    cleared = False
    if stored != current:
        for name in CACHED:
            if (build / name).exists():
                shutil.rmtree(build / name)
                cleared = True
        build.mkdir(parents=True, exist_ok=True)
        tmp = stamp.with_suffix(".tmp")
        tmp.write_text(current + "\n")
        tmp.replace(stamp)
    return cleared


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else ".").resolve()
    if ensure_fresh(root):
        print(
            "execution cache: dlbook or the pinned requirements changed since the"
            " last build; cleared it, so every chapter re-executes"
        )
    else:
        print("execution cache: up to date with dlbook and the requirements")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
