"""The book's facts, in one place: where it lives and builds, how strictly,
which pages and chapters it has, where it is published, and how files are
written so that a failure leaves no half-written one.

Everything is read from ``_config.yml`` and ``_toc.yml`` of a book's root
(:data:`ROOT` unless a function is given another, as the tests' throw-away
books are).
"""

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

# tools/booktools/book.py -> the checkout's root.
ROOT = Path(__file__).resolve().parents[2]
BUILD = "_build"
# A Sphinx warning is an error (-W), every reference must resolve (-n), and all
# warnings are reported before the build fails (--keep-going).
STRICT_FLAGS = ("-W", "-n", "--keep-going")
# The site's own MathJax, which `python -m booktools.commands.vendor` unpacks,
# relative to the build folder.
MATHJAX_FOLDER = "vendor/mathjax"
MATHJAX_ENTRY = "tex-mml-chtml.js"
# reveal.js, the lecture decks' viewer, beside it (served as _static/reveal).
REVEAL_FOLDER = "vendor/reveal"
# The student edition (no solutions): its build folder, and its place in the site.
STUDENT_BUILD = "student"
STUDENT_FOLDER = "student/"
RECORDS = "gpu-records"
# What the HTML build knows about labels, numbers and glue, in the build folder,
# for the notebook generator (booktools.sphinx.book_index writes it).
BOOK_INDEX = "book-index.json"
# The page that lists every chapter's headline results, and the published
# results of other books beside it, which chapters quote with {reference-result}.
RESULTS_PAGE = "book/back-matter/results"
REFERENCE_RESULTS = "book/back-matter/reference-results.yml"


class BookError(ValueError):
    """The book's sources or configuration cannot be built or published as
    they are; the message says what to change."""


def reference_result(root: Path, experiment: str) -> str:
    """What ``reference-results.yml`` says ``experiment`` reached elsewhere, so
    that a chapter quoting a published figure and the Results page agree."""
    rows = yaml.safe_load((root / REFERENCE_RESULTS).read_text())
    results = {row["experiment"]: row["result"] for row in rows}
    if experiment not in results:
        raise BookError(
            f"no experiment {experiment!r} in {REFERENCE_RESULTS}; it has: "
            + "; ".join(results)
        )
    return results[experiment]


def build_dir(root: Path = ROOT) -> Path:
    return root / BUILD


def read_config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text())


def read_toc(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_toc.yml").read_text())


def front_matter(text: str) -> dict:
    """A MyST file's YAML front matter, or {} if it has none."""
    if not text.startswith("---\n"):
        return {}
    end = text.index("\n---", 4)
    return yaml.safe_load(text[4:end]) or {}


def needs_gpu(path: Path) -> bool:
    """True if the chapter's front matter says ``dlbook: {gpu: true}``."""
    meta = front_matter(path.read_text())
    return bool((meta.get("dlbook") or {}).get("gpu"))


# Lists of pages, each named for what it holds ----------------------------


def toc_pages(root: Path = ROOT) -> list[str]:
    """Docnames of every page in ``_toc.yml``, the root page first."""
    toc = read_toc(root)
    pages = [toc["root"]]
    for part in toc.get("parts", [toc]):
        pages += [entry["file"] for entry in part.get("chapters", [])]
    return pages


def code_chapters(root: Path = ROOT) -> list[str]:
    """The pages in ``_toc.yml`` that have code cells: those published as
    notebooks, with launch buttons."""
    return [
        page
        for page in toc_pages(root)
        if "```{code-cell}" in (root / f"{page}.md").read_text()
    ]


def gpu_chapters(root: Path = ROOT) -> list[str]:
    """The pages in ``_toc.yml`` whose front matter says they need a GPU."""
    return [page for page in toc_pages(root) if needs_gpu(root / f"{page}.md")]


def read_chapter_notebook(root: Path, docname: str):
    """A chapter as the book's build reads it (myst-nb's reader with the
    book's MyST extensions), so that its cells are exactly the build's."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    path = root / f"{docname}.md"
    extensions = read_config(root).get("parse", {}).get("myst_enable_extensions", [])
    return read_myst_markdown_notebook(
        path.read_text(), MdParserConfig(enable_extensions=set(extensions)), path=path
    )


def course_sessions(root: Path = ROOT) -> dict[str, str]:
    """Docname -> the course sessions it serves ("11", "4-7"), read from the
    course map in the root page (rows ``| session | topic | {ref}`label` |``)."""
    pages = toc_pages(root)
    label_to_page = {}
    for page in pages:
        for label in re.findall(
            r"^\(([\w-]+)\)=\s*$", (root / f"{page}.md").read_text(), re.M
        ):
            label_to_page.setdefault(label, page)
    sessions: dict[str, list[str]] = {}
    for line in (root / f"{pages[0]}.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not re.fullmatch(r"[\d\u2013-]+", cells[0]):
            continue
        for label in re.findall(r"\{ref\}`([\w-]+)`", cells[-1]):
            if label in label_to_page:
                sessions.setdefault(label_to_page[label], []).append(cells[0])
    return {page: ", ".join(found) for page, found in sessions.items()}


# Where the book is published ---------------------------------------------


@dataclass(frozen=True)
class Site:
    """Where the book lives: its repository and its published pages.

    Paths such as :meth:`notebook_path` are relative to an edition's root; the
    student edition's root is the site's ``student/`` folder (``folder``), which
    addresses seen from outside the site (:meth:`page`, :meth:`colab`) include.
    """

    repo_url: str
    branch: str
    title: str = "the book"
    folder: str = ""

    @property
    def org_repo(self) -> tuple[str, str]:
        match = re.fullmatch(
            r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", self.repo_url
        )
        if match is None:
            raise BookError(
                "repository.url in _config.yml must be a GitHub URL,"
                f" got {self.repo_url!r}"
            )
        return match.group(1), match.group(2)

    @property
    def pages_url(self) -> str:
        org, repo = self.org_repo
        return f"https://{org}.github.io/{repo}/"

    def page(self, docname: str, anchor: str = "") -> str:
        url = f"{self.pages_url}{self.folder}{docname}.html"
        return url + (f"#{anchor}" if anchor else "")

    def notebook_path(self, docname: str) -> str:
        """Where a chapter's notebook lives in the published site."""
        return f"notebooks/{docname}.ipynb"

    @staticmethod
    def slides_path(docname: str) -> str:
        """A chapter's lecture deck, beside its page (so the page's images and
        math serve it unchanged)."""
        return f"{docname}-slides.html"

    @staticmethod
    def chapter_pdf_path(docname: str) -> str:
        """A chapter's own PDF in the published site."""
        return f"pdf/{docname}.pdf"

    def colab(self, docname: str) -> str:
        org, repo = self.org_repo
        return (
            f"https://colab.research.google.com/github/{org}/{repo}/blob/gh-pages/"
            + self.folder
            + self.notebook_path(docname)
        )

    def binder(self, docname: str) -> str:
        org, repo = self.org_repo
        return (
            f"https://mybinder.org/v2/gh/{org}/{repo}/gh-pages"
            f"?urlpath=lab/tree/{self.folder}{self.notebook_path(docname)}"
        )

    def pip_source(self, commit: str) -> str:
        """The package as pip installs it from the repository, at ``commit``
        (the one the site was built from, so a notebook keeps working with the
        package it was published with)."""
        if not re.fullmatch(r"[0-9a-f]{40}", commit):
            raise BookError(f"a full commit hash is needed, got {commit!r}")
        return f"dlbook[book] @ git+{self.repo_url}@{commit}#subdirectory=code"


def load_site(root: Path = ROOT, student: bool = False) -> Site:
    """The full edition's site, or the ``student`` edition's within it."""
    repository = read_config(root).get("repository", {})
    return Site(
        repo_url=repository["url"],
        branch=repository.get("branch", "main"),
        title=read_config(root).get("title", "the book"),
        folder=STUDENT_FOLDER if student else "",
    )


def pdf_name(root: Path = ROOT) -> str:
    """The file name of the book's PDF (from the LaTeX target in `_config.yml`)."""
    target = read_config(root)["latex"]["latex_documents"]["targetname"]
    return Path(target).with_suffix(".pdf").name


def student_pdf_name(root: Path = ROOT) -> str:
    """The file name of the student edition's PDF."""
    return Path(pdf_name(root)).stem + "-student.pdf"


def offline_pack_name(root: Path = ROOT) -> str:
    """The file name of the archive of the whole site, beside the PDF."""
    return Path(pdf_name(root)).stem + "-offline.zip"


def current_commit(root: Path = ROOT) -> str:
    """The commit the checkout at ``root`` is at."""
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BookError(
            f"{root} is not a git checkout with a commit ({result.stderr.strip()}):"
            " published notebooks install the package at the site's commit"
        )
    return result.stdout.strip()


# Files -------------------------------------------------------------------


def write_atomic(target: Path, content: str | bytes) -> None:
    """Write ``target`` through a temporary file in its folder, so that it is
    either complete or unchanged, never half-written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content.encode() if isinstance(content, str) else content)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would follow the file into the site
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def jupyter_book_build(
    root: Path, builder: str = "html", *options: str, **run_options
) -> subprocess.CompletedProcess:
    """``jupyter-book build`` of the book at ``root`` with :data:`STRICT_FLAGS`
    and any further ``options``, from this Python's environment."""
    import sys

    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(root), "--builder", builder]
    return subprocess.run([*command, *options, *STRICT_FLAGS], **run_options)
