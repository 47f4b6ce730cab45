"""Self-check quizzes: the rules every quiz follows (booktools.quizzes), checked
on made-up quizzes and on every chapter's."""

import pytest

from booktools.book import ROOT, code_chapters
from booktools.quizzes import MIN_QUESTIONS, QuizError, chapter_quizzes, parse, problems

CHOICE = """\
- question: Which one?
  options:
    - text: A
      correct: true
    - text: B
  explanation: A is.
  section: sec-x
"""
NUMERIC = """\
- question: How many?
  answer: 16
  tolerance: 0.5
  explanation: Sixteen.
  section: sec-x
"""


def test_a_question_is_multiple_choice_or_numeric():
    (choice,) = parse(CHOICE)
    assert choice.options == ("A", "B") and choice.correct == (0,)
    assert choice.answer_text == "(a) A"
    (numeric,) = parse(NUMERIC)
    assert numeric.numeric and numeric.answer == 16.0
    assert numeric.accepts(16.4) and not numeric.accepts(16.6)


def test_exactly_one_option_is_correct():
    none = CHOICE.replace("      correct: true\n", "")
    two = CHOICE.replace("    - text: B\n", "    - text: B\n      correct: true\n")
    for text, count in ((none, 0), (two, 2)):
        found = problems(parse(text) * MIN_QUESTIONS)
        assert f"{count} options are marked correct" in " ".join(found)
    assert problems(parse(CHOICE + NUMERIC) * 3) != []  # repeated questions
    distinct = "".join(CHOICE.replace("Which one?", f"Which {i}?") for i in range(5))
    assert problems(parse(distinct)) == []
    assert "at least 5" in problems(parse(CHOICE))[0]


@pytest.mark.parametrize(
    "text, message",
    [
        ("- question: [unclosed", "not valid YAML"),
        ("question: not a list", "a YAML list"),
        (CHOICE.replace("  section: sec-x\n", ""), "`section` must be"),
        (CHOICE + "  answer: 3\n", "either `options`"),
        (NUMERIC.replace("16", "sixteen"), "must be a number"),
        (NUMERIC.replace("0.5", "-1"), "`tolerance`"),
        (CHOICE.replace("section", "sections"), "unknown keys"),
    ],
)
def test_a_malformed_quiz_names_what_is_wrong(text, message):
    with pytest.raises(QuizError, match=message):
        parse(text)


@pytest.mark.parametrize("docname", code_chapters())
def test_every_chapter_has_one_valid_quiz_pointing_into_itself(docname):
    text = (ROOT / f"{docname}.md").read_text()
    (questions,) = chapter_quizzes(text, docname)
    assert problems(questions) == []
    assert any(q.numeric for q in questions)
    labels = {line[1:-2] for line in text.splitlines() if line.startswith("(sec-")}
    assert {q.section for q in questions} <= labels
    # Between the summary and the exercises.
    assert text.index("## Summary") < text.index("{quiz}") < text.index("## Exercises")
