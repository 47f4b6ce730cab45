"""The execution-cache guard: the cache is cleared exactly when what the
chapters import changes (booktools.sphinx.execution.guard_cache)."""

import pytest

from booktools.fingerprint import dependencies
from booktools.sphinx.execution import FINGERPRINT_FILE, guard_cache


@pytest.fixture
def book(tmp_path):
    (tmp_path / "code" / "dlbook").mkdir(parents=True)
    (tmp_path / "code" / "dlbook" / "training.py").write_text("LR = 0.1\n")
    (tmp_path / "code" / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "requirements.txt").write_text("torch==2.14.1\n")
    (tmp_path / "requirements-lock.txt").write_text("numpy==2.4.6\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "chapter.md").write_text("# A chapter\n")
    return tmp_path


def folders(book):
    return book / "_build" / ".jupyter_cache", book / "_build" / ".doctrees"


def guard(book) -> bool:
    return guard_cache(book, *folders(book))


def build(book):
    """What a build leaves behind: an execution cache and Sphinx doctrees."""
    for folder in folders(book):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "entry").write_text("outputs")


def caches_exist(book) -> bool:
    return all((folder / "entry").exists() for folder in folders(book))


def test_unchanged_dependencies_keep_the_cache(book):
    guard(book)
    build(book)
    assert guard(book) is False
    assert caches_exist(book)


@pytest.mark.parametrize(
    "changed",
    [
        "code/dlbook/training.py",
        "code/pyproject.toml",
        "requirements.txt",
        "requirements-lock.txt",
    ],
)
def test_a_changed_dependency_clears_the_cache(book, changed):
    guard(book)
    build(book)
    with open(book / changed, "a") as file:
        file.write("# changed\n")
    assert guard(book) is True
    assert not (book / "_build" / ".doctrees").exists()
    cache = book / "_build" / ".jupyter_cache"
    assert [p.name for p in cache.iterdir()] == [FINGERPRINT_FILE]
    # The next build after the clearing is cached again.
    build(book)
    assert guard(book) is False


def test_a_new_module_in_the_package_clears_the_cache(book):
    guard(book)
    build(book)
    (book / "code" / "dlbook" / "models.py").write_text("")
    assert guard(book) is True


def test_chapter_edits_and_bytecode_do_not_clear_the_cache(book):
    guard(book)
    build(book)
    (book / "book" / "chapter.md").write_text("# Edited\n")
    pycache = book / "code" / "dlbook" / "__pycache__"
    pycache.mkdir()
    (pycache / "training.cpython-311.pyc").write_bytes(b"\0")
    assert guard(book) is False


def test_a_cache_of_unknown_provenance_is_cleared(book):
    build(book)  # a cache left by a build before the fingerprint existed
    assert guard(book) is True
    assert not caches_exist(book)


def test_the_fingerprint_depends_on_content_and_names(book):
    first = dependencies(book)
    module = book / "code" / "dlbook" / "training.py"
    module.rename(module.with_name("loops.py"))
    assert dependencies(book) != first
