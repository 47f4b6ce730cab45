"""Every system file the build uses comes from a declared Debian package.

What XeLaTeX read for the PDF (latexmk's ``.fls``), what Chromium and its
driver mapped while showing the site, and the programs that fetch the data and
MathJax are looked up in dpkg's database: each must belong to a package that
``booktools.system_packages`` declares, to one of their dependencies, or to the base
system. A package that happens to be installed on this machine by hand would
otherwise hide a missing declaration until a fresh machine fails.
"""

import pytest

from booktools.book import ROOT, build_dir
from booktools.system_packages import (
    audit_machine,
    commands_run,
    descendants,
    executable_files,
    fls_inputs,
    mapped_files,
)
from site_paths import SITE, built

pytestmark = pytest.mark.site

LATEX = build_dir(ROOT) / "latex"


def check(group: str, files: set[str], at_least: int) -> None:
    # A broken collection would pass vacuously: each group uses many files.
    assert len(files) >= at_least, sorted(files)
    problems = audit_machine({group: files})
    assert problems == [], "\n".join(map(str, problems))


def test_the_pdf_build_reads_only_declared_packages():
    records = sorted(built(LATEX).glob("*.fls"))
    assert records, f"no .fls in {LATEX}: latexmk records what TeX reads"
    files = set().union(*(fls_inputs(fls) for fls in records))
    check("pdf", {f for f in files if not f.startswith(str(ROOT))}, at_least=100)


def test_the_browser_maps_only_declared_packages(browser, server):
    browser.get(server + "book/foundations/tensors-and-operations.html")
    browser.execute_script("return document.fonts.ready")
    pids = descendants(browser.service.process.pid)
    assert len(pids) > 2  # the driver, the browser and its helpers
    files = {f for f in mapped_files(pids) if not f.startswith(str(SITE))}
    check("browser", files, at_least=50)


@pytest.mark.parametrize(
    ("group", "module"),
    [
        ("data", "code/dlbook/data.py"),
        ("vendor", "tools/booktools/commands/vendor.py"),
    ],
)
def test_the_fetch_commands_come_from_declared_packages(group, module):
    commands = commands_run(ROOT / module)
    files = set().union(*(executable_files(c) for c in commands))
    # Every command it runs is installed, so each contributes its program.
    assert len(files) >= len(commands) > 0
    check(group, files, at_least=1)
