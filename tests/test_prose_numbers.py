"""Numbers typed into prose: found where a run could change them, left alone
where they are code, math, glue, cited, deliberate by form or declared, and
none left in any chapter."""

import textwrap

import pytest

from booktools.book import ROOT, toc_pages
from booktools.prose_numbers import typed_numbers

CHAPTER = textwrap.dedent(
    """\
    ---
    dlbook:
      constants:
        "784": pixels of a 28 x 28 image
        "4,096": a declaration nothing uses
    ---
    # A chapter

    The network reaches 97.3% after 15 epochs.
    It reads 784 pixels, in `x.view(-1, 784)`, as $28 \\times 28 = 784$.
    Accuracy is {glue:text}`acc:.1%`, see {ref}`sec-x` and [the page](page.md#s-12).
    AlexNet had 60 million parameters {cite:p}`krizhevsky2012imagenet`.
    Rule 3 of 2 axes, a 16-bit float, a paper from 1998.

    $$
    z = 0.5 \\cdot 42
    $$

    ```{code-cell} ipython3
    epochs = 15
    ```

    ```{quiz}
    - question: How many?
      answer: 1234
    ```

    :::{figure} fig.png
    :width: 80%
    A caption that types 0.25 of the data.
    :::
    """
)


def test_only_numbers_that_nothing_shows_to_be_deliberate_are_listed(tmp_path):
    path = tmp_path / "chapter.md"
    path.write_text(CHAPTER)
    found = {(typed.line, typed.number) for typed in typed_numbers(path)}
    assert found == {(9, "97.3"), (9, "15"), (30, "0.25"), (0, "4,096")}


def test_a_constants_entry_must_map_numbers_to_meanings(tmp_path):
    path = tmp_path / "chapter.md"
    path.write_text('---\ndlbook:\n  constants: ["784"]\n---\n# A\n')
    with pytest.raises(ValueError, match="maps each number"):
        typed_numbers(path)


@pytest.mark.parametrize("docname", toc_pages())
def test_no_chapter_types_a_number_that_no_cell_produced(docname):
    found = typed_numbers(ROOT / f"{docname}.md")
    assert not found, "glue these, cite them or declare them in dlbook.constants:\n" + (
        "\n".join(map(str, found))
    )
