"""Fetch the web assets the site serves itself, so that it works offline.

    python -m booktools.commands.vendor [--dest _build/vendor]

MathJax comes from its npm package, pinned by version and sha256, and is
unpacked into ``dest/mathjax``, which the Sphinx extension serves as
``_static/mathjax`` (:mod:`booktools.sphinx.page_assets` sets
``html_static_path`` and ``mathjax_path``). The unpacking goes into a temporary
folder that replaces the old one only when complete.
"""

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from booktools.book import MATHJAX_ENTRY, MATHJAX_FOLDER, ROOT, build_dir

MATHJAX_PACKAGE = "mathjax@3.2.2"
MATHJAX_SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"


class VendorError(RuntimeError):
    pass


def fetch_mathjax(dest: Path) -> Path:
    """Unpack MathJax's ``es5`` folder into ``dest/mathjax`` unless it is there."""
    target = dest / Path(MATHJAX_FOLDER).name
    if (target / MATHJAX_ENTRY).is_file():
        print(f"mathjax: already present in {target}")
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
            ["npm", "pack", "--silent", MATHJAX_PACKAGE],
            cwd=work,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise VendorError(
                f"`npm pack {MATHJAX_PACKAGE}` failed: {result.stderr.strip()}"
            )
        (tarball,) = work.glob("*.tgz")
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        if digest != MATHJAX_SHA256:
            raise VendorError(
                f"{MATHJAX_PACKAGE} has sha256 {digest}, expected {MATHJAX_SHA256};"
                " nothing was written"
            )
        with tarfile.open(tarball) as archive:
            members = [
                m for m in archive.getmembers() if m.name.startswith("package/es5/")
            ]
            archive.extractall(work / "unpacked", members=members, filter="data")
        staged = work / "unpacked" / "package" / "es5"
        if not (staged / MATHJAX_ENTRY).is_file():
            raise VendorError(f"{MATHJAX_PACKAGE} has no es5/{MATHJAX_ENTRY}")
        shutil.rmtree(target, ignore_errors=True)
        staged.rename(target)
    print(f"mathjax: {MATHJAX_PACKAGE} unpacked into {target}")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dest", type=Path, default=build_dir(ROOT) / Path(MATHJAX_FOLDER).parent
    )
    args = parser.parse_args(argv)
    try:
        fetch_mathjax(args.dest)
    except VendorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
