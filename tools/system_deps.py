"""Check (or, as root, install) the Debian packages that publishing needs.

    python tools/system_deps.py check pdf browser vendor
    python tools/system_deps.py install pdf browser vendor   # as root

Each group is a list of (command or file, Debian package). ``check`` names every
missing piece and the command that installs it, and exits non-zero.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

GROUPS = {
    # Sphinx's LaTeX builder with XeLaTeX (Unicode in code and outputs), its
    # default FreeFont fonts, xindy for the index, and pdftotext for the test.
    "pdf": [
        ("xelatex", "texlive-xetex"),
        ("latexmk", "latexmk"),
        ("xindy", "xindy"),
        ("pdftotext", "poppler-utils"),
        ("tex:fncychap.sty", "texlive-latex-extra"),
        ("tex:tgtermes.sty", "tex-gyre"),
        ("tex:lmodern.sty", "lmodern"),
        ("tex:amsfonts.sty", "texlive-latex-recommended"),
        ("/usr/share/fonts/opentype/freefont/FreeSerif.otf", "fonts-freefont-otf"),
    ],
    "browser": [("chromium", "chromium"), ("chromedriver", "chromium-driver")],
    "vendor": [("npm", "npm")],
}


def _present(thing: str) -> bool:
    if thing.startswith("/"):
        return Path(thing).exists()
    if thing.startswith("tex:"):
        if shutil.which("kpsewhich") is None:
            return False
        found = subprocess.run(["kpsewhich", thing[4:]], capture_output=True, text=True)
        return found.returncode == 0 and bool(found.stdout.strip())
    return shutil.which(thing) is not None


def missing(groups: list[str]) -> list[tuple[str, str]]:
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise SystemExit(f"unknown group(s) {sorted(unknown)}; known: {sorted(GROUPS)}")
    absent = []
    for group in groups:
        for thing, package in GROUPS[group]:
            present = _present(thing)
            if not present:
                absent.append((thing, package))
    return absent


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("check", "install"):
        print(__doc__, file=sys.stderr)
        return 2
    action, groups = argv[0], argv[1:] or sorted(GROUPS)
    absent = missing(groups)
    packages = sorted({package for _, package in absent})
    if absent and action == "install":
        if os.geteuid() != 0:
            print(
                "installing system packages needs root: run as root or use sudo",
                file=sys.stderr,
            )
            return 1
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        command = [
            "apt-get",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            *packages,
        ]
        subprocess.run(command, check=True, env=env)
        absent = missing(groups)
    for thing, package in absent:
        print(f"missing: {thing} (Debian package {package})", file=sys.stderr)
    if absent:
        print(
            "install them with: sudo apt-get install " + " ".join(packages),
            file=sys.stderr,
        )
        return 1
    print(f"system packages for {', '.join(groups)}: all present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
