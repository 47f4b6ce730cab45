"""The values a page's executed notebook glued, as the build rendered them.

myst-nb collects every ``glue()`` output of the notebook it renders (executed
here or taken from the execution cache) and writes them beside it as
``<docname>.glue.json``; it keeps the names in the environment. Reading both
tells what the page that was just built holds, including values glued with
``display=False``, which no page shows (a chapter's results, the provenance of
a GPU record).
"""

import json
from pathlib import Path

from myst_nb.sphinx_ import NbMetadataCollector


def page_glue(env, docname: str) -> dict[str, dict]:
    """Name -> mime bundle of every value the page ``docname`` glued."""
    names = NbMetadataCollector.get_doc_data(env).get(docname, {}).get("glue")
    if not names:
        return {}
    path = Path(env.mystnb_config.output_folder) / f"{docname}.glue.json"
    glued = json.loads(path.read_text())
    return {name: glued[name]["data"] for name in names}
