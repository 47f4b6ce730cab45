"""Lecture decks (booktools.sphinx.slides): what a chapter marks for its slides,
and how a deck is assembled from a built page."""

import re

import pytest
from bs4 import BeautifulSoup

from booktools.book import ROOT, code_chapters
from booktools.sphinx.slides import build_deck

PAGE = """\
<html><head><title>Convolutions \u2014 The Book</title>
<link rel="icon" href="../../_static/favicon.svg">
<link rel="stylesheet" href="../../_static/pygments.css?v=1">
<script>window.MathJax = {}</script>
<script defer src="../../_static/mathjax/tex-mml-chtml.js"></script></head>
<body><article class="bd-article">
<section id="sec-conv"><h1><span class="section-number">10. </span>Convolutions
<a class="headerlink" href="#sec-conv">#</a></h1>
<section id="what-you-will-learn"><h2>What you will learn</h2>
<ul><li>one</li><li>two</li><li>three</li><li>four</li><li>five</li></ul></section>
<section id="sec-idea"><h2><span class="section-number">10.1. </span>The idea</h2>
<p>Book text.</p>
<div class="dlbook-slide" data-title="" data-figures="fig-a" hidden>
<ul><li>bullet with a <a href="#sec-idea">link</a></li></ul></div>
<figure id="fig-a"><img src="../../_images/a.png" alt="a"></figure>
<div class="cell tag_slide"><div class="cell_input">x = 1</div>
<div class="cell_output"><img src="../../_images/b.png" alt="b"></div></div>
<div class="dlbook-slide" data-title="Own title" data-figures="">
<p>Wrapped equation</p></div>
</section>
<section id="summary"><h2>Summary</h2><ul><li>done</li></ul></section>
</section></article>
<p class="dlbook-edition">Edition abc, built 2026-12-03</p></body></html>
"""


def slides_of(deck: str) -> list:
    return BeautifulSoup(deck, "html.parser").select(".slides > section")


def test_a_deck_has_a_title_the_goals_the_marked_slides_and_the_summary():
    deck, count = build_deck(PAGE, "convolutions.html", "8")
    slides = slides_of(deck)
    assert count == len(slides) == 7
    titles = [s.find(["h1", "h2"]).get_text() for s in slides]
    assert titles == [
        "10. Convolutions",
        "What you will learn (1/2)",
        "What you will learn (2/2)",
        "The idea",
        "The idea",
        "Own title",
        "Summary",
    ]
    assert "Course session 8" in slides[0].get_text()
    assert "Edition abc" in slides[0].get_text()
    # Slide-only text is shown, beside the figure it names; links lead back.
    marked = slides[3]
    assert "two-columns" in marked.select_one(".dlbook-slide-body")["class"]
    assert marked.select_one("img")["src"] == "../../_images/a.png"
    assert marked.select_one("a")["href"] == "convolutions.html#sec-idea"
    assert "hidden" not in str(marked)
    # A tagged cell shows its outputs, not its source.
    assert "b.png" in str(slides[4]) and "x = 1" not in str(slides[4])
    # Served from the site's own copies, found from the page's links.
    assert 'src="../../_static/reveal/reveal.js"' in deck
    assert 'href="../../_static/slides.css"' in deck
    assert '<link href="../../_static/favicon.svg" rel="icon"/>' in deck
    assert "#</a>" not in deck  # no permalinks


def test_a_slide_naming_a_missing_figure_is_an_error():
    with pytest.raises(ValueError, match="fig-nowhere"):
        build_deck(
            PAGE.replace('data-figures="fig-a"', 'data-figures="fig-nowhere"'),
            "convolutions.html",
            None,
        )


_SLIDE = re.compile(r"^(:{3,})\{slide\}.*?\n(.*?)^\1\s*$", re.M | re.S)


@pytest.mark.parametrize("docname", code_chapters())
def test_every_chapter_marks_its_slides_and_their_figures_exist(docname):
    text = (ROOT / f"{docname}.md").read_text()
    slides = _SLIDE.findall(text)
    assert 6 <= len(slides) <= 12, len(slides)
    names = set(re.findall(r"^\s*:?name:?\s+([\w-]+)", text, re.M))
    figures = {
        label
        for _, body in slides
        for line in body.splitlines()
        if line.startswith(":figure:")
        for label in line.split()[1:]
    }
    assert figures <= names, figures - names
    assert "## What you will learn" in text and "## Summary" in text
