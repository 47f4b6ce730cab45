"""The book's build refuses to succeed when a chapter is wrong.

Each test builds a throw-away one-page book with the real `_config.yml`,
`references.bib`, the installed extension and the strict flags of `make book`,
so what is tested is the configuration the book is built with. A page that
should build is the control: without it, a build failing for an unrelated
reason would pass these tests.
"""

import re
from pathlib import Path

import pytest

from booktools.book import ROOT, STRICT_FLAGS
from tiny_book import build_book, code_cell


def build(tmp_path: Path, body: str):
    return build_book(tmp_path, {"page": body + "\n```{bibliography}\n```\n"})


def a_known_citation_key() -> str:
    from pybtex.database import parse_file

    return next(iter(parse_file(ROOT / "references.bib").entries))


def test_a_correct_page_builds(tmp_path):
    body = (
        code_cell("x = 6 * 7\nprint(x)")
        + f"\nSee {{cite:p}}`{a_known_citation_key()}`.\n"
    )
    result = build(tmp_path, body)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "_build" / "html" / "page.html").read_text()
    assert "42" in page
    # The bibliography's entries are items of its list (an ARIA requirement).
    assert 'class="citation" role="listitem"' in page
    assert "doc-biblioentry" not in page


def test_a_collapsed_cell_is_named_by_its_visible_prompt(tmp_path):
    result = build(tmp_path, code_cell("print('hidden')", tags="hide-input"))
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "_build" / "html" / "page.html").read_text()
    assert "<summary>" in page and "Show code cell source" in page
    assert "Toggle hidden content" not in page  # myst-nb's label, replaced


def test_a_tagged_cell_may_raise(tmp_path):
    result = build(tmp_path, code_cell("1 / 0", tags="raises-exception"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "ZeroDivisionError" in (tmp_path / "_build" / "html" / "page.html").read_text()
    )


def test_a_cell_that_raises_fails_the_build(tmp_path):
    result = build(tmp_path, code_cell("print('before')") + code_cell("1 / 0"))
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("See {cite:p}`no-such-key-2099`.\n", "no-such-key-2099"),
        ("See {ref}`sec-no-such-section`.\n", "sec-no-such-section"),
        ("See {numref}`fig-no-such-figure`.\n", "fig-no-such-figure"),
    ],
)
def test_an_unresolved_reference_fails_the_build(tmp_path, body, message):
    result = build(tmp_path, body)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_the_book_config_is_strict():
    """The settings the tests above rely on are the book's own."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["execute"]["allow_errors"] is False
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert {"-W", "-n", "--keep-going"} <= set(STRICT_FLAGS)


def test_the_pdf_numbers_chapters_from_the_first_after_the_preface(tmp_path):
    """The root page's sections are unnumbered in LaTeX, as on the web."""
    from booktools.book import jupyter_book_build
    from tiny_book import write_book

    write_book(tmp_path, {"intro": "## About\n\nText.\n", "ch/a": "Text.\n"})
    result = jupyter_book_build(
        tmp_path, builder="latex", capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (tex,) = (tmp_path / "_build" / "latex").glob("*.tex")
    text = tex.read_text()
    off = text.index(r"\setcounter{secnumdepth}{-1}")
    on = text.index(r"\setcounter{secnumdepth}{2}")
    assert off < text.index(r"\chapter{About}") < on < text.index(r"\chapter{a}")


TEACHING = """\
(sec-page)=
## A section

Text before.

::::{slide} A lecture slide
:slides-only:
- Bullet for the room
::::

:::{slide}
$$
y = 2x
$$
:::

```{quiz}
- question: Which is right?
  options:
    - text: This one
      correct: true
    - text: $x^2$
  explanation: Because it is.
  section: sec-page
- question: Two plus two?
  answer: 4
  explanation: Count.
  section: sec-page
- question: Three plus two?
  answer: 5
  explanation: Count on.
  section: sec-page
- question: Four plus two?
  answer: 6
  explanation: Count further.
  section: sec-page
- question: Five plus two?
  answer: 7
  explanation: Count again.
  section: sec-page
```

:::{exercise}
:label: ex-page
Try it.
:::

:::{solution} ex-page
:class: dropdown
The secret answer is forty-two.
:::
"""


def test_a_quiz_and_slides_build_into_a_form_and_hidden_slide_text(tmp_path):
    result = build(tmp_path, TEACHING)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "_build" / "html" / "page.html").read_text()
    assert page.count('<fieldset class="dlbook-quiz-question"') == 5
    assert 'data-kind="choice" data-answer="0"' in page
    assert 'data-kind="numeric" data-answer="4.0"' in page
    assert '<input type="radio"' in page and "Because it is." in page
    # An option in math alone is named by its TeX for screen readers.
    assert 'value="1" aria-label="x^2">' in page
    # The lecture-only bullet is on the page for the deck, but hidden.
    assert re.search(r'<div class="dlbook-slide"[^>]*hidden>\s*<ul', page)
    assert "The secret answer" in page  # the full edition keeps solutions


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("      correct: true\n", ""), "0 options are marked correct"),
        (("  section: sec-page\n", "  section: sec-nowhere\n"), "sec-nowhere"),
        ((":slides-only:\n", ":figure: fig-nowhere\n"), "fig-nowhere"),
    ],
)
def test_a_broken_quiz_or_slide_fails_the_build(tmp_path, change, message):
    result = build(tmp_path, TEACHING.replace(*change, 1))
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_the_student_edition_drops_solutions_and_lecture_notes(tmp_path):
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["sphinx"]["config"]["dlbook_student"] = True
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    result = build(tmp_path, TEACHING)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "_build" / "html" / "page.html").read_text()
    assert "Try it." in page and "Student edition" in page
    assert "The secret answer" not in page
    assert "Bullet for the room" not in page
    assert "y = 2x" in page  # slide content that is the book's own stays
