"""The book's PDFs (booktools.pdfs): a chapter's pages found from the outline."""

import pytest
from pypdf import PdfReader, PdfWriter

from booktools.book import BookError
from booktools.pdfs import bibliography_range, chapter_ranges, log_problems


@pytest.fixture
def book_pdf(tmp_path):
    """Ten blank pages; the outline of a preface, two chapters, a bibliography."""
    writer = PdfWriter()
    for _ in range(10):
        writer.add_blank_page(width=200, height=200)
    for title, page in (
        ("Preface", 0),
        ("Sequence\u2013to\u2013sequence models", 2),
        ("The model\u2019s attention", 5),
        ("Bibliography", 8),
    ):
        writer.add_outline_item(title=title, page_number=page)
    path = tmp_path / "book.pdf"
    writer.write(path)
    return PdfReader(path)


def test_a_chapter_runs_from_its_bookmark_to_the_next(book_pdf):
    titles = {"a": "Sequence-to-sequence models", "b": "The model's attention"}
    ranges = chapter_ranges(book_pdf, titles)
    # Blank trailing pages (a chapter's last page before a right-hand start)
    # are left out: here every page is blank, so only the first remains.
    assert ranges == {"a": range(2, 3), "b": range(5, 6)}
    assert bibliography_range(book_pdf) == range(8, 10)


def test_a_chapter_missing_from_the_outline_is_an_error(book_pdf):
    with pytest.raises(BookError, match="0 top-level entries titled 'Nowhere'"):
        chapter_ranges(book_pdf, {"c": "Nowhere"})


def test_pdf_log_problems_finds_missing_glyphs_and_undefined_references():
    log = (
        "Missing character: There is no ⊙ in font FreeSerif:mode=node;!\n"
        "Missing character: There is no ⊙ in font FreeSerif:mode=node;!\n"
        "LaTeX Warning: Reference `index:sec-x' on page 3 undefined on input line 9.\n"
        "LaTeX Warning: Citation `smith' on page 4 undefined on input line 12.\n"
        "Overfull \\hbox (1.0pt too wide) in paragraph\n"
    )
    assert log_problems(log) == [
        "no glyph for ⊙ in font FreeSerif:mode=node;",
        "undefined citation smith",
        "undefined reference index:sec-x",
    ]
    assert log_problems("Output written on book.pdf (300 pages).") == []
