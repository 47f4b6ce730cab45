"""The execution-cache guard re-executes exactly the chapters whose imported
dlbook modules or pinned requirements changed (booktools.sphinx.execution)."""

import shutil

import pytest
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from booktools.book import ROOT, read_chapter_notebook
from booktools.fingerprint import dlbook_imports, module_closure, python_only
from booktools.sphinx.execution import FINGERPRINT_FILE, guard_cache
from tiny_book import HEADER, code_cell

CHAPTERS = {
    "train": "from dlbook.training import fit\nprint(fit)",
    "text": "from dlbook import text\nprint(text)",
    "plain": "print('no dlbook')",
}


@pytest.fixture
def book(tmp_path):
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    package = tmp_path / "code" / "dlbook"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "training.py").write_text("from dlbook.devices import get\nLR = 1\n")
    (package / "devices.py").write_text("def get(): pass\n")
    (package / "text.py").write_text("WORDS = 1\n")
    (package / "book.mplstyle").write_text("axes.grid: True\n")
    (tmp_path / "code" / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "requirements.txt").write_text("torch==2.14.1\n")
    (tmp_path / "requirements-lock.txt").write_text("numpy==2.4.6\n")
    for name, source in CHAPTERS.items():
        (tmp_path / f"{name}.md").write_text(
            HEADER + f"# {name}\n\n" + code_cell(source)
        )
    return tmp_path


def cache_dir(book):
    return book / "_build" / ".jupyter_cache"


def guard(book) -> list[str]:
    return guard_cache(book, cache_dir(book), list(CHAPTERS))


def build(book):
    """What a build leaves: every chapter executed and cached."""
    store = get_cache(str(cache_dir(book)))
    for name in CHAPTERS:
        notebook = read_chapter_notebook(book, name)
        store.cache_notebook_bundle(
            CacheBundleIn(nb=notebook, uri=str(book / f"{name}.md")),
            check_validity=False,
            overwrite=True,
        )


def cached(book) -> set[str]:
    store = get_cache(str(cache_dir(book)))
    found = set()
    for name in CHAPTERS:
        try:
            store.match_cache_notebook(read_chapter_notebook(book, name))
            found.add(name)
        except KeyError:
            pass
    return found


def edit(book, path, text="# changed\n"):
    with open(book / path, "a") as file:
        file.write(text)


def test_unchanged_dependencies_keep_the_cache(book):
    guard(book)
    build(book)
    assert guard(book) == []
    assert cached(book) == set(CHAPTERS)


@pytest.mark.parametrize(
    ("changed", "reexecuted"),
    [
        ("code/dlbook/training.py", ["train"]),
        ("code/dlbook/devices.py", ["train"]),  # imported by training
        ("code/dlbook/text.py", ["text"]),
        ("code/dlbook/book.mplstyle", list(CHAPTERS)),  # data: every chapter
        ("code/pyproject.toml", list(CHAPTERS)),
        ("requirements.txt", list(CHAPTERS)),
        ("requirements-lock.txt", list(CHAPTERS)),
    ],
)
def test_a_changed_dependency_reexecutes_the_chapters_that_use_it(
    book, changed, reexecuted
):
    guard(book)
    build(book)
    edit(book, changed)
    assert guard(book) == reexecuted
    assert cached(book) == set(CHAPTERS) - set(reexecuted)
    # Once they executed again, the cache is valid.
    build(book)
    assert guard(book) == []


def test_a_new_module_changes_only_what_imports_it(book):
    guard(book)
    build(book)
    (book / "code" / "dlbook" / "models.py").write_text("")
    assert guard(book) == []
    edit(book, "code/dlbook/text.py", "from dlbook.models import X\n")
    assert guard(book) == ["text"]


def test_chapter_edits_and_bytecode_do_not_clear_the_cache(book):
    guard(book)
    build(book)
    edit(book, "plain.md", "More prose.\n")
    pycache = book / "code" / "dlbook" / "__pycache__"
    pycache.mkdir()
    (pycache / "training.cpython-311.pyc").write_bytes(b"\0")
    assert guard(book) == []


def test_a_cache_of_unknown_provenance_is_cleared(book):
    build(book)  # a cache left by a build before the fingerprints existed
    assert guard(book) == list(CHAPTERS)
    assert cached(book) == set()
    assert (cache_dir(book) / FINGERPRINT_FILE).is_file()


def test_imports_are_read_in_every_form():
    assert dlbook_imports("from dlbook.training import fit") == {"training"}
    assert dlbook_imports("from dlbook import text, data") == {"text", "data"}
    assert dlbook_imports("import dlbook.seeding as s") == {"seeding"}
    assert dlbook_imports("import dlbook") == {"*"}
    assert dlbook_imports("def f():\n    from dlbook.results import R") == {"results"}
    assert dlbook_imports("import dlbookish") == set()
    cell = "%xmode Minimal\nfrom dlbook.devices import get\n!ls"
    assert dlbook_imports(python_only(cell)) == {"devices"}
    nested = (
        "try:\n    %xmode Minimal\n    from dlbook.text import V\nexcept E:\n    pass"
    )
    assert dlbook_imports(python_only(nested)) == {"text"}


def test_the_real_package_closure_follows_its_imports():
    assert module_closure(ROOT, {"translation"}) >= {"translation", "text"}
    assert module_closure(ROOT, {"training"}) >= {"training", "devices"}
    assert "data" in module_closure(ROOT, {"*"})
