"""Sphinx extension: the book's Results page and ``results.json``.

Chapters record their headline numbers with :class:`dlbook.results.ResultsLog`,
which glues each into the executed notebook. This extension

* reads the records of every page it renders from that page's glued values
  (``doctree-read``), and names their chapter after the page, so a chapter
  never types its own name;
* has the pages holding a ``results-table`` directive read after the chapters
  they show, and again if a chapter read after them changed their records
  (:mod:`booktools.sphinx.summaries`); a page's own records come straight from
  the notebook being rendered;
* renders the records as a table, and the published reference results
  (``book/back-matter/reference-results.yml``) next to the book's own number for
  the same experiment;
* draws the records of one dataset whose metric is measured per group (such
  as a score per source-length bucket) as a figure, one line per model
  (``results-chart``), so that a chapter can compare models that other
  chapters trained;
* writes every record to ``results.json`` at the root of the HTML output;
* gives chapters the role ``{reference-result}`Experiment```, which writes the
  published result of that row of ``reference-results.yml``, so the figures a
  chapter quotes and the Results page come from one place.
"""

import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import ClassVar

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective, SphinxRole

from booktools.book import REFERENCE_RESULTS, BookError, reference_result, write_atomic
from booktools.sphinx.page_glue import page_glue
from booktools.sphinx.summaries import final_read, note_seen, register
from dlbook.results import Result, read_glued

EMPTY = "\N{EN DASH}"  # shown in a table cell that has no value
MARKER = "{results-table}"
CHART_MARKER = "{results-chart}"


def _book_results(env, current: list[Result] | None = None) -> list[Result]:
    """Every page's records, by session, then in the order of the book; with
    ``current``, those of the page being read instead of the stored ones."""
    stored = dict(getattr(env, "dlbook_results", {}))
    if current is not None:
        stored[env.docname] = current
    results = [r for doc in sorted(env.found_docs) for r in stored.get(doc, [])]
    return sorted(results, key=lambda r: (r.session, r.chapter))


def _digest(results: list[Result]) -> str:
    return json.dumps([asdict(r) for r in results], sort_keys=True)


def rendered_results(document, docname: str) -> list[Result]:
    """The records of the notebook being rendered into ``document``: glued
    values myst-nb has read from it already, before the page is complete."""
    renderer = document.get("nb_renderer")
    if renderer is None:  # not a notebook page
        return []
    glued = renderer.renderer.nb_client.glue_data
    results = []
    for name, output in glued.items():
        result = read_glued(name, output["data"])
        if result is not None:
            results.append(replace(result, chapter=docname))
    return results


def page_results(env, docname: str) -> list[Result]:
    """The records a page's executed notebook glued, in the order recorded."""
    results = []
    for name, bundle in page_glue(env, docname).items():
        result = read_glued(name, bundle)
        if result is not None:
            results.append(replace(result, chapter=docname))
    return results


def collect_results(app, doctree) -> None:
    """``doctree-read``: keep the page's records in the environment."""
    env = app.env
    if not hasattr(env, "dlbook_results"):
        env.dlbook_results = {}
    env.dlbook_results[env.docname] = page_results(env, env.docname)


def _purge(app, env, docname) -> None:
    getattr(env, "dlbook_results", {}).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    if not hasattr(env, "dlbook_results"):
        env.dlbook_results = {}
    for docname in docnames:
        if docname in getattr(other, "dlbook_results", {}):
            env.dlbook_results[docname] = other.dlbook_results[docname]


def _format_value(result: Result) -> str:
    if "accuracy" in result.metric:
        return f"{result.value:.2%}".replace("%", r"\%")
    if "BLEU" in result.metric:  # recorded to one decimal, as it is reported
        return f"{result.value:.1f}"
    if result.metric == "parameters":
        return f"{result.value:,.0f}"
    return f"{result.value:.4g}"


def _cell(text: str) -> str:
    return text.replace("|", r"\|") if text else EMPTY


def list_table(caption: str, name: str, header: list[str], rows: list[list[str]]):
    """The MyST lines of a list-table."""
    lines = [f":::{{list-table}} {caption}", ":header-rows: 1", f":name: {name}", ""]
    for row in [header, *rows]:
        lines += [f"* - {row[0]}", *(f"  - {cell}" for cell in row[1:])]
    return [*lines, ":::"]


def book_row(r: Result) -> list[str]:
    """One record as a row of the book's results table."""
    seconds = EMPTY if r.train_seconds is None else f"{r.train_seconds:.1f}"
    return [
        str(r.session),
        f"{{doc}}`/{r.chapter}`",
        _cell(r.dataset),
        _cell(r.model),
        _cell(r.metric),
        _format_value(r),
        str(r.epochs) if r.epochs is not None else EMPTY,
        seconds,
        _cell(r.device),
    ]


def reference_row(ref: dict, ours: dict) -> list[str]:
    """One published result and the book's number for the same experiment."""
    key = ref.get("ours")
    mine = match_record(ours, key) if key else None
    if mine is None:
        book = "not in the book yet"
    else:
        unit = "epoch" if mine.epochs == 1 else "epochs"
        epochs = f", {mine.epochs} {unit}" if mine.epochs else ""
        # A preview's configuration, if the record's model name has one.
        setup = mine.model[len(key["model"]) :].strip().replace("|", r"\|")
        link = f"({{doc}}`chapter </{mine.chapter}>`)"
        parts = [f"{_format_value(mine)}{epochs}", setup, link]
        book = " ".join(part for part in parts if part)
    return [
        _cell(ref["experiment"]),
        _cell(ref["setup"]),
        _cell(ref["result"]),
        f"{{cite:t}}`{ref['source']}`",
        book,
    ]


class ResultsTable(SphinxDirective):
    """``results-table``: the book's records (``:kind: book``) or the published
    references beside them (``:kind: references``)."""

    option_spec: ClassVar = {
        "kind": lambda arg: directives.choice(arg, ("book", "references")),
        "dataset": directives.unchanged_required,
        "caption": directives.unchanged_required,
        "name": directives.unchanged_required,
    }

    def run(self):
        kind = self.options.get("kind", "book")
        results = _book_results(
            self.env, rendered_results(self.state.document, self.env.docname)
        )
        # What this read saw; a later page may still add records.
        note_seen(self.env, MARKER, _digest(results))
        if kind == "references":
            lines = self._reference_rows(results)
        else:
            lines = self._book_rows(results)
        return self.parse_text_to_nodes("\n".join(lines))

    def _book_rows(self, results: list[Result]) -> list[str]:
        dataset = self.options.get("dataset")
        if dataset:
            results = [r for r in results if r.dataset == dataset]
        if not results and not final_read(self.env):
            # Pages read later may record them: read this page again then.
            note_seen(self.env, MARKER, None)
            return []
        if not results:
            raise self.error(
                f"no chapter recorded a result{f' on {dataset!r}' if dataset else ''}:"
                " do the chapters call ResultsLog.record()?"
            )
        header = ["Session", "Chapter", "Dataset", "Model", "Metric", "Value"]
        header += ["Epochs", "Training (s)", "Hardware"]
        return list_table(
            self.options.get("caption", "Headline results of the book's chapters"),
            self.options.get("name", "tbl-results-book"),
            header,
            [book_row(r) for r in results],
        )

    def _reference_rows(self, results: list[Result]) -> list[str]:
        path = Path(self.env.srcdir) / REFERENCE_RESULTS
        self.env.note_dependency(str(path))
        references = yaml.safe_load(path.read_text())
        problems = reference_problems(references)
        if problems:
            raise self.error(f"{path.name}: " + "; ".join(problems))
        ours = {(r.dataset, r.model, r.metric): r for r in results}
        header = ["Experiment", "Reference setup", "Reference result", "Source"]
        return list_table(
            "Published results and this book's number for the same experiment",
            "tbl-results-references",
            [*header, "This book"],
            [reference_row(ref, ours) for ref in references],
        )


def chart_series(
    results: list[Result], dataset: str, metric: str
) -> dict[str, dict[str, float]]:
    """The records of ``dataset`` whose metric reads ``"<metric>, <group>"``:
    ``{series label: {group: value}}``, groups and series in the order
    recorded. A series is one model of one chapter, labelled with its epochs
    and hardware, since its records may come from another chapter's run."""
    prefix = f"{metric}, "
    series: dict[str, dict[str, float]] = {}
    for r in results:
        if r.dataset != dataset or not r.metric.startswith(prefix):
            continue
        unit = "epoch" if r.epochs == 1 else "epochs"
        trained = f", {r.epochs} {unit} on {r.device}" if r.epochs else ""
        series.setdefault(f"{r.model}{trained}", {})[r.metric[len(prefix) :]] = r.value
    return series


def draw_chart(
    series: dict[str, dict[str, float]], xlabel: str, ylabel: str, path: Path
) -> None:
    """One line per series over the groups, in the book's style, as a PNG;
    the value axis starts at 0."""
    from matplotlib import style
    from matplotlib.figure import Figure

    from dlbook.plotting import style_path

    groups = list(dict.fromkeys(g for values in series.values() for g in values))
    with style.context(style_path()):
        fig = Figure(figsize=(6.0, 4.2))
        ax = fig.subplots()
        for label, values in series.items():
            x = [groups.index(g) for g in values]
            ax.plot(x, list(values.values()), marker="o", label=label)
        ax.set_xticks(range(len(groups)), groups)
        ax.set_ylim(bottom=0)  # scores are not negative; 0 keeps gaps honest
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        # Labels name the run ("..., 3 epochs on CPU x86_64, 2 threads"): two
        # columns of long ones would be wider than the axes.
        long_labels = max(map(len, series)) > 40
        fig.legend(
            loc="outside lower center", ncols=1 if long_labels else 2, fontsize=8
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)


class ResultsChart(SphinxDirective):
    """``results-chart``: the records of ``:dataset:`` whose metric is
    ``"<:metric:>, <group>"``, as a figure with one line per model; the
    records may come from any chapter, like a results table's."""

    required_arguments = 0
    option_spec: ClassVar = {
        "dataset": directives.unchanged_required,
        "metric": directives.unchanged_required,
        "xlabel": directives.unchanged_required,
        "ylabel": directives.unchanged_required,
        "caption": directives.unchanged_required,
        "name": directives.unchanged_required,
    }

    def run(self):
        missing = [
            option
            for option in ("dataset", "metric", "caption", "name")
            if option not in self.options
        ]
        if missing:
            raise self.error(f"results-chart needs the options {', '.join(missing)}")
        results = _book_results(
            self.env, rendered_results(self.state.document, self.env.docname)
        )
        note_seen(self.env, CHART_MARKER, _digest(results))
        dataset, metric = self.options["dataset"], self.options["metric"]
        series = chart_series(results, dataset, metric)
        if not series:
            if not final_read(self.env):
                note_seen(self.env, CHART_MARKER, None)  # read again at the end
                return []
            raise self.error(
                f"no chapter recorded a {metric!r} per group on {dataset!r}:"
                f" record metrics named '{metric}, <group>' with ResultsLog.record()"
            )
        # Beside the doctrees, outside the sources; Sphinx copies it into
        # every output as it does any image.
        name = self.options["name"]
        path = Path(self.env.doctreedir).parent / "results-charts" / f"{name}.png"
        draw_chart(
            series,
            self.options.get("xlabel", ""),
            self.options.get("ylabel", metric),
            path,
        )
        here = Path(self.env.doc2path(self.env.docname)).parent
        uri = Path(os.path.relpath(path, here)).as_posix()
        figure = [f":::{{figure}} {uri}", f":name: {name}", ""]
        figure += [self.options["caption"], ":::"]
        return self.parse_text_to_nodes("\n".join(figure))


OURS_FIELDS = ("dataset", "metric", "model")


def reference_problems(references: list) -> list[str]:
    """What is wrong with the rows of ``reference-results.yml``: every ``ours``
    must name exactly a dataset, a model and a metric, as strings. (An unquoted
    comma inside a YAML flow mapping silently splits a value into two keys.)"""
    problems = []
    for number, ref in enumerate(references, start=1):
        key = ref.get("ours")
        if key is None:
            continue
        name = ref.get("experiment", f"row {number}")
        if not isinstance(key, dict) or tuple(sorted(key)) != OURS_FIELDS:
            fields = sorted(key) if isinstance(key, dict) else key
            problems.append(
                f"{name}: 'ours' must have exactly the keys dataset, model and"
                f" metric, got {fields!r} (quote values that contain a comma)"
            )
        elif not all(isinstance(value, str) and value for value in key.values()):
            problems.append(f"{name}: 'ours' values must be non-empty strings")
    return problems


def match_record(records: dict, key: dict):
    """The record a reference row names: exactly, or one whose model name adds
    its configuration in parentheses ("ResNet-18 (preview: 32 px)" for
    "ResNet-18"), as chapters with a full and a preview configuration do."""
    exact = records.get((key["dataset"], key["model"], key["metric"]))
    if exact is not None:
        return exact
    for (dataset, model, metric), record in records.items():
        if (dataset, metric) == (key["dataset"], key["metric"]) and model.startswith(
            key["model"] + " ("
        ):
            return record
    return None


def _write_json(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    records = [asdict(r) for r in _book_results(app.env)]
    write_atomic(
        Path(app.outdir) / "results.json", json.dumps(records, indent=2) + "\n"
    )


class ReferenceResult(SphinxRole):
    """``{reference-result}`Experiment```: that row's published result."""

    def run(self):
        root = Path(self.env.srcdir)
        self.env.note_dependency(str(root / REFERENCE_RESULTS))
        try:
            text = reference_result(root, self.text)
        except (BookError, OSError) as error:
            message = self.inliner.reporter.error(str(error), line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, message)], [
                message
            ]
        return [nodes.inline(self.rawtext, text, classes=["dlbook-reference"])], []


def setup(app):
    app.add_role("reference-result", ReferenceResult())
    app.add_directive("results-table", ResultsTable)
    app.add_directive("results-chart", ResultsChart)
    register(MARKER, lambda env: _digest(_book_results(env)))
    register(CHART_MARKER, lambda env: _digest(_book_results(env)))
    app.connect("doctree-read", collect_results)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("build-finished", _write_json)
    # Not parallel: the pages with tables must be read after every chapter.
    return {"parallel_read_safe": False, "parallel_write_safe": True}
