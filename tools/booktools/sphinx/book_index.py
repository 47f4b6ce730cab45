"""Sphinx extension: ``_build/book-index.json``, what the build knows about
the book's labels, numbers and glued values, for the notebook generator.

Written after every successful HTML build, from the environment Sphinx just
built, so the generator never reads Sphinx's pickled environment and always
sees the numbering of the site it is published with.
"""

import json
from pathlib import Path

from booktools.book import BOOK_INDEX, write_atomic


def index(env, glue_folder: Path) -> dict:
    """Labels, numbers and glue of every page, as plain JSON."""
    std, math = env.domaindata["std"], env.domaindata["math"]
    glue = {}
    for path in sorted(glue_folder.rglob("*.glue.json")):
        docname = path.relative_to(glue_folder).as_posix().removesuffix(".glue.json")
        if docname in env.found_docs:
            glued = json.loads(path.read_text())
            glue[docname] = {name: out["data"] for name, out in glued.items()}
    return {
        # label -> [docname, anchor, title]
        "labels": {k: list(v) for k, v in std["labels"].items()},
        # label -> [docname, anchor]
        "anonlabels": {k: list(v) for k, v in std["anonlabels"].items()},
        # label -> [docname, equation number]
        "equations": {k: list(v) for k, v in math["objects"].items()},
        # docname -> figure type -> id -> numbers
        "fignumbers": {
            doc: {
                kind: {i: list(n) for i, n in ids.items()}
                for kind, ids in kinds.items()
            }
            for doc, kinds in env.toc_fignumbers.items()
        },
        # docname -> anchor -> numbers
        "secnumbers": {
            doc: {anchor: list(n) for anchor, n in anchors.items()}
            for doc, anchors in env.toc_secnumbers.items()
        },
        # docname -> name -> mime bundle
        "glue": glue,
    }


def write_index(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    glue_folder = Path(app.env.mystnb_config.output_folder)
    target = Path(app.outdir).parent / BOOK_INDEX
    # str(): a few titles are lazy translations (the index page's "Index").
    text = json.dumps(index(app.env, glue_folder), indent=1, default=str)
    write_atomic(target, text + "\n")


def setup(app):
    app.connect("build-finished", write_index)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
