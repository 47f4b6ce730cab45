"""The published notebooks, executed the way Colab runs them.

Each CPU chapter's notebook runs top to bottom in a fresh kernel of a fresh
virtual environment that does not have the book's package: its setup cell must
install `dlbook[book]` (from this working tree instead of GitHub, with no
package index, so nothing but the working tree is used) and fetch the data, and
every later cell must then run. GPU chapters are left out: their notebooks are
meant for a GPU runtime.
"""

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from gpu_outputs import needs_gpu
from publishing import ROOT, chapters, load_site
from site_paths import SITE, built

pytestmark = pytest.mark.site

CPU_CHAPTERS = [c for c in chapters() if not needs_gpu(ROOT / f"{c}.md")]


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


@pytest.mark.parametrize("docname", CPU_CHAPTERS)
def test_notebook_runs_from_a_fresh_kernel(docname, kernel, tmp_path, monkeypatch):
    path = built(SITE / load_site().notebook_path(docname))
    notebook = nbformat.read(path, as_version=4)
    assert (
        "dlbook.data" in notebook.cells[1].source or "pip" in notebook.cells[1].source
    )
    monkeypatch.setenv("JUPYTER_PATH", str(kernel))
    monkeypatch.setenv("DLBOOK_PIP_SOURCE", f"{ROOT / 'code'}[book]")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("DLBOOK_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("MPLBACKEND", "agg")
    client = NotebookClient(
        notebook,
        kernel_name="colab",
        timeout=600,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    # A chapter that records results recorded them in this run too.
    if "ResultsLog(" in path.read_text():
        assert any((tmp_path / "results").iterdir())
