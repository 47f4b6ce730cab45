"""One archive of the whole site, to read the book without a network.

    python -m booktools.commands.offline_pack

Run after `make site`: zips ``_build/html`` (the pages, their own MathJax and
search index, the notebooks, the PDFs and the slides, but neither the datasets'
copy nor the student edition, which the full one contains) into
``<pdf name>-offline.zip`` inside the site, so every page can link it.
Unpacked anywhere, ``index.html`` opens from disk (``file://``) with working
pages, search and math. The archive is
written through a temporary file, so a failed run leaves the old one.
"""

import os
import sys
import tempfile
import zipfile
from pathlib import Path

from booktools.book import ROOT, STUDENT_FOLDER, build_dir, offline_pack_name
from dlbook.mirror import MIRROR_FOLDER


def pack(site: Path, target: Path) -> int:
    """Zip every file of ``site`` but ``target`` itself, under one folder
    named after the archive; returns the number of files."""
    folder = target.stem
    # Not the datasets' copy (the notebooks fetch it when they run), nor the
    # student edition (the full one holds all of it and the solutions).
    left_out = (site / MIRROR_FOLDER, site / STUDENT_FOLDER)
    files = sorted(
        p
        for p in site.rglob("*")
        if p.is_file()
        and p != target
        and not any(folder in p.parents for folder in left_out)
    )
    fd, tmp = tempfile.mkstemp(prefix=".pack-", suffix=".zip", dir=target.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, f"{folder}/{path.relative_to(site).as_posix()}")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(files)


def main(argv=None) -> int:
    site = build_dir(ROOT) / "html"
    if not (site / "index.html").is_file():
        print(f"error: no site in {site}: run `make site` first", file=sys.stderr)
        return 1
    target = site / offline_pack_name()
    count = pack(site, target)
    size = target.stat().st_size / 2**20
    print(f"offline pack: {target}, {count} files, {size:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
