"""Where the book is published, read from `_config.yml` and `_toc.yml`.

Used by the notebook generator, the launch buttons and the publishing tests, so
that the repository URL, the site's address and the PDF's name are set in one
place.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from gpu_outputs import toc_chapters

ROOT = Path(__file__).resolve().parents[1]


class ConversionError(ValueError):
    """The book's sources or configuration cannot be published as they are."""


@dataclass(frozen=True)
class Site:
    """Where the book lives: its repository and its published pages."""

    repo_url: str
    branch: str
    title: str = "the book"

    @property
    def org_repo(self) -> tuple[str, str]:
        match = re.fullmatch(
            r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", self.repo_url
        )
        if match is None:
            raise ConversionError(
                "repository.url in _config.yml must be a GitHub URL,"
                f" got {self.repo_url!r}"
            )
        return match.group(1), match.group(2)

    @property
    def pages_url(self) -> str:
        org, repo = self.org_repo
        return f"https://{org}.github.io/{repo}/"

    def page(self, docname: str, anchor: str = "") -> str:
        return f"{self.pages_url}{docname}.html" + (f"#{anchor}" if anchor else "")

    def notebook_path(self, docname: str) -> str:
        """Where a chapter's notebook lives in the published site."""
        return f"notebooks/{docname}.ipynb"

    def colab(self, docname: str) -> str:
        org, repo = self.org_repo
        return (
            f"https://colab.research.google.com/github/{org}/{repo}/blob/gh-pages/"
            + self.notebook_path(docname)
        )

    def binder(self, docname: str) -> str:
        org, repo = self.org_repo
        return (
            f"https://mybinder.org/v2/gh/{org}/{repo}/gh-pages"
            f"?urlpath=lab/tree/{self.notebook_path(docname)}"
        )

    def pip_source(self) -> str:
        return f"dlbook[book] @ git+{self.repo_url}@{self.branch}#subdirectory=code"


def load_site(root: Path = ROOT) -> Site:
    config = yaml.safe_load((root / "_config.yml").read_text())
    repository = config.get("repository", {})
    return Site(
        repo_url=repository["url"],
        branch=repository.get("branch", "main"),
        title=config.get("title", "the book"),
    )


def pdf_name(root: Path = ROOT) -> str:
    """The file name of the book's PDF (from the LaTeX target in `_config.yml`)."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    target = config["latex"]["latex_documents"]["targetname"]
    return Path(target).with_suffix(".pdf").name


def chapters(root: Path = ROOT) -> list[str]:
    """Docnames of the chapters in `_toc.yml` that have code cells, in order."""
    return [
        name
        for name in toc_chapters(root)
        if "```{code-cell}" in (root / f"{name}.md").read_text()
    ]
