"""Sphinx extension: a lecture deck for every chapter, made from its built page.

The chapter's author says what goes on slides with ``{slide}``::

    :::{slide} Optional title
    :figure: fig-a fig-b
    :slides-only:

    - a bullet written for the lecture
    :::

Without ``:slides-only:`` the content is part of the page as usual (a key
equation wrapped as it stands); with it, the content is on the slide only.
``:figure:`` names figures or tables of the same page, shown on the slide as
the build rendered them. A slide without a title takes its section's. A code
cell tagged ``slide`` puts its outputs on a slide too.

Once the HTML is written, each chapter's deck is assembled from its page: a
title slide (course session, edition), "What you will learn", the marked
slides in page order, and the summary. The deck is a reveal.js page beside the
chapter (``<chapter>-slides.html``), so the page's images, math and links work
unchanged; reveal.js comes from its npm package like MathJax (`make vendor`)
and is served from ``_static/reveal``. Without it (a throw-away test book) no
deck is written.
"""

import html
import re
from pathlib import Path
from typing import ClassVar

from bs4 import BeautifulSoup
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from booktools.book import (
    BUILD,
    REVEAL_FOLDER,
    Site,
    code_chapters,
    course_sessions,
    write_atomic,
)

logger = logging.getLogger(__name__)

# Items per slide when a chapter's goals or summary run long.
ITEMS_PER_SLIDE = 4


class slide(nodes.General, nodes.Element):
    """Content (and figures) that go on one slide of the chapter's deck."""


class SlideDirective(SphinxDirective):
    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar = {
        "figure": directives.unchanged,
        "slides-only": directives.flag,
    }

    def run(self):
        node = slide(
            title=self.arguments[0] if self.arguments else "",
            figures=" ".join((self.options.get("figure") or "").split()),
            slides_only="slides-only" in self.options,
        )
        if not self.content and not node["figures"]:
            raise self.error("a {slide} needs content or a :figure:")
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def visit_slide_html(self, node):
    hidden = " hidden" if node["slides_only"] else ""
    self.body.append(
        f'<div class="dlbook-slide" data-title="{html.escape(node["title"])}"'
        f' data-figures="{html.escape(node["figures"])}"{hidden}>\n'
    )


def depart_slide_html(self, node):
    self.body.append("</div>\n")


def visit_slide_other(self, node):
    if node["slides_only"]:
        raise nodes.SkipNode


def depart_slide_other(self, node):
    pass


def check_figures(app, doctree, docname) -> None:
    """``doctree-resolved``: every figure a slide names is on its page (in
    the full edition's web pages, from which the decks are made)."""
    if app.config.dlbook_student or app.builder.format != "html":
        return
    for node in doctree.findall(slide):
        for label in node["figures"].split():
            if label not in doctree.ids:
                logger.warning(
                    f"{{slide}} names {label}, which is not a figure or table"
                    " of this page",
                    location=node,
                )


# The decks ---------------------------------------------------------------


def _clean(element) -> None:
    """Drop what belongs to the page, not the slide: permalinks, the hidden
    marker attributes."""
    for link in element.select("a.headerlink"):
        link.decompose()


def _heading_text(section) -> str:
    heading = section.find(re.compile(r"^h[1-6]$")) if section else None
    if heading is None:
        return ""
    heading = BeautifulSoup(str(heading), "html.parser")
    _clean(heading)
    for number in heading.select(".section-number"):
        number.decompose()
    return heading.get_text(" ", strip=True)


def _section_of(element):
    return element.find_parent("section")


def _list_slides(title: str, section, css: str) -> list[str]:
    """A section's bullet list as one or more slides."""
    if section is None:
        return []
    items = section.find("ul", recursive=False) or section.find("ul")
    if items is None:
        return []
    entries = [str(li) for li in items.find_all("li", recursive=False)]
    chunks = [
        entries[i : i + ITEMS_PER_SLIDE]
        for i in range(0, len(entries), ITEMS_PER_SLIDE)
    ]
    slides = []
    for i, chunk in enumerate(chunks, start=1):
        suffix = f" ({i}/{len(chunks)})" if len(chunks) > 1 else ""
        slides.append(
            f'<section class="{css}"><h2>{html.escape(title)}{suffix}</h2>'
            f"<ul>{''.join(chunk)}</ul></section>"
        )
    return slides


def build_deck(page_html: str, page_file: str, session: str | None) -> tuple[str, int]:
    """The deck's HTML for one chapter page, and its number of slides."""
    soup = BeautifulSoup(page_html, "html.parser")
    article = soup.select_one("article.bd-article") or soup.body
    _clean(article)
    # Links within the page now lead back to it.
    for link in article.select('a[href^="#"]'):
        link["href"] = page_file + link["href"]
    h1 = article.find("h1")
    title = _heading_text(h1.find_parent("section")) if h1 else page_file
    number = h1.select_one(".section-number") if h1 else None
    stamp = soup.select_one(".dlbook-edition")
    book = soup.title.get_text().split("\u2014")[-1].strip() if soup.title else ""

    lines = [
        f'<p class="dlbook-deck-book">{html.escape(book)}</p>',
        f"<h1>{html.escape(number.get_text(strip=True)) + ' ' if number else ''}"
        f"{html.escape(title)}</h1>",
    ]
    if session:
        lines.append(f'<p class="dlbook-deck-session">Course session {session}</p>')
    lines.append(f'<p><a href="{page_file}">Read the chapter</a></p>')
    if stamp:
        text = stamp.get_text(" ", strip=True)
        lines.append(f'<p class="dlbook-deck-edition">{html.escape(text)}</p>')
    slides = [f'<section class="dlbook-title">{"".join(lines)}</section>']
    goals = article.select_one("section#what-you-will-learn")
    slides += _list_slides("What you will learn", goals, "goals")
    for marked in article.select("div.dlbook-slide, div.cell.tag_slide"):
        section = _section_of(marked)
        if "dlbook-slide" in marked.get("class", []):
            heading = marked.get("data-title") or _heading_text(section)
            figures = []
            for label in (marked.get("data-figures") or "").split():
                target = article.find(id=label)
                if target is None:
                    raise ValueError(f"{page_file}: no figure or table {label}")
                figures.append(str(target))
            text = marked.decode_contents().strip()
        else:
            heading = _heading_text(section)
            outputs = marked.select_one(".cell_output")
            text, figures = "", [outputs.decode_contents()] if outputs else []
        # Words beside the figures when there are both, else one column.
        layout = "two-columns" if text and figures else "one-column"
        body = (f'<div class="dlbook-slide-text">{text}</div>' if text else "") + (
            f'<div class="dlbook-slide-figures">{"".join(figures)}</div>'
            if figures
            else ""
        )
        slides.append(
            f"<section><h2>{html.escape(heading)}</h2>"
            f'<div class="dlbook-slide-body {layout}">{body}</div></section>'
        )
    slides += _list_slides("Summary", article.select_one("section#summary"), "summary")

    mathjax = [str(s) for s in soup.find_all("script") if "MathJax" in (s.string or "")]
    mathjax_src = next(
        (s["src"] for s in soup.find_all("script", src=True) if "mathjax" in s["src"]),
        None,
    )
    # The page's own style sheet says where _static is, seen from the page.
    pygments = soup.find("link", href=re.compile(r"_static/pygments\.css"))
    static = re.sub(r"pygments\.css.*$", "", pygments["href"]) if pygments else ""
    icon = soup.find("link", rel="icon")
    icon = str(icon) if icon else ""
    deck = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}: slides</title>
<script>
  // The book's colour mode (its theme switcher's choice), else the system's.
  const mode = localStorage.getItem("mode");
  const dark = mode === "dark" || (mode !== "light"
    && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
</script>
{icon}
<link rel="stylesheet" href="{static}reveal/reveal.css">
<link rel="stylesheet" href="{static}pygments.css">
<link rel="stylesheet" href="{static}slides.css">
{"".join(mathjax)}
{f'<script defer src="{mathjax_src}"></script>' if mathjax_src else ""}
</head>
<body>
<div class="reveal"><div class="slides">
{chr(10).join(slides)}
</div></div>
<script src="{static}reveal/reveal.js"></script>
<script>
  Reveal.initialize({{hash: true, center: false, width: 1280, height: 800,
    margin: 0.04, transition: "none"}});
</script>
</body>
</html>
"""
    return deck, len(slides)


def write_decks(app, exception) -> None:
    """``build-finished``: a deck beside every chapter page written so far."""
    if exception is not None or app.builder.format != "html":
        return
    if app.config.dlbook_student:
        return  # decks are for lecturers: the full edition's
    root = Path(app.srcdir)
    if not (root / BUILD / REVEAL_FOLDER / "reveal.js").is_file():
        logger.info("slides: no reveal.js (run `make vendor`); no decks written")
        return
    sessions = course_sessions(root)
    outdir = Path(app.outdir)
    for docname in code_chapters(root):
        page = outdir / f"{docname}.html"
        target = outdir / Site.slides_path(docname)
        if not page.is_file() or (
            target.is_file() and target.stat().st_mtime >= page.stat().st_mtime
        ):
            continue
        deck, count = build_deck(page.read_text(), page.name, sessions.get(docname))
        write_atomic(target, deck)
        logger.info(f"slides: {target.relative_to(outdir)}, {count} slides")


def setup(app):
    app.add_directive("slide", SlideDirective)
    app.add_node(
        slide,
        html=(visit_slide_html, depart_slide_html),
        latex=(visit_slide_other, depart_slide_other),
        text=(visit_slide_other, depart_slide_other),
    )
    app.connect("doctree-resolved", check_figures)
    app.connect("build-finished", write_decks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
