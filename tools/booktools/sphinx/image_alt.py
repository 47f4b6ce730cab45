"""Sphinx extension: give every image a text alternative that says something.

Images that code cells output get the file name as their ``alt`` text, which a
screen reader would read out as a hash. An image inside a figure gets the
figure's caption instead; any other output image gets a short description that
points at the code that drew it.
"""

from docutils import nodes

FALLBACK = "Figure drawn by the code cell above"


def _meaningless(alt: str | None, uri: str) -> bool:
    return not alt or alt == uri or alt.rsplit("/", 1)[-1] == uri.rsplit("/", 1)[-1]


def add_alt_text(app, doctree, docname):
    for image in doctree.findall(nodes.image):
        if not _meaningless(image.get("alt"), image.get("uri", "")):
            continue
        parent = image.parent
        while parent is not None and not isinstance(parent, nodes.figure):
            parent = parent.parent
        caption = parent.next_node(nodes.caption) if parent is not None else None
        image["alt"] = caption.astext() if caption is not None else FALLBACK


def setup(app):
    app.connect("doctree-resolved", add_alt_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
