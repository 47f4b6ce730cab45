"""The editions a lecturer teaches from, as `make site` publishes them: a PDF
per chapter, the student edition without solutions (HTML, PDF, notebooks), and
the quizzes' answer key in the PDF. The decks and the interactive quizzes are
tested in a browser (test_site_browser.py)."""

import json
import re
import subprocess
import unicodedata

import pytest
from bs4 import BeautifulSoup

from booktools.book import (
    ROOT,
    STUDENT_FOLDER,
    Site,
    code_chapters,
    load_site,
    pdf_name,
    student_pdf_name,
)
from booktools.conversion import _read_bibliography
from booktools.quizzes import chapter_quizzes
from site_paths import SITE, built, chapter_title

pytestmark = pytest.mark.site

STUDENT = SITE / STUDENT_FOLDER
_CITE = re.compile(r"\{cite:[pt]\}`([^`]+)`")


def pdf_text(path) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", str(built(path)), "-"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", result.stdout))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def cited_keys(docname: str) -> set[str]:
    source = (ROOT / f"{docname}.md").read_text()
    return {key.strip() for keys in _CITE.findall(source) for key in keys.split(",")}


@pytest.mark.parametrize("edition", [SITE, STUDENT], ids=["full", "student"])
def test_every_chapter_has_its_own_pdf_with_its_title_and_references(edition):
    authors = _read_bibliography(ROOT / "references.bib")
    for docname in code_chapters():
        pdf = edition / Site.chapter_pdf_path(docname)
        text = pdf_text(pdf)
        title = re.sub(r"\s+", " ", chapter_title(docname))
        assert title in text, docname
        assert "??" not in text, docname
        # Its own chapter only: the next chapter's heading is not in it.
        assert text.count("CHAPTER") == 1, docname
        bibliography = text[text.index("[1] ") :]
        missing = [
            key
            for key in sorted(cited_keys(docname))
            if authors[key][0].split()[0].replace(" et", "") not in bibliography
        ]
        assert missing == [], (docname, missing)
        fonts = subprocess.run(
            ["pdffonts", str(pdf)], capture_output=True, text=True
        ).stdout.splitlines()[2:]
        assert fonts and all(" yes " in line for line in fonts), (docname, fonts)


def solution_texts() -> dict[str, list[str]]:
    """Page -> the sentences of its exercise solutions in the full edition."""
    found = {}
    for docname in code_chapters():
        page = BeautifulSoup(built(SITE / f"{docname}.html").read_text(), "html.parser")
        sentences = []
        for solution in page.select("div.solution"):
            for paragraph in solution.select("p"):
                text = flat(paragraph.get_text(" "))
                if len(text) > 60 and "Solution to" not in text:
                    sentences.append(text[:60])
        found[docname] = sentences
    return found


def test_the_student_edition_has_every_exercise_and_no_solution():
    solutions = solution_texts()
    assert sum(map(len, solutions.values())) > 100  # the check has teeth
    student_pdf = pdf_text(STUDENT / student_pdf_name())
    full_pdf = pdf_text(SITE / pdf_name())
    leaks = {}
    for docname, sentences in solutions.items():
        full = BeautifulSoup(built(SITE / f"{docname}.html").read_text(), "html.parser")
        page = BeautifulSoup(
            built(STUDENT / f"{docname}.html").read_text(), "html.parser"
        )
        assert not page.select("div.solution"), docname
        assert len(page.select("div.exercise")) == len(full.select("div.exercise"))
        text = flat(page.get_text(" "))
        chapter_pdf = pdf_text(STUDENT / Site.chapter_pdf_path(docname))
        notebook = json.loads(
            built(STUDENT / load_site().notebook_path(docname)).read_text()
        )
        cells = flat(" ".join("".join(c["source"]) for c in notebook["cells"]))
        for sentence in sentences:
            where = [
                name
                for name, haystack in (
                    ("page", text),
                    ("PDF", student_pdf),
                    ("chapter PDF", chapter_pdf),
                    ("notebook", cells),
                )
                if sentence in haystack
            ]
            if where:
                leaks.setdefault(docname, []).append((sentence, where))
        # The same sentences are in the full edition's PDF: the key has them.
        assert any(s in full_pdf for s in sentences) or not sentences, docname
    assert leaks == {}
    assert "Solution to" not in student_pdf
    assert not (STUDENT / "_sources").exists()


def test_the_student_edition_says_what_it_is_and_links_its_own_files():
    page = built(STUDENT / f"{code_chapters()[0]}.html").read_text()
    assert "Student edition" in page
    assert student_pdf_name() in page
    assert 'class="btn-slides-button' not in page  # decks are for lecturers
    full = built(SITE / f"{code_chapters()[0]}.html").read_text()
    assert f"{STUDENT_FOLDER}{code_chapters()[0]}.html" in full.replace("../", "")


def letters(text: str) -> str:
    """Letters and digits only, to compare text across typesetting."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def plain_start(text: str, words: int = 5) -> str | None:
    """The first words of a quiz text, if that many come before any math,
    code or role (which typesetting changes)."""
    head = re.split(r"[$`{*]", text, maxsplit=1)[0].split()
    return " ".join(head[:words]) if len(head) >= words else None


def test_the_pdf_prints_every_quiz_and_the_answer_key():
    text = pdf_text(SITE / pdf_name())
    key = letters(text[text.index("Answers to the self-check quizzes") :])
    body = letters(text)
    for docname in code_chapters():
        (questions,) = chapter_quizzes((ROOT / f"{docname}.md").read_text())
        prompts = [plain_start(q.question) for q in questions]
        explanations = [plain_start(q.explanation) for q in questions]
        assert any(prompts) and any(explanations), docname
        for prompt in filter(None, prompts):
            assert letters(prompt) in body, (docname, prompt)
        for explanation in filter(None, explanations):
            assert letters(explanation) in key, (docname, explanation)
