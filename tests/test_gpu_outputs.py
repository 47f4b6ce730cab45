"""Recorded GPU outputs: reused while fresh, never executed then, refused when
stale under the strict switch. Runs without a GPU: records are made by hand."""

import json
import shutil

import nbformat
import pytest

import gpu_outputs
from gpu_outputs import fingerprints, prepare, read_notebook, status
from preview import ROOT
from tiny_book import HEADER, build_book

GPU_HEADER = HEADER.replace("---\n\n", "dlbook:\n  gpu: true\n---\n\n", 1)
CHAPTER = "ch/big"
# Executing this cell fails the build: a build that passes reused the record.
CELL = "```{code-cell} ipython3\nraise RuntimeError('executed')\n```\n"


def write_chapter(root, cell=CELL, prose=""):
    (root / f"{CHAPTER}.md").write_text(GPU_HEADER + "# big\n\n" + prose + cell)


@pytest.fixture
def book(tmp_path):
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "code" / "dlbook").mkdir(parents=True)
    (tmp_path / "code" / "dlbook" / "models.py").write_text("WIDTH = 64\n")
    (tmp_path / "requirements.txt").write_text("torch==2.14.1\n")
    (tmp_path / "_toc.yml").write_text(
        f"format: jb-book\nroot: intro\nchapters:\n- file: {CHAPTER}\n"
    )
    (tmp_path / "intro.md").write_text("# Intro\n")
    (tmp_path / "ch").mkdir()
    write_chapter(tmp_path)
    return tmp_path


def fake_record(root, text="recorded on the GPU: 0.9312"):
    """What `record` writes, made without a GPU."""
    notebook = read_notebook(root, root / f"{CHAPTER}.md")
    code = next(c for c in notebook.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    notebook_path, provenance_path = gpu_outputs._record_paths(root, CHAPTER)
    notebook_path.parent.mkdir(exist_ok=True)
    nbformat.write(notebook, notebook_path)
    provenance = {
        "gpu": "Fake GPU 80GB",
        "torch": "2.14.1",
        "cuda": "13.0",
        "date": "2026-11-27",
        "wall_seconds": 312.4,
        "fingerprints": fingerprints(root, CHAPTER),
    }
    provenance_path.write_text(json.dumps(provenance))


def test_front_matter_declares_gpu_chapters(book):
    assert gpu_outputs.gpu_chapters(book) == [CHAPTER]


def test_missing_then_fresh(book):
    assert status(book, CHAPTER).state == "missing"
    fake_record(book)
    assert status(book, CHAPTER).fresh


def change_code_cell(root):
    write_chapter(root, cell=CELL.replace("executed", "ran"))


def change_package(root):
    (root / "code" / "dlbook" / "models.py").write_text("WIDTH = 128\n")


def change_requirements(root):
    (root / "requirements.txt").write_text("torch==2.15.0\n")


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (change_code_cell, "code cells"),
        (change_package, "dlbook package"),
        (change_requirements, "requirements"),
    ],
)
def test_a_change_makes_the_record_stale(book, edit, reason):
    fake_record(book)
    edit(book)
    s = status(book, CHAPTER)
    assert s.state == "stale"
    assert reason in s.reasons[0]


def test_prose_edits_keep_the_record_fresh(book):
    fake_record(book)
    write_chapter(book, prose="A new sentence.\n\n")
    assert status(book, CHAPTER).fresh


def test_strict_mode_refuses_a_stale_record(book):
    fake_record(book)
    change_requirements(book)
    cache = book / "_build" / ".jupyter_cache"
    with pytest.raises(SystemExit, match="make gpu-outputs"):
        prepare(book, cache, book / "results", strict=True)
    prepare(book, cache, book / "results", strict=False)  # a preview build is allowed


def build_with_records(book, cell):
    """Prepare the records strictly, build the book with ``cell`` as the GPU
    chapter, and return the chapter's HTML."""
    prepare(book, book / "_build" / ".jupyter_cache", book / "results", strict=True)
    result = build_book(book, {"intro": "Intro.\n", CHAPTER: cell}, header=GPU_HEADER)
    assert result.returncode == 0, result.stdout + result.stderr
    return (book / "_build" / "html" / "ch" / "big.html").read_text()


def test_a_fresh_record_is_rendered_without_executing(book):
    fake_record(book)
    html = build_with_records(book, CELL)
    assert "recorded on the GPU: 0.9312" in html
    assert "Outputs recorded on Fake GPU 80GB on 2026-11-27" in html


def test_a_stale_record_runs_the_chapter_and_says_so(book):
    fake_record(book)
    change_requirements(book)
    cell = "```{code-cell} ipython3\nprint('preview ran')\n```\n"
    write_chapter(book, cell=cell)
    prepare(book, book / "_build" / ".jupyter_cache", book / "results")
    result = build_book(book, {"intro": "Intro.\n", CHAPTER: cell}, header=GPU_HEADER)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (book / "_build" / "html" / "ch" / "big.html").read_text()
    assert "preview ran" in html
    assert "CPU preview" in html


# Writes a results file where dlbook.results would, as a chapter does.
RESULTS_CELL = """```{code-cell} ipython3
import os, pathlib
if "FAKE_GPU" not in os.environ:
    raise RuntimeError("executed without the fake GPU")
folder = pathlib.Path(os.environ["DLBOOK_RESULTS"])
(folder / "ch__big.json").write_text('[{"value": 0.93}]')
print("ran on the fake GPU")
```
"""


def run_record_steps(book, tmp_path, monkeypatch):
    """export, execute (with a fake GPU) and import, as on two machines."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    fake = {"gpu": "Fake GPU 80GB", "torch": "2.11.0", "cuda": "13.0"}
    monkeypatch.setattr(gpu_outputs, "_environment", lambda: fake)
    monkeypatch.setenv("DLBOOK_RESULTS", str(tmp_path / "unused"))
    monkeypatch.setenv("FAKE_GPU", "1")  # the kernel inherits it; builds do not
    exported, executed = tmp_path / "exported", tmp_path / "executed"
    gpu_outputs.export(book, [CHAPTER], exported)
    assert gpu_outputs.execute(book, exported, executed, sharing=2) == [CHAPTER]
    monkeypatch.delenv("FAKE_GPU")
    return executed


def test_a_real_execution_is_rendered_even_after_a_tag_change(
    book, tmp_path, monkeypatch
):
    """nbclient stores timings in each cell's metadata, and jupyter-cache hashes
    cell metadata: the build must still find the record, also once a tag is
    added to the chapter."""
    write_chapter(book, cell=RESULTS_CELL)
    gpu_outputs.import_records(book, run_record_steps(book, tmp_path, monkeypatch))
    notebook_path, _ = gpu_outputs._record_paths(book, CHAPTER)
    code = [c for c in nbformat.read(notebook_path, 4).cells if c.cell_type == "code"]
    assert "execution" in code[0].metadata  # what nbclient adds
    tagged = RESULTS_CELL.replace(
        "```{code-cell} ipython3\n", "```{code-cell} ipython3\n:tags: [remove-stderr]\n"
    )
    write_chapter(book, cell=tagged)
    assert status(book, CHAPTER).fresh
    html = build_with_records(book, tagged)
    assert "ran on the fake GPU" in html
    assert "while 2 other chapters ran on the same GPU" in html


def test_export_execute_import_make_a_fresh_record_with_results(
    book, tmp_path, monkeypatch
):
    write_chapter(book, cell=RESULTS_CELL)
    executed = run_record_steps(book, tmp_path, monkeypatch)
    assert gpu_outputs.import_records(book, executed) == [CHAPTER]
    s = status(book, CHAPTER)
    assert s.fresh
    assert s.provenance["gpu_shared_with"] == 2
    assert "while 2 other chapters ran on the same GPU" in gpu_outputs.notice(s)
    notebook_path, _ = gpu_outputs._record_paths(book, CHAPTER)
    outputs = [
        o for c in nbformat.read(notebook_path, 4).cells for o in c.get("outputs", [])
    ]
    assert "ran on the fake GPU" in outputs[0]["text"]
    results = book / "_build" / "results"
    prepare(book, book / "_build" / ".jupyter_cache", results, strict=True)
    assert json.loads((results / "ch__big.json").read_text()) == [{"value": 0.93}]


def test_import_refuses_outputs_of_changed_sources(book, tmp_path, monkeypatch):
    write_chapter(book, cell=RESULTS_CELL)
    executed = run_record_steps(book, tmp_path, monkeypatch)
    change_package(book)
    with pytest.raises(SystemExit, match="changed since these chapters were exported"):
        gpu_outputs.import_records(book, executed)
    assert status(book, CHAPTER).state == "missing"


def test_export_refuses_a_chapter_that_needs_no_gpu(book, tmp_path):
    with pytest.raises(SystemExit, match="not a GPU chapter"):
        gpu_outputs.export(book, ["intro"], tmp_path / "exported")


def test_chapters_may_follow_the_options(book, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(gpu_outputs, "execute", lambda *a, **k: calls.append((a, k)))
    argv = ["execute", "--root", str(book), "--exported", "in", "--executed", "out"]
    gpu_outputs.main([*argv, "--sharing", "3", CHAPTER])
    (root, exported, executed, chapters), options = calls[0]
    assert root == book
    assert (exported.name, executed.name, chapters) == ("in", "out", [CHAPTER])
    assert options == {"sharing": 3}
