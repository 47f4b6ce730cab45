import re
import subprocess
import unicodedata

import pytest

from booktools.book import code_chapters, current_commit, pdf_name, toc_pages
from site_paths import SITE, built, chapter_title

pytestmark = pytest.mark.site


@pytest.fixture(scope="module")
def text():
    pdf = built(SITE / pdf_name())
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # Ligatures and hyphenation across lines must not hide a title.
    flat = unicodedata.normalize("NFKC", result.stdout)
    return re.sub(r"\s+", " ", flat)


def test_every_chapter_title_is_in_the_pdf(text):
    # The root page (the preface) opens the PDF without a chapter heading.
    missing = [
        title
        for title in map(chapter_title, toc_pages()[1:])
        if re.sub(r"\s+", " ", title) not in text
    ]
    assert missing == []


def test_the_pdf_has_the_bibliography_and_no_unresolved_reference(text):
    assert "Bibliography" in text
    assert "Rumelhart" in text  # an entry, not only the heading
    assert "??" not in text


def test_the_title_page_carries_the_edition_stamp(text):
    assert f"Edition {current_commit()[:12]}" in text


def test_the_site_links_the_pdf():
    page = built(SITE / "book" / "foundations" / "tensors-and-operations.html")
    assert f'href="../../{pdf_name()}"' in page.read_text()


def html_numbers(docname: str) -> tuple[str, list[tuple[str, str]]]:
    """A chapter's number and its figures' numbers and captions, on the web."""
    page = built(SITE / f"{docname}.html").read_text()
    number = re.search(r'<h1><span class="section-number">(\d+)\. </span>', page)
    figures = re.findall(
        r'caption-number">Fig\. ([\d.]+) </span><span class="caption-text">([^<]{20,})',
        page,
    )
    return number.group(1), figures


def test_chapters_and_figures_have_the_same_numbers_in_the_pdf(text):
    checked = 0
    for docname in code_chapters():
        number, figures = html_numbers(docname)
        assert f"Chapter {number}. {chapter_title(docname)}" in text, docname
        for figure, caption in figures[:2]:
            words = " ".join(unicodedata.normalize("NFKC", caption).split()[:4])
            assert f"Fig. {figure}: {words}" in text, (docname, figure, words)
            checked += 1
    assert checked >= 20
