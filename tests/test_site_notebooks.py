"""The published notebooks, checked the way Colab would run them, in minutes.

Executing every chapter a second time costs as long as the build itself, so
the test splits what can break in a published notebook:

* **its code**: after the setup cell, every code cell is a cell that the
  strict build executed without an unexpected error (the execution cache holds
  the chapter's code cells executed, or its GPU record), as
  :func:`booktools.conversion.notebook_code` publishes it;
* **its environment**: in a fresh kernel of a fresh virtual environment that
  does not have the book's package, the setup cell installs ``dlbook[book]``
  (from this working tree, with no package index) and fetches the data, and
  then every module the notebook imports imports, and every dataset it loads
  verifies;
* **the whole path**: one chapter, with cells meant to raise, runs top to
  bottom in that kernel;
* **elsewhere**: each setup cell, run by a user other than root on a machine
  without apt-get, npm or sudo, fetches its data from the site's own copy
  (served here from the built site), verified; a changed copy writes nothing.

A notebook whose code differs from what ran, whose setup cell fails, or that
imports something ``dlbook[book]`` does not install fails here.
"""

import ast
import gzip
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from booktools.book import (
    ROOT,
    build_dir,
    code_chapters,
    current_commit,
    load_site,
    read_chapter_notebook,
)
from booktools.conversion import datasets_used, notebook_code
from booktools.fingerprint import python_only
from site_paths import SITE, built

pytestmark = pytest.mark.site

# Quick, loads a dataset, and holds cells tagged raises-exception.
WHOLE = "book/foundations/tensors-and-operations"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel in a new venv that sees the book's dependencies but not dlbook."""
    base = tmp_path_factory.mktemp("colab")
    venv = base / "venv"
    # No pip or setuptools of its own: those of the book's venv are used.
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # A plain path line: the packages of the book's venv become importable, but
    # its .pth files (the editable install of dlbook among them) are not run.
    ours = sysconfig.get_path("purelib")
    Path(site_packages, "book_dependencies.pth").write_text(ours + "\n")
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import torch, importlib.util as u; print(u.find_spec('dlbook') is None)",
        ],
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "True", probe.stderr
    spec_dir = base / "kernels" / "colab"
    spec_dir.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "colab", "language": "python"})
    )
    return base


@pytest.fixture
def colab(kernel, tmp_path, monkeypatch):
    """Runs a notebook in the fresh kernel, from an empty folder; returns the
    error outputs."""
    monkeypatch.setenv("JUPYTER_PATH", str(kernel))
    monkeypatch.setenv("DLBOOK_PIP_SOURCE", f"{ROOT / 'code'}[book]")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("MPLBACKEND", "agg")

    def run(notebook) -> list[dict]:
        NotebookClient(
            notebook,
            kernel_name="colab",
            timeout=600,
            resources={"metadata": {"path": str(tmp_path)}},
        ).execute()
        return [
            output
            for cell in notebook.cells
            for output in cell.get("outputs", [])
            if output.get("output_type") == "error"
        ]

    return run


def published(docname: str):
    path = built(SITE / load_site().notebook_path(docname))
    return nbformat.read(path, as_version=4)


def code_cells(notebook) -> list:
    return [c for c in notebook.cells if c.cell_type == "code"]


def imports(sources: list[str]) -> list[str]:
    """Every import statement in ``sources``, once each, in order."""
    found = []
    for source in sources:
        for node in ast.walk(ast.parse(python_only(source))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                statement = ast.unparse(node)
                if statement not in found:
                    found.append(statement)
    return found


@pytest.fixture(scope="module")
def execution_cache():
    from jupyter_cache import get_cache

    return get_cache(str(built(build_dir(ROOT) / ".jupyter_cache")))


@pytest.mark.parametrize("docname", code_chapters())
def test_the_notebook_runs_the_code_the_build_executed(docname, execution_cache):
    notebook = published(docname)
    setup, *cells = code_cells(notebook)
    # The package as it was when the site was built, not the branch's tip.
    assert f"@{current_commit()}#subdirectory=code" in setup.source
    # The execution cache holds the chapter's code cells executed (or, for a GPU
    # chapter, its record): jupyter-cache finds it by a hash of exactly them.
    chapter = read_chapter_notebook(ROOT, docname)
    try:
        match = execution_cache.match_cache_notebook(chapter)
    except KeyError:
        pytest.fail(f"{docname}: the build did not execute its current code")
    ran = code_cells(execution_cache.get_cache_bundle(match.pk).nb)
    errors = [
        c.source[:60]
        for c in ran
        if "raises-exception" not in c.metadata.get("tags", [])
        and any(o.output_type == "error" for o in c.get("outputs", []))
    ]
    assert errors == []
    assert any(c.get("outputs") for c in ran)
    expected = [notebook_code(c.source, c.metadata.get("tags", [])) for c in ran]
    assert [c.source for c in cells] == expected


@pytest.mark.parametrize("docname", code_chapters())
def test_setup_cell_imports_and_data_work_in_a_fresh_kernel(docname, colab):
    notebook = published(docname)
    setup, *cells = code_cells(notebook)
    sources = [c.source for c in cells]
    datasets = datasets_used("\n".join(sources))
    checks = [
        "\n".join(imports(sources)),
        "from dlbook.data import verify\n"
        + "".join(f"verify({name!r})\n" for name in datasets),
    ]
    probe = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(setup.source)]
        + [nbformat.v4.new_code_cell(source) for source in checks],
        metadata=notebook.metadata,
    )
    assert colab(probe) == []
    assert len(checks[0].splitlines()) >= 2  # every chapter imports torch and more


def test_a_whole_notebook_runs_as_colab_would(colab):
    notebook = published(WHOLE)
    assert any("except Exception as error" in c.source for c in code_cells(notebook))
    assert colab(notebook) == []


@pytest.fixture(scope="module")
def bare_machine(tmp_path_factory):
    """A fresh venv that has neither dlbook nor apt-get, npm or sudo on its
    PATH, run as a user other than root (a user namespace maps root to
    nobody), as on Binder or a laptop; a copy of the package to install."""
    base = tmp_path_factory.mktemp("bare")
    venv = base / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    site_packages = next((venv / "lib").glob("python3*/site-packages"))
    (site_packages / "book_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    # pip builds the package in its source folder: a copy, not the checkout.
    shutil.copytree(
        ROOT / "code", base / "code", ignore=shutil.ignore_patterns("*.egg-info")
    )
    (base / "home").mkdir()
    prefix = []
    if os.geteuid() == 0:
        unshare = shutil.which("unshare")  # util-linux, on every Debian
        assert unshare is not None
        prefix = [unshare, "--user", "--map-user=65534", "--map-group=65534"]
    return base, venv / "bin" / "python", prefix


def run_setup_cell(bare_machine, docname: str, site: str, data: Path):
    base, python, prefix = bare_machine
    setup, *_ = code_cells(published(docname))
    script = base / "setup_cell.py"
    check = "import os\nassert os.geteuid() != 0, 'the setup cell ran as root'\n"
    script.write_text(check + setup.source)
    env = {
        "PATH": str(python.parent),  # no apt-get, npm or sudo
        "HOME": str(base / "home"),
        "DLBOOK_DATA": str(data),
        "DLBOOK_SITE": site,
        "DLBOOK_PIP_SOURCE": f"{base / 'code'}[book]",
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    return subprocess.run(
        [*prefix, str(python), str(script)],
        env=env,
        cwd=base,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("docname", code_chapters())
def test_setup_cell_fetches_the_data_without_root_apt_or_npm(
    docname, bare_machine, server, tmp_path
):
    from dlbook.data import problems

    result = run_setup_cell(bare_machine, docname, server, tmp_path / "data")
    assert result.returncode == 0, result.stdout + result.stderr
    datasets = datasets_used(
        "\n".join(c.source for c in code_cells(published(docname)))
    )
    for name in datasets:
        assert problems(name, tmp_path / "data") == [], name
    if datasets:  # from the site's copy, apt-get and npm being absent
        assert f"downloading {server}data/" in result.stdout


def test_a_changed_copy_of_the_data_is_refused_and_nothing_is_written(
    bare_machine, tmp_path
):
    from dlbook.data import DATASETS

    docname = next(
        d
        for d in code_chapters()
        if datasets_used("\n".join(c.source for c in code_cells(published(d))))
        == ["austen"]
    )
    site = tmp_path / "site"
    shutil.copytree(SITE / "data" / DATASETS["austen"].folder, site / "data" / "austen")
    first = sorted((site / "data" / "austen").iterdir())[0]
    first.write_bytes(gzip.compress(b"not the novel\n"))
    result = run_setup_cell(bare_machine, docname, site.as_uri(), tmp_path / "data")
    assert result.returncode != 0
    assert "nothing was written" in result.stderr
    assert [p for p in (tmp_path / "data").rglob("*") if p.is_file()] == []
