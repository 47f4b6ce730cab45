"""The book's facts (booktools.book), read from the real configuration."""

import re

import pytest

from booktools import book


def test_the_book_is_published_from_one_configured_place():
    site = book.load_site()
    assert site.repo_url.startswith("https://github.com/")
    assert book.pdf_name().endswith(".pdf")


def test_each_list_of_pages_says_what_it_holds():
    pages = book.toc_pages()
    chapters = book.code_chapters()
    assert pages[0] == "book/preface"
    assert "book/back-matter/bibliography" in pages
    assert "book/foundations/tensors-and-operations" in chapters
    assert not any(name.startswith("book/back-matter") for name in chapters)
    assert set(chapters) < set(pages)
    assert set(book.gpu_chapters()) <= set(chapters)
    assert "book/convnets/modern-cnns" in book.gpu_chapters()


def test_the_current_commit_is_a_full_hash():
    commit = book.current_commit()
    assert len(commit) == 40 and int(commit, 16) >= 0


def test_outside_a_checkout_the_commit_is_an_error(tmp_path):
    with pytest.raises(book.BookError, match="not a git checkout"):
        book.current_commit(tmp_path)


def test_an_atomic_write_replaces_a_file_whole(tmp_path):
    target = tmp_path / "deep" / "file.json"
    book.write_atomic(target, "first")
    book.write_atomic(target, b"second")
    assert target.read_text() == "second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.json"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "file.txt"
    book.write_atomic(target, "old")

    class Unwritable:
        pass

    with pytest.raises(TypeError):
        book.write_atomic(target, Unwritable())
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_front_matter_is_read_and_absent_front_matter_is_empty():
    assert book.front_matter("---\ndlbook:\n  gpu: true\n---\n# T\n") == {
        "dlbook": {"gpu": True}
    }
    assert book.front_matter("# No front matter\n") == {}


def test_every_chapter_with_code_serves_a_session_of_the_course_map():
    sessions = book.course_sessions()
    assert set(sessions) == set(book.code_chapters())
    assert sessions["book/convnets/modern-cnns"] == "11"
    assert sessions["book/neural-networks/mnist-homework"] == "7"


def test_chapters_point_to_each_other_by_link_not_by_name():
    # "as the session on channels showed" breaks silently when a chapter is
    # renamed, split or dropped; a {ref} to its label fails the strict build.
    # ("The chapter on ..." of another book, in a reading list, is fine.)
    by_name = re.compile(r"\bsession on [a-z]", re.IGNORECASE)
    found = []
    for page in book.toc_pages():
        text = (book.ROOT / f"{page}.md").read_text()
        text = re.sub(r"\{ref\}`[^`]*`", "", text)  # linked mentions are fine
        found += [f"{page}: {m.group(0)}..." for m in by_name.finditer(text)]
    assert not found, "\n".join(found)
