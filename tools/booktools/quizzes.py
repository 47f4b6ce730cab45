"""Self-check quizzes: what a chapter's ``{quiz}`` block holds, and its rules.

A chapter ends with a "Self-check" section whose ``{quiz}`` directive holds a
YAML list of questions, each either multiple choice or numeric::

    ```{quiz}
    - question: What does a $3 \\times 3$ kernel see of its input?
      options:
        - text: The whole image
        - text: A $3 \\times 3$ window
          correct: true
      explanation: Each output depends on one window of the input.
      section: sec-convolutions-experiments
    - question: How long is the output of ... ?
      answer: 16
      tolerance: 0          # optional, absolute; 0 when left out
      explanation: The output-size formula gives 16.
      section: sec-convolutions-padding-stride
    ```

Text may use inline MyST (``$math$``, ``code``, roles). ``section`` is a
label of the book; the explanation links it. :func:`parse` turns a block into
:class:`Question` objects and :func:`problems` says what breaks the rules; the
Sphinx directive (:mod:`booktools.sphinx.quiz`) refuses a quiz with problems.

    python -m booktools.quizzes book/convnets/convolutions.md ...

prints each chapter's problems (none: it prints how many questions it read).
"""

import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MIN_QUESTIONS = 5
# Options are lettered (a), (b), ... wherever they are printed.
LETTERS = "abcdefghij"
_FENCE = re.compile(r"^(`{3,}|:{3,})\{quiz\}[^\n]*\n(.*?)^\1\s*$", re.M | re.S)
_LABEL = re.compile(r"^\(([\w-]+)\)=\s*$", re.M)


class QuizError(ValueError):
    """A quiz that cannot be read or breaks the rules."""


@dataclass(frozen=True)
class Question:
    question: str
    explanation: str
    section: str
    options: tuple[str, ...] = ()
    correct: tuple[int, ...] = ()
    answer: float | None = None
    tolerance: float = 0.0
    raw_answer: str = field(default="", compare=False)

    @property
    def numeric(self) -> bool:
        return not self.options

    def accepts(self, value: float) -> bool:
        """Whether a numeric reply counts as right."""
        return abs(value - self.answer) <= self.tolerance + 1e-9 * abs(self.answer)

    @property
    def answer_text(self) -> str:
        """The right answer as the answer key shows it (inline MyST)."""
        if self.numeric:
            return self.raw_answer
        letter = LETTERS[self.correct[0]]
        return f"({letter}) {self.options[self.correct[0]]}"


def _text(item: dict, key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise QuizError(f"{where}: `{key}` must be non-empty text")
    return " ".join(value.split())


def parse(content: str, where: str = "quiz") -> list[Question]:
    """The questions of one ``{quiz}`` block's YAML body."""
    try:
        items = yaml.safe_load(content)
    except yaml.YAMLError as error:
        raise QuizError(
            f"{where}: not valid YAML ({error}); quote text that holds ': ' or"
            " starts with a special character, or use a `>-` block"
        ) from None
    if not isinstance(items, list):
        raise QuizError(f"{where}: a quiz is a YAML list of questions")
    questions = []
    for number, item in enumerate(items, start=1):
        here = f"{where}, question {number}"
        if not isinstance(item, dict):
            raise QuizError(f"{here}: each question is a mapping")
        unknown = set(item) - {
            "question",
            "options",
            "answer",
            "tolerance",
            "explanation",
            "section",
        }
        if unknown:
            raise QuizError(f"{here}: unknown keys {sorted(unknown)}")
        common = dict(
            question=_text(item, "question", here),
            explanation=_text(item, "explanation", here),
            section=_text(item, "section", here),
        )
        if ("options" in item) == ("answer" in item):
            raise QuizError(
                f"{here}: give either `options` (multiple choice) or `answer` (numeric)"
            )
        if "options" in item:
            options = item["options"]
            if not isinstance(options, list) or not all(
                isinstance(o, dict) and set(o) <= {"text", "correct"} for o in options
            ):
                raise QuizError(
                    f"{here}: `options` is a list of mappings with `text` and,"
                    " on the right one, `correct: true`"
                )
            texts = tuple(_text(o, "text", here) for o in options)
            correct = tuple(i for i, o in enumerate(options) if o.get("correct"))
            questions.append(Question(**common, options=texts, correct=correct))
        else:
            raw = item["answer"]
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise QuizError(f"{here}: `answer` must be a number") from None
            tolerance = item.get("tolerance", 0)
            if not isinstance(tolerance, int | float) or tolerance < 0:
                raise QuizError(f"{here}: `tolerance` must be a number >= 0")
            questions.append(
                Question(
                    **common,
                    answer=value,
                    tolerance=float(tolerance),
                    raw_answer=str(raw),
                )
            )
    return questions


def problems(questions: list[Question]) -> list[str]:
    """What breaks the rules: too few questions, not exactly one right option,
    repeated options or questions, a numeric answer that is not finite."""
    found = []
    if len(questions) < MIN_QUESTIONS:
        found.append(f"{len(questions)} questions; a quiz has at least {MIN_QUESTIONS}")
    seen = set()
    for number, q in enumerate(questions, start=1):
        if q.question in seen:
            found.append(f"question {number} repeats an earlier question")
        seen.add(q.question)
        if q.numeric:
            if not math.isfinite(q.answer):
                found.append(f"question {number}: the answer is not a finite number")
            continue
        if len(q.options) < 2:
            found.append(f"question {number}: fewer than two options")
        if len(set(q.options)) != len(q.options):
            found.append(f"question {number}: two options are the same")
        if len(q.correct) != 1:
            found.append(
                f"question {number}: {len(q.correct)} options are marked correct;"
                " exactly one must be"
            )
    return found


def chapter_quizzes(text: str, where: str = "chapter") -> list[list[Question]]:
    """Every ``{quiz}`` block of a chapter's MyST source, parsed."""
    return [parse(m.group(2), where) for m in _FENCE.finditer(text)]


def labels(text: str) -> set[str]:
    """The ``(label)=`` targets a MyST source defines."""
    return set(_LABEL.findall(text))


def main(argv=None) -> int:
    failed = False
    for name in argv if argv is not None else sys.argv[1:]:
        text = Path(name).read_text()
        try:
            quizzes = chapter_quizzes(text, name)
        except QuizError as error:
            print(error)
            failed = True
            continue
        if len(quizzes) != 1:
            print(f"{name}: {len(quizzes)} quiz blocks; a chapter has one")
            failed = True
            continue
        (questions,) = quizzes
        found = problems(questions)
        known = labels(text)
        found += [
            f"question {i}: section {q.section} is not a label of this chapter"
            for i, q in enumerate(questions, start=1)
            if q.section not in known
        ]
        for problem in found:
            print(f"{name}: {problem}")
        failed = failed or bool(found)
        if not found:
            print(f"{name}: {len(questions)} questions, all valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
