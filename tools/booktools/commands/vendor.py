"""Fetch the web assets the site serves itself, so that it works offline.

    python -m booktools.commands.vendor [--dest _build/vendor]

MathJax (the math) and reveal.js (the lecture decks) come from their npm
packages, pinned by version and sha256, and are unpacked into
``dest/mathjax`` and ``dest/reveal``, which the Sphinx extension serves as
``_static/mathjax`` and ``_static/reveal`` (:mod:`booktools.sphinx.page_assets`
sets ``html_static_path`` and ``mathjax_path``). Each unpacking goes into a
temporary folder that replaces the old one only when complete.
"""

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from booktools.book import (
    MATHJAX_ENTRY,
    MATHJAX_FOLDER,
    REVEAL_FOLDER,
    ROOT,
    build_dir,
)


@dataclass(frozen=True)
class Asset:
    """One npm package's folder, unpacked under the vendor folder."""

    package: str  # name@version
    sha256: str  # of the packed tarball
    folder: str  # inside the package
    entry: str  # a file that must be in that folder
    target: str  # the folder's name under dest


MATHJAX = Asset(
    "mathjax@3.2.2",
    "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09",
    "es5",
    MATHJAX_ENTRY,
    Path(MATHJAX_FOLDER).name,
)
REVEAL = Asset(
    "reveal.js@5.2.1",
    "359b575dd51bbda32f89b2fd4c7dc46ad7389a805572158916c29252f7a27333",
    "dist",
    "reveal.js",
    Path(REVEAL_FOLDER).name,
)
ASSETS = (MATHJAX, REVEAL)


class VendorError(RuntimeError):
    pass


def fetch(asset: Asset, dest: Path) -> Path:
    """Unpack ``asset`` into ``dest/<target>`` unless it is there."""
    target = dest / asset.target
    if (target / asset.entry).is_file():
        print(f"{asset.target}: already present in {target}")
        return target
    if shutil.which("npm") is None:
        raise VendorError(
            "npm is not installed: install Node.js and npm (Debian: apt-get install"
            " npm), then run `make vendor` again"
        )
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".vendor-", dir=dest) as tmp:
        work = Path(tmp)
        result = subprocess.run(
            ["npm", "pack", "--silent", asset.package],
            cwd=work,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise VendorError(
                f"`npm pack {asset.package}` failed: {result.stderr.strip()}"
            )
        (tarball,) = work.glob("*.tgz")
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        if digest != asset.sha256:
            raise VendorError(
                f"{asset.package} has sha256 {digest}, expected {asset.sha256};"
                " nothing was written"
            )
        prefix = f"package/{asset.folder}/"
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith(prefix)]
            archive.extractall(work / "unpacked", members=members, filter="data")
        staged = work / "unpacked" / "package" / asset.folder
        if not (staged / asset.entry).is_file():
            raise VendorError(f"{asset.package} has no {asset.folder}/{asset.entry}")
        shutil.rmtree(target, ignore_errors=True)
        staged.rename(target)
    print(f"{asset.target}: {asset.package} unpacked into {target}")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dest", type=Path, default=build_dir(ROOT) / Path(MATHJAX_FOLDER).parent
    )
    args = parser.parse_args(argv)
    try:
        for asset in ASSETS:
            fetch(asset, args.dest)
    except VendorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
