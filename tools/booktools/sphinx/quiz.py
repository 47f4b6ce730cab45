"""Sphinx extension: self-check quizzes, interactive on the web, with an answer key.

``{quiz}`` holds a chapter's questions as YAML (:mod:`booktools.quizzes` says
how, and refuses a quiz that breaks the rules). On the web each question is a
form that checks a reply in the page itself (``static/quiz.js``: no network,
no third-party script) and then shows the explanation, which links the section
that teaches the point. In the PDF the questions are printed with lettered
options, and ``{quiz-answers}`` (the appendix page) lists every chapter's
answers and explanations.
"""

import html
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from booktools.book import toc_pages
from booktools.quizzes import LETTERS, QuizError, chapter_quizzes, parse, problems


class quiz(nodes.General, nodes.Element):
    """A chapter's quiz: its questions in order."""


class quiz_question(nodes.General, nodes.Element):
    """One question: prompt, then options or an answer box, then explanation."""


class quiz_prompt(nodes.General, nodes.TextElement):
    pass


class quiz_option(nodes.General, nodes.TextElement):
    pass


class quiz_answer_box(nodes.General, nodes.Element):
    pass


class quiz_explanation(nodes.General, nodes.TextElement):
    pass


class QuizDirective(SphinxDirective):
    has_content = True

    def inline(self, text: str) -> list[nodes.Node]:
        parsed, messages = self.state.inline_text(text, self.lineno)
        return [*parsed, *messages]

    def run(self):
        where = f"{self.env.docname}.md, the quiz at line {self.lineno}"
        try:
            questions = parse("\n".join(self.content), where)
        except QuizError as error:
            raise self.error(str(error)) from None
        found = problems(questions)
        if found:
            raise self.error(f"{where}: " + "; ".join(found))
        root = quiz()
        for number, q in enumerate(questions, start=1):
            qid = f"quiz-{self.env.docname.replace('/', '-')}-{number}"
            item = quiz_question(
                ids=[qid],
                number=number,
                kind="numeric" if q.numeric else "choice",
                answer=repr(q.answer) if q.numeric else str(q.correct[0]),
                tolerance=repr(q.tolerance),
            )
            item += quiz_prompt("", "", *self.inline(q.question), number=number)
            if q.numeric:
                item += quiz_answer_box(name=qid)
            for index, text in enumerate(q.options):
                item += quiz_option("", "", *self.inline(text), index=index, name=qid)
            explanation = f"{q.explanation} See {{ref}}`{q.section}`."
            item += quiz_explanation("", "", *self.inline(explanation))
            root += item
        return [root]


class QuizAnswersDirective(SphinxDirective):
    """Every chapter's answers, in book order, as MyST parsed here."""

    def run(self):
        root = Path(self.env.srcdir)
        lines = []
        for docname in toc_pages(root):
            path = root / f"{docname}.md"
            text = path.read_text()
            try:
                quizzes = chapter_quizzes(text, f"{docname}.md")
            except QuizError as error:
                raise self.error(str(error)) from None
            if not quizzes:
                continue
            self.env.note_dependency(str(path))
            label = next(
                (
                    line[1:-2]
                    for line in text.splitlines()
                    if line.startswith("(sec-") and line.endswith(")=")
                ),
                None,
            )
            if label is None:
                raise self.error(f"{docname}.md has a quiz but no section label")
            lines += [f"- {{ref}}`{label}`", ""]
            for number, q in enumerate(quizzes[0], start=1):
                lines.append(
                    f"  {number}. **{q.answer_text}.** {q.explanation}"
                    f" See {{ref}}`{q.section}`."
                )
            lines.append("")
        if not lines:
            raise self.error("no chapter of the book has a quiz")
        container = nodes.container(classes=["dlbook-quiz-answers"])
        self.state.nested_parse(StringList(lines), self.content_offset, container)
        return [container]


# HTML -------------------------------------------------------------------


def visit_quiz_html(self, node):
    self.body.append('<div class="dlbook-quiz">\n')


def depart_quiz_html(self, node):
    self.body.append("</div>\n")


def visit_question_html(self, node):
    attributes = " ".join(
        f'data-{key}="{html.escape(str(node[key]))}"'
        for key in ("kind", "answer", "tolerance")
    )
    self.body.append(
        f'<fieldset class="dlbook-quiz-question" id="{node["ids"][0]}" {attributes}>\n'
    )


def depart_question_html(self, node):
    self.body.append("</fieldset>\n")


def visit_prompt_html(self, node):
    self.body.append(
        f'<legend><span class="dlbook-quiz-number">{node["number"]}.</span> '
    )


def depart_prompt_html(self, node):
    self.body.append("</legend>\n")


def visit_option_html(self, node):
    # An option written only in math has no text a screen reader (or axe) can
    # name it by, since MathJax draws it later: its TeX source names it.
    named = ""
    if any(True for _ in node.findall(nodes.math)):
        named = f' aria-label="{html.escape(node.astext())}"'
    self.body.append(
        '<label class="dlbook-quiz-option">'
        f'<input type="radio" name="{node["name"]}" value="{node["index"]}"{named}> '
    )


def depart_option_html(self, node):
    self.body.append("</label>\n")


def visit_answer_box_html(self, node):
    self.body.append(
        '<label class="dlbook-quiz-numeric">Your answer '
        f'<input type="text" inputmode="decimal" name="{node["name"]}"'
        ' autocomplete="off"></label>\n'
    )
    raise nodes.SkipNode


def visit_explanation_html(self, node):
    self.body.append(
        '<div class="dlbook-quiz-controls">'
        '<button type="button" class="dlbook-quiz-check">Check</button>'
        ' <span class="dlbook-quiz-feedback" role="status" aria-live="polite">'
        "</span></div>\n"
        '<p class="dlbook-quiz-explanation" hidden>'
    )


def depart_explanation_html(self, node):
    self.body.append("</p>\n")


# LaTeX: the questions, with lettered options; answers are in the appendix --


def visit_quiz_latex(self, node):
    self.body.append("\n\\begin{enumerate}\n")


def depart_quiz_latex(self, node):
    self.body.append("\\end{enumerate}\n")


def visit_question_latex(self, node):
    self.body.append("\\item ")


def depart_question_latex(self, node):
    self.body.append("\n")


def visit_prompt_latex(self, node):
    pass


def depart_prompt_latex(self, node):
    self.body.append("\n")


def visit_option_latex(self, node):
    letter = LETTERS[node["index"]]
    self.body.append(f"\n\\par\\hspace*{{1.5em}}({letter})~")


def depart_option_latex(self, node):
    pass


def visit_answer_box_latex(self, node):
    self.body.append("\n\\par\\hspace*{1.5em}Answer: \\rule{6em}{0.4pt}\n")
    raise nodes.SkipNode


def skip(self, node):
    raise nodes.SkipNode


def setup(app):
    app.add_directive("quiz", QuizDirective)
    app.add_directive("quiz-answers", QuizAnswersDirective)
    app.add_node(
        quiz,
        html=(visit_quiz_html, depart_quiz_html),
        latex=(visit_quiz_latex, depart_quiz_latex),
    )
    app.add_node(
        quiz_question,
        html=(visit_question_html, depart_question_html),
        latex=(visit_question_latex, depart_question_latex),
    )
    app.add_node(
        quiz_prompt,
        html=(visit_prompt_html, depart_prompt_html),
        latex=(visit_prompt_latex, depart_prompt_latex),
    )
    app.add_node(
        quiz_option,
        html=(visit_option_html, depart_option_html),
        latex=(visit_option_latex, depart_option_latex),
    )
    app.add_node(
        quiz_answer_box,
        html=(visit_answer_box_html, None),
        latex=(visit_answer_box_latex, None),
    )
    app.add_node(
        quiz_explanation,
        html=(visit_explanation_html, depart_explanation_html),
        latex=(skip, None),
    )
    app.add_js_file("quiz.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
