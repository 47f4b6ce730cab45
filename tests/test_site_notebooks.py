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
  bottom in that kernel.

A notebook whose code differs from what ran, whose setup cell fails, or that
imports something ``dlbook[book]`` does not install fails here.
"""

import ast
import json
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
        for node in ast.walk(ast.parse(source)):
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
