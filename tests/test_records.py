"""Recorded GPU outputs: reused while fresh and never executed then; the page
says what it shows, read from what was rendered; the GPU policy decides when a
stale record fails the build. Runs without a GPU: records are made by hand or
executed with a fake GPU."""

import json
import os
import shutil

import nbformat
import pytest
from sphinx.errors import ExtensionError

from booktools import records
from booktools.book import (
    ROOT,
    BookError,
    gpu_chapters,
    jupyter_book_build,
    read_chapter_notebook,
)
from booktools.commands import gpu_records
from booktools.records import fingerprints, record_paths, status
from booktools.sphinx.execution import enforce, notice_for, policy
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
    (tmp_path / "code" / "pyproject.toml").write_text("[project]\n")
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
    notebook = read_chapter_notebook(root, CHAPTER)
    code = next(c for c in notebook.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    notebook_path, provenance_path = record_paths(root, CHAPTER)
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


def change_code_cell(root):
    write_chapter(root, cell=CELL.replace("executed", "ran"))


def change_package(root):
    """A change every chapter depends on: the package's metadata."""
    (root / "code" / "pyproject.toml").write_text("[project]\nname = 'x'\n")


def change_requirements(root):
    (root / "requirements.txt").write_text("torch==2.15.0\n")


def build(book, cell=CELL):
    """A bare strict build of the book with ``cell`` as the GPU chapter (no
    step before it: the extension does everything), and the chapter's HTML."""
    result = build_book(book, {"intro": "Intro.\n", CHAPTER: cell}, header=GPU_HEADER)
    assert result.returncode == 0, result.stdout + result.stderr
    return (book / "_build" / "html" / "ch" / "big.html").read_text()


# Status --------------------------------------------------------------------


def test_front_matter_declares_gpu_chapters(book):
    assert gpu_chapters(book) == [CHAPTER]


def test_missing_then_fresh(book):
    assert status(book, CHAPTER).state == "missing"
    fake_record(book)
    assert status(book, CHAPTER).fresh


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (change_code_cell, "code cells"),
        (change_package, "dlbook modules"),
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


def test_a_module_the_chapter_does_not_import_keeps_the_record_fresh(book):
    fake_record(book)  # the chapter imports no dlbook module
    (book / "code" / "dlbook" / "models.py").write_text("WIDTH = 128\n")
    assert status(book, CHAPTER).fresh


# The GPU policy ------------------------------------------------------------


def stale_and_missing(book):
    fake_record(book)
    change_requirements(book)
    stale = status(book, CHAPTER)
    missing = records.Status("ch/other", "missing", ("no record",), None)
    return stale, missing


def test_strict_refuses_a_stale_record_and_preview_allows_it(book):
    stale, _ = stale_and_missing(book)
    with pytest.raises(ExtensionError, match="ch/big: stale"):
        enforce([stale], "strict")
    enforce([stale], "preview")


def test_publish_is_strict_once_every_gpu_chapter_has_a_record(book):
    stale, missing = stale_and_missing(book)
    enforce([stale, missing], "publish")  # not every chapter recorded yet
    with pytest.raises(ExtensionError, match="DLBOOK_GPU_POLICY=publish"):
        enforce([stale], "publish")


def test_an_unknown_policy_names_the_choices(monkeypatch):
    monkeypatch.setenv("DLBOOK_GPU_POLICY", "lenient")
    with pytest.raises(ExtensionError, match="preview, strict, publish"):
        policy()
    monkeypatch.delenv("DLBOOK_GPU_POLICY")
    assert policy() == "preview"


def test_a_strict_build_fails_on_a_stale_record(book, monkeypatch):
    stale_and_missing(book)
    monkeypatch.setenv("DLBOOK_GPU_POLICY", "strict")
    result = build_book(book, {"intro": "Intro.\n", CHAPTER: CELL}, header=GPU_HEADER)
    assert result.returncode != 0
    assert "the pinned requirements changed since the record" in result.stderr


# What the page shows, and says ------------------------------------------------


def test_a_fresh_record_is_rendered_without_executing_even_after_make_clean(book):
    fake_record(book)
    for _ in range(2):
        html = build(book)
        assert "recorded on the GPU: 0.9312" in html
        assert "Outputs recorded on Fake GPU 80GB on 2026-11-27" in html
        assert "CPU preview" not in html
        shutil.rmtree(book / "_build")  # make clean, then a bare build again


def test_a_stale_record_runs_the_chapter_and_says_so(book):
    fake_record(book)
    change_requirements(book)
    cell = "```{code-cell} ipython3\nprint('preview ran')\n```\n"
    write_chapter(book, cell=cell)
    html = build(book, cell)
    assert "preview ran" in html
    assert "CPU preview" in html and "stale" in html
    assert "Outputs recorded on" not in html


RUN_PROSE = """\
:::{full-run}
The deep network overtakes the shallow one.
:::

:::{preview-run}
This short run is far from converged.
:::

"""


def test_a_preview_states_none_of_the_full_runs_conclusions(book):
    cell = "```{code-cell} ipython3\nprint('preview ran')\n```\n"
    html = build(book, RUN_PROSE + cell)
    assert "CPU preview" in html
    assert "far from converged" in html
    assert "overtakes" not in html


def test_a_recorded_page_states_the_full_runs_conclusions_only(book):
    write_chapter(book, prose=RUN_PROSE)
    fake_record(book)
    html = build(book, RUN_PROSE + CELL)
    assert "Outputs recorded on Fake GPU" in html
    assert "overtakes the shallow one" in html
    assert "far from converged" not in html


def test_a_chapter_with_one_configuration_has_no_full_run_prose(tmp_path):
    result = build_book(tmp_path, {"intro": "Intro.\n", "ch": RUN_PROSE})
    assert result.returncode != 0
    assert "{full-run} is for GPU chapters" in result.stdout + result.stderr


def test_a_record_that_was_not_rendered_is_never_announced(book):
    """A fresh record whose outputs are not what the build rendered (here: the
    book forces execution) gets the preview notice, not the provenance."""
    cell = "```{code-cell} ipython3\nprint('executed here')\n```\n"
    write_chapter(book, cell=cell)
    fake_record(book)
    config = (book / "_config.yml").read_text()
    (book / "_config.yml").write_text(
        config.replace("execute_notebooks: cache", "execute_notebooks: force")
    )
    assert status(book, CHAPTER).fresh
    html = build(book, cell)
    assert "executed here" in html and "recorded on the GPU" not in html
    assert "Outputs recorded on" not in html
    assert "was not used by this build" in html


def test_the_notice_says_what_the_page_rendered(book):
    fake_record(book)
    s = status(book, CHAPTER)
    assert "Outputs recorded on Fake GPU" in notice_for(s, s.provenance).astext()
    assert "was not used by this build" in notice_for(s, None).astext()
    change_requirements(book)
    stale = status(book, CHAPTER)
    assert "outputs are stale" in notice_for(stale, None).astext()


def test_the_cached_record_carries_its_provenance_hidden(book):
    fake_record(book)
    notebook = records.recorded_notebook(book, CHAPTER)
    code = next(c for c in notebook.cells if c.cell_type == "code")
    marker = code.outputs[-1]
    assert marker.metadata["scrapbook"]["name"] == records.PROVENANCE_GLUE
    assert all(key.startswith(records.HIDDEN_GLUE) for key in marker.data)
    provenance = json.loads(marker.data[records.HIDDEN_GLUE + "text/plain"])
    assert provenance["gpu"] == "Fake GPU 80GB"


# Recording: export, execute, import --------------------------------------------

# Records a result, as chapters do; raises unless the fake GPU is there.
RESULTS_CELL = """```{code-cell} ipython3
import os
from dlbook.results import ResultsLog
if "FAKE_GPU" not in os.environ:
    raise RuntimeError("executed without the fake GPU")
ResultsLog(session=3).record(dataset="data", model="net", metric="test accuracy",
                             value=0.93, device="Fake GPU")
print("ran on the fake GPU")
```
"""


def run_record_steps(book, tmp_path, monkeypatch):
    """export, execute (with a fake GPU) and import, as on two machines."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    fake = {"gpu": "Fake GPU 80GB", "torch": "2.11.0", "cuda": "13.0"}
    monkeypatch.setattr(records, "gpu_environment", lambda: fake)
    exported, executed = tmp_path / "exported", tmp_path / "executed"
    records.export(book, [CHAPTER], exported)
    env = {**os.environ, "FAKE_GPU": "1"}  # the kernel's only; builds lack it
    assert records.execute(book, exported, executed, sharing=2, env=env) == [CHAPTER]
    assert "FAKE_GPU" not in os.environ
    return executed


def test_a_real_execution_is_rendered_with_its_results_after_a_tag_change(
    book, tmp_path, monkeypatch
):
    """nbclient stores timings in each cell's metadata, and jupyter-cache hashes
    cell metadata: the build must still find the record, also once a tag is
    added to the chapter; the results it glued reach results.json."""
    write_chapter(book, cell=RESULTS_CELL)
    assert records.import_records(
        book, run_record_steps(book, tmp_path, monkeypatch)
    ) == [CHAPTER]
    notebook_path, _ = record_paths(book, CHAPTER)
    code = [c for c in nbformat.read(notebook_path, 4).cells if c.cell_type == "code"]
    assert "execution" in code[0].metadata  # what nbclient adds
    tagged = RESULTS_CELL.replace(
        "```{code-cell} ipython3\n", "```{code-cell} ipython3\n:tags: [remove-stderr]\n"
    )
    write_chapter(book, cell=tagged)
    s = status(book, CHAPTER)
    assert s.fresh and s.provenance["gpu_shared_with"] == 2
    html = build(book, tagged)
    assert "ran on the fake GPU" in html
    assert "while 2 other chapters ran on the same GPU" in html
    results = json.loads((book / "_build" / "html" / "results.json").read_text())
    assert [(r["chapter"], r["value"], r["device"]) for r in results] == [
        (CHAPTER, 0.93, "Fake GPU")
    ]


def test_import_refuses_outputs_of_changed_sources(book, tmp_path, monkeypatch):
    write_chapter(book, cell=RESULTS_CELL)
    executed = run_record_steps(book, tmp_path, monkeypatch)
    change_package(book)
    with pytest.raises(BookError, match="changed since these chapters were exported"):
        records.import_records(book, executed)
    assert status(book, CHAPTER).state == "missing"


def test_export_refuses_a_chapter_that_needs_no_gpu(book, tmp_path):
    with pytest.raises(BookError, match="not a GPU chapter"):
        records.export(book, ["intro"], tmp_path / "exported")


# The command line -----------------------------------------------------------


def test_the_command_line_has_a_subcommand_per_step(book, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(gpu_records, "execute", lambda *a, **k: calls.append((a, k)))
    for argv in (
        ["execute", "--exported", "in", "--to", "out", "--sharing", "3", CHAPTER],
        ["execute", CHAPTER, "--exported", "in", "--to", "out", "--sharing", "3"],
    ):
        assert gpu_records.main(["--root", str(book), *argv]) == 0
        (root, exported, executed, chapters), options = calls.pop()
        assert root == book
        assert (exported.name, executed.name, chapters) == ("in", "out", [CHAPTER])
        assert options == {"sharing": 3}
    assert gpu_records.main(["--root", str(book), "check"]) == 0
    assert f"missing  {CHAPTER}: no record in gpu-records/" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        gpu_records.main(["--root", str(book), "prepare"])  # not a step any more


def test_a_record_made_after_a_build_is_shown_by_the_next_one(book):
    cell = "```{code-cell} ipython3\nprint('preview ran')\n```\n"
    write_chapter(book, cell=cell)
    html = build(book, cell)
    assert "preview ran" in html and "CPU preview" in html
    fake_record(book)  # the chapter's source does not change, nor its mtime
    result = jupyter_book_build(book, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (book / "_build" / "html" / "ch" / "big.html").read_text()
    assert "recorded on the GPU: 0.9312" in html  # the record's output
    assert "Outputs recorded on Fake GPU 80GB" in html and "CPU preview" not in html
