import json
import subprocess
import sys
import textwrap

import nbformat
import pytest

from booktools.book import BookError, Site
from booktools.conversion import (
    BuildInfo,
    Converter,
    convert,
    datasets_used,
    notebook_code,
    setup_source,
)
from tiny_book import HEADER

SITE = Site(repo_url="https://github.com/someone/the-book", branch="main")
COMMIT = "0123456789abcdef0123456789abcdef01234567"
DOC = "book/part/chapter"

CHAPTER = HEADER + textwrap.dedent(
    """\
    (sec-chapter)=
    # A chapter

    Accuracy {glue:text}`acc:.1%` after {glue:text}`epochs` epochs, as
    {cite:t}`smith2020` showed {cite:p}`smith2020,doe2019`.
    See {numref}`fig-curve`, {ref}`sec-other`, {ref}`that part <sec-other>`
    and {eq}`eq-loss`.

    $$
    L = x^2
    $$ (eq-loss)

    ```{code-cell} ipython3
    from dlbook.data import load_mnist
    train = load_mnist(train=True)
    ```

    ```{code-cell} ipython3
    ---
    tags: [raises-exception]
    ---
    raise ValueError("shapes differ")
    ```

    :::{note}
    A note with {glue:text}`acc:.2f`.
    :::

    ```{literalinclude} helper.py
    :pyobject: double
    ```

    :::{exercise}
    :label: ex-chapter-one
    Do it.
    :::

    :::{solution} ex-chapter-one
    :class: dropdown
    Done.
    :::

    ```{results-chart}
    :dataset: D
    :metric: test chrF
    :caption: Scores by length, from several chapters.
    :name: fig-curve
    ```
    """
)

HELPER = (
    "import math\n\n\ndef double(x):\n    return 2 * x\n\n\ndef other():\n    pass\n"
)


@pytest.fixture
def info():
    return BuildInfo(
        labels={"sec-other": ("book/part/other", "sec-other", "Another section")},
        anonlabels={
            "fig-curve": (DOC, "fig-curve"),
            "sec-other": ("book/part/other", "sec-other"),
        },
        equations={"eq-loss": (DOC, 3)},
        fignumbers={DOC: {"figure": {"fig-curve": (4, 2)}}},
        secnumbers={},
        citations={"smith2020": ("Smith et al.", "2020"), "doe2019": ("Doe", "2019")},
        glue={DOC: {"acc": {"text/plain": "0.9123"}, "epochs": {"text/plain": "5"}}},
    )


@pytest.fixture
def book(tmp_path):
    (tmp_path / "book" / "part").mkdir(parents=True)
    (tmp_path / "book" / "part" / "chapter.md").write_text(CHAPTER)
    (tmp_path / "book" / "part" / "helper.py").write_text(HELPER)
    return tmp_path


def test_a_chapter_becomes_plain_notebook_markdown(book, info):
    notebook = convert(DOC, SITE, info, COMMIT, root=book)
    nbformat.validate(notebook)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "Accuracy 91.2% after 5 epochs" in text
    assert "Smith et al. (2020) showed (Smith et al., 2020; Doe, 2019)" in text
    page = "https://someone.github.io/the-book/"
    assert f"[Figure 4.2]({page}book/part/chapter.html#fig-curve)" in text
    # A chart of several chapters' records: only the site can draw it.
    assert (
        f"[Figure 4.2]({page}book/part/chapter.html#fig-curve) on the book's site"
        " draws these results." in text
    )
    assert f"[Another section]({page}book/part/other.html#sec-other)" in text
    assert f"[that part]({page}book/part/other.html#sec-other)" in text
    assert "\\tag{3}" in text and "(eq-loss)" not in text
    assert "> **Note.**" in text and "A note with 0.91." in text
    assert "def double(x):\n    return 2 * x" in text and "def other" not in text
    assert (
        "**Exercise 1.**" in text
        and "<summary>Solution to exercise 1</summary>" in text
    )
    # Nothing only Sphinx understands is left.
    for marker in (
        "{glue",
        "{cite",
        "{ref}",
        "{numref}",
        "{eq}",
        ":::",
        "```{",
        "(sec-",
    ):
        assert marker not in text, marker
    assert notebook.cells[0].source.startswith("# A chapter")


def test_setup_cell_installs_the_package_and_fetches_the_chapters_data(book, info):
    notebook = convert(DOC, SITE, info, COMMIT, root=book)
    setup = notebook.cells[1].source
    assert notebook.cells[1].cell_type == "code"
    # The package at the commit the site was built from, not the branch.
    assert (
        f"git+https://github.com/someone/the-book@{COMMIT}#subdirectory=code" in setup
    )
    assert "@main" not in setup
    assert "for name in ['mnist']:" in setup
    assert '"dlbook.mirror"' in setup  # the site's copy, where apt and npm fail
    assert (
        'SITE = os.environ.get("DLBOOK_SITE", "https://someone.github.io/the-book/")'
        in setup
    )
    assert datasets_used("load_imdb()\nload_translation_pairs()") == ["de-en", "imdb"]
    compile(setup_source(SITE, COMMIT, ["austen", "mnist"]), "setup", "exec")


def test_setup_cell_does_nothing_harmful_where_dlbook_is_installed(tmp_path):
    # Here dlbook is importable, so the cell must not install anything; with no
    # datasets to fetch it must simply succeed.
    script = tmp_path / "setup.py"
    script.write_text(setup_source(SITE, COMMIT, []))
    env_python = sys.executable
    result = subprocess.run(
        [env_python, str(script)],
        capture_output=True,
        text=True,
        env={"PATH": "/nonexistent", "DLBOOK_PIP_SOURCE": "/nonexistent"},
    )
    assert result.returncode == 0, result.stderr


def test_a_cell_meant_to_raise_prints_its_error_instead_of_stopping(book, info):
    notebook = convert(DOC, SITE, info, COMMIT, root=book)
    (raising,) = [c for c in notebook.cells if "shapes differ" in c.source]
    output = subprocess.run(
        [sys.executable, "-c", raising.source], capture_output=True, text=True
    )
    assert output.returncode == 0
    assert output.stdout.strip() == "ValueError: shapes differ"


def test_unknown_references_and_missing_values_are_errors(book, info):
    converter = Converter(DOC, book / "book/part/chapter.md", SITE, info)
    with pytest.raises(BookError, match="unknown label 'sec-nowhere'"):
        converter.markdown("{ref}`sec-nowhere`")
    with pytest.raises(BookError, match="no glued value 'nothing'"):
        converter.markdown("{glue:text}`nothing`")
    with pytest.raises(BookError, match="unknown citation"):
        converter.markdown("{cite:p}`nobody1999`")
    with pytest.raises(BookError, match="no notebook form for the directive"):
        converter.markdown(":::{sidebar}\ntext\n:::")
    with pytest.raises(BookError, match="GitHub URL"):
        Site(repo_url="https://example.org/book", branch="main").colab(DOC)


def test_a_quoted_published_result_comes_from_the_reference_file(book, info):
    (book / "book" / "back-matter").mkdir(parents=True)
    (book / "book" / "back-matter" / "reference-results.yml").write_text(
        "- experiment: MLP\n  result: test accuracy 0.83-0.85\n"
    )
    converter = Converter(DOC, book / "book/part/chapter.md", SITE, info)
    quoted = converter.markdown("It reports {reference-result}`MLP`.")
    assert quoted == "It reports test accuracy 0.83-0.85."
    with pytest.raises(BookError, match="no experiment 'CNN'"):
        converter.markdown("{reference-result}`CNN`")


def test_launch_urls_point_at_the_published_notebooks():
    assert SITE.colab(DOC) == (
        "https://colab.research.google.com/github/someone/the-book/blob/gh-pages/"
        "notebooks/book/part/chapter.ipynb"
    )
    assert SITE.binder(DOC) == (
        "https://mybinder.org/v2/gh/someone/the-book/gh-pages"
        "?urlpath=lab/tree/notebooks/book/part/chapter.ipynb"
    )


def test_only_cells_meant_to_raise_are_changed():
    assert notebook_code("x = 1", ["hide-input"]) == "x = 1"
    wrapped = notebook_code("1 / 0", ["raises-exception"])
    assert wrapped.startswith("try:\n    1 / 0\nexcept Exception as error:")


def test_a_notebook_pins_a_full_commit():
    with pytest.raises(BookError, match="full commit hash"):
        SITE.pip_source("main")


def test_build_info_is_read_from_the_index_the_build_writes(tmp_path):
    index = {
        "labels": {"sec-a": ["book/a", "sec-a", "A"]},
        "anonlabels": {"fig-b": ["book/a", "fig-b"]},
        "equations": {"eq-c": ["book/a", 2]},
        "fignumbers": {"book/a": {"figure": {"fig-b": [1, 3]}}},
        "secnumbers": {"book/a": {"#sec-a": [1, 2]}},
        "glue": {"book/a": {"acc": {"text/plain": "0.5"}}},
    }
    (tmp_path / "book-index.json").write_text(json.dumps(index))
    (tmp_path / "refs.bib").write_text("")
    info = BuildInfo.load(tmp_path / "book-index.json", tmp_path / "refs.bib")
    assert info.labels["sec-a"] == ("book/a", "sec-a", "A")
    assert info.equations["eq-c"] == ("book/a", 2)
    assert info.glue["book/a"]["acc"] == {"text/plain": "0.5"}
    with pytest.raises(BookError, match="run `make book` first"):
        BuildInfo.load(tmp_path / "missing.json", tmp_path / "refs.bib")


def test_the_datasets_a_chapter_loads_come_from_dlbook_data():
    import dlbook.data

    assert datasets_used("x = load_fashion_mnist(train=True)") == ["fashion-mnist"]
    for name, spec in dlbook.data.DATASETS.items():
        assert callable(getattr(dlbook.data, spec.loader)), name


TEACHING = HEADER + textwrap.dedent(
    """\
    (sec-chapter)=
    # A chapter

    :::{slide} Only for the lecture
    :slides-only:
    - a bullet for the room
    :::

    :::{slide}
    Kept in the book as written.
    :::

    ```{exercise-start}
    :label: ex-chapter-code
    ```
    Compute it.
    ```{exercise-end}
    ```

    ```{solution-start} ex-chapter-code
    :class: dropdown
    ```
    The solution's words.

    ```{code-cell} ipython3
    answer = 42
    ```

    More of the solution.
    ```{solution-end}
    ```

    After the solution.

    :::{full-run}
    The deep network wins.
    :::

    ```{code-cell} ipython3
    after = 1
    ```

    ```{quiz}
    - question: Which is right?
      options:
        - text: This one
          correct: true
        - text: That one
      explanation: Because it is.
      section: sec-chapter
    - question: How many?
      answer: 3
      explanation: Count them.
      section: sec-chapter
    ```
    """
)


@pytest.fixture
def teaching_book(tmp_path):
    (tmp_path / "book" / "part").mkdir(parents=True)
    (tmp_path / "book" / "part" / "chapter.md").write_text(TEACHING)
    return tmp_path


def test_quizzes_become_questions_with_closed_answers_and_slides_stay_on_slides(
    teaching_book, info
):
    info.labels["sec-chapter"] = (DOC, "sec-chapter", "A chapter")
    notebook = convert(DOC, SITE, info, COMMIT, root=teaching_book)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "**1.** Which is right?" in text and "- (b) That one" in text
    assert "<summary>Answer</summary>" in text
    assert "(a) This one. Because it is. See [A chapter]" in text
    assert "3. Count them." in text
    assert "Kept in the book as written." in text
    assert "a bullet for the room" not in text
    assert "The solution's words." in text  # the full edition keeps solutions
    # The reader's run decides which configuration's prose applies.
    assert "> **If your run used the full configuration (on a GPU):**" in text
    assert "> The deep network wins." in text


def test_the_student_notebook_has_no_solution_not_even_its_code(teaching_book, info):
    info.labels["sec-chapter"] = (DOC, "sec-chapter", "A chapter")
    student = Site(SITE.repo_url, SITE.branch, folder="student/")
    notebook = convert(DOC, student, info, COMMIT, root=teaching_book, student=True)
    text = "\n".join(c.source for c in notebook.cells)
    for gone in ("The solution's words", "answer = 42", "More of the solution"):
        assert gone not in text, gone
    assert "Compute it." in text and "After the solution." in text
    assert "after = 1" in text
    page = "https://someone.github.io/the-book/student/book/part/chapter.html"
    assert page in text  # links lead to the student edition's pages
    assert student.colab(DOC).endswith("gh-pages/student/notebooks/" + DOC + ".ipynb")
