"""Sphinx extension: the book's Results page and ``results.json``.

Chapters record their headline numbers with :class:`dlbook.results.ResultsLog`
while they execute. This extension

* reads the page holding the ``results-table`` directive after every chapter (so
  the chapters executed in this build have written their records), and re-reads
  it on every build;
* renders the records as a table, and the published reference results
  (``reference-results.yml`` beside the page) next to the book's own number for
  the same experiment;
* writes every record to ``results.json`` at the root of the HTML output.

Only records of chapters that are in the book are shown, so a deleted chapter's
stale file cannot leak into the page.
"""

import json
from dataclasses import asdict
from pathlib import Path
from typing import ClassVar

import yaml
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from dlbook.results import Result, load_results

# The page holding the tables; set ``results_page`` in the Sphinx config to move it.
DEFAULT_RESULTS_PAGE = "book/back-matter/results"
EMPTY = "\N{EN DASH}"  # shown in a table cell that has no value


def _book_results(env) -> list[Result]:
    return [r for r in load_results() if r.chapter in env.found_docs]


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
        lines = self._reference_rows() if kind == "references" else self._book_rows()
        return self.parse_text_to_nodes("\n".join(lines))

    def _book_rows(self) -> list[str]:
        results = _book_results(self.env)
        dataset = self.options.get("dataset")
        if dataset:
            results = [r for r in results if r.dataset == dataset]
        if not results:
            raise self.error(
                f"no chapter recorded a result{f' on {dataset!r}' if dataset else ''}:"
                " did the chapters execute, and do they call ResultsLog.record()?"
            )
        caption = self.options.get("caption", "Headline results of the book's chapters")
        rows = [
            f":::{{list-table}} {caption}",
            ":header-rows: 1",
            f":name: {self.options.get('name', 'tbl-results-book')}",
            "",
            "* - Session",
            "  - Chapter",
            "  - Dataset",
            "  - Model",
            "  - Metric",
            "  - Value",
            "  - Epochs",
            "  - Training (s)",
            "  - Hardware",
        ]
        for r in results:
            seconds = EMPTY if r.train_seconds is None else f"{r.train_seconds:.1f}"
            rows += [
                f"* - {r.session}",
                f"  - {{doc}}`/{r.chapter}`",
                f"  - {_cell(r.dataset)}",
                f"  - {_cell(r.model)}",
                f"  - {_cell(r.metric)}",
                f"  - {_format_value(r)}",
                f"  - {r.epochs if r.epochs is not None else EMPTY}",
                f"  - {seconds}",
                f"  - {_cell(r.device)}",
            ]
        return [*rows, ":::"]

    def _reference_rows(self) -> list[str]:
        path = Path(self.env.doc2path(self.env.docname)).parent / (
            "reference-results.yml"
        )
        self.env.note_dependency(str(path))
        references = yaml.safe_load(path.read_text())
        problems = reference_problems(references)
        if problems:
            raise self.error(f"{path.name}: " + "; ".join(problems))
        ours = {(r.dataset, r.model, r.metric): r for r in _book_results(self.env)}
        rows = [
            ":::{list-table} Published results and this book's number for the same"
            " experiment",
            ":header-rows: 1",
            ":name: tbl-results-references",
            "",
            "* - Experiment",
            "  - Reference setup",
            "  - Reference result",
            "  - Source",
            "  - This book",
        ]
        for ref in references:
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
            rows += [
                f"* - {_cell(ref['experiment'])}",
                f"  - {_cell(ref['setup'])}",
                f"  - {_cell(ref['result'])}",
                f"  - {{cite:t}}`{ref['source']}`",
                f"  - {book}",
            ]
        return [*rows, ":::"]


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


def _pages_with_tables(app, env) -> list[str]:
    """The Results page and every other page that shows a results table."""
    pages = []
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if docname == app.config.results_page or (
            path.suffix == ".md" and "{results-table}" in path.read_text()
        ):
            pages.append(docname)
    return pages


def _read_results_page_last(app, env, docnames: list[str]) -> None:
    """Read the pages with results tables after every chapter that executes."""
    for page in _pages_with_tables(app, env):
        if page in docnames:
            docnames.remove(page)
            docnames.append(page)


def _always_outdated(app, env, added, changed, removed) -> list[str]:
    """Re-read those pages on every build: a chapter they quote may have re-run."""
    return [p for p in _pages_with_tables(app, env) if p not in removed]


def _write_json(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    records = [asdict(r) for r in _book_results(app.env)]
    target = Path(app.outdir) / "results.json"
    target.write_text(json.dumps(records, indent=2) + "\n")


def setup(app):
    app.add_config_value("results_page", DEFAULT_RESULTS_PAGE, "env")
    app.add_directive("results-table", ResultsTable)
    app.connect("env-before-read-docs", _read_results_page_last)
    app.connect("env-get-outdated", _always_outdated)
    app.connect("build-finished", _write_json)
    return {"version": "1.0", "parallel_read_safe": False}
