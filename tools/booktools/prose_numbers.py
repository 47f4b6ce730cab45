"""Numbers typed into a chapter's prose, which no cell produced.

A number a run could change (an accuracy, a time, a count of epochs) belongs in
a glued value, so it cannot drift from what the code printed. Whatever number
is left in prose must be deliberate, and this module lists the ones that are
not shown to be. A number in prose passes when it is

* out of prose: in code, math, a role (``{glue:text}``, ``{ref}``, ...), a
  link target, a label or a directive's options, or in a code cell, a quiz or
  display math;
* deliberate by its form: a whole number from 0 to 10 (an order, a rule, an
  axis, a count of words), a year (1800-2029), a bit width ("16-bit"), or
  any number in a sentence that cites its source (a published figure quoted
  with ``{cite:p}``/``{cite:t}``);
* declared in the chapter's front matter, with what it is::

      dlbook:
        constants:
          "784": pixels of a 28 x 28 image
          "60,000": training images of Fashion-MNIST

  as written in the prose (``60,000`` and ``60000`` are different entries).
  A declaration no sentence uses any more is reported too.

``python -m booktools.prose_numbers [CHAPTER.md ...]`` prints what is left;
the test suite fails while anything is.
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from booktools.book import ROOT, front_matter, toc_pages

# Directives whose content is not prose.
NOT_PROSE = {
    "code-cell",
    "quiz",
    "math",
    "literalinclude",
    "results-table",
    "glue:figure",
    "glue:math",
    "bibliography",
    "tableofcontents",
}
_FENCE = re.compile(r"^(`{3,}|:{3,})\s*(?:\{([\w:-]+)\})?")
_OUT_OF_PROSE = re.compile(
    r"\{[\w:-]+\}`[^`]*`"  # roles: glue, ref, cite, numref, ...
    r"|``[^`]*``|`[^`]*`"  # inline code
    r"|\$\$.*?\$\$|\$[^$]*\$"  # inline math
    r"|\]\([^)]*\)"  # link targets
    r"|<[^>]+>"  # HTML tags
    r"|\([\w-]+\)="  # labels
)
MINUS = "\N{MINUS SIGN}"
_NUMBER = re.compile(rf"(?<![\w.\-{MINUS}])[-{MINUS}]?\d[\d,]*(?:\.\d+)?(?!\w)")
_CITATION = re.compile(r"\{cite:[pt]\}`")
_YEAR = re.compile(r"1[89]\d\d|20[0-2]\d")


@dataclass(frozen=True)
class TypedNumber:
    """A number in a chapter's prose that nothing shows to be deliberate."""

    path: Path
    line: int
    number: str
    text: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}: {self.number} in {self.text.strip()!r}"


def prose_lines(text: str):
    """``(line number, line)`` for each line of prose in a MyST chapter: not the
    front matter, code, display math, quizzes or directive options."""
    lines = text.splitlines()
    start = lines.index("---", 1) + 1 if lines[:1] == ["---"] else 0
    fences: list[tuple[str, bool]] = []  # open fences, and whether they hold prose
    in_math = False
    for number, line in enumerate(lines[start:], start=start + 1):
        stripped = line.strip()
        skipping = not all(prose for _, prose in fences)
        if not skipping and stripped.startswith("$$"):
            # "$$" opens or closes a display; "$$ x $$" is one on a line.
            if not (len(stripped) > 4 and stripped.endswith("$$")):
                in_math = not in_math
            continue
        if in_math:
            continue
        fence = _FENCE.match(stripped)
        if fence:
            if fences and stripped == fences[-1][0]:
                fences.pop()
                continue
            if fence.group(2) or stripped.startswith("```"):
                name = fence.group(2) or "code"
                fences.append((fence.group(1), name not in NOT_PROSE | {"code"}))
                continue
        if skipping or re.match(r"^:[\w-]+:|^%|^<!--", stripped):
            continue
        yield number, line


def sentences_of(line: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z{])", line)


def deliberate_by_form(number: str, sentence: str) -> bool:
    if _CITATION.search(sentence):
        return True
    digits = number.replace(",", "").replace(MINUS, "-")
    if _YEAR.fullmatch(digits):
        return True
    if re.search(re.escape(number) + r"-bit\b", sentence):
        return True
    value = float(digits)
    return value.is_integer() and 0 <= value <= 10


def declared_constants(text: str) -> dict[str, str]:
    meta = front_matter(text).get("dlbook") or {}
    constants = meta.get("constants") or {}
    if not isinstance(constants, dict):
        raise ValueError(
            "dlbook.constants in the front matter maps each number, as the prose"
            " writes it, to what it is"
        )
    return {str(number): str(meaning) for number, meaning in constants.items()}


def typed_numbers(path: Path) -> list[TypedNumber]:
    """The numbers of ``path``'s prose that are neither out of prose, deliberate
    by their form, nor declared; and declarations that no prose uses."""
    text = path.read_text(encoding="utf-8")
    constants = declared_constants(text)
    used, found = set(), []
    for number, line in prose_lines(text):
        for sentence in sentences_of(line):
            prose = _OUT_OF_PROSE.sub(" ", sentence)
            for match in _NUMBER.finditer(prose):
                value = match.group(0).rstrip(",")
                if value in constants:
                    used.add(value)
                elif not deliberate_by_form(value, sentence):
                    found.append(TypedNumber(path, number, value, sentence))
    for value in constants.keys() - used:
        found.append(
            TypedNumber(path, 0, value, "declared in dlbook.constants, used nowhere")
        )
    return found


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [ROOT / f"{d}.md" for d in toc_pages()]
    found = [typed for path in paths for typed in typed_numbers(path)]
    for typed in found:
        print(typed)
    print(f"{len(found)} number(s) in prose that no cell produced", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
