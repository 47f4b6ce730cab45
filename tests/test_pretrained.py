import torch

from dlbook.pretrained import load_sentence_encoder


def test_sentence_encoder_loads_offline_and_ranks_paraphrases_first():
    model = load_sentence_encoder()
    sentences = [
        "The cat sat on the mat.",
        "A feline rested on the rug.",
        "Stock markets fell sharply today.",
    ]
    embeddings = model.encode(
        sentences, convert_to_tensor=True, normalize_embeddings=True
    )
    assert embeddings.shape == (3, 384)
    torch.testing.assert_close(embeddings.norm(dim=1), torch.ones(3))
    similarity = embeddings @ embeddings.T
    assert similarity[0, 1] > similarity[0, 2] + 0.3


def test_efficientnet_lite0_recognises_a_cat_and_an_espresso():
    import skimage.data
    import torch.nn.functional as F

    from dlbook.pretrained import (
        EFFICIENTNET_LITE_MEAN,
        EFFICIENTNET_LITE_STD,
        imagenet_categories,
        load_efficientnet_lite0,
    )

    model = load_efficientnet_lite0()
    categories = imagenet_categories()
    assert len(categories) == 1000
    assert sum(p.numel() for p in model.parameters()) == 4_652_008
    mean = torch.tensor(EFFICIENTNET_LITE_MEAN)[:, None, None]
    std = torch.tensor(EFFICIENTNET_LITE_STD)[:, None, None]
    for photo, expected in [("chelsea", "Egyptian cat"), ("coffee", "espresso")]:
        image = torch.tensor(getattr(skimage.data, photo)()).permute(2, 0, 1) / 255
        image = F.interpolate(image[None], size=(224, 224), mode="bilinear")
        with torch.no_grad():
            logits = model((image - mean) / std)
        assert categories[logits.argmax()] == expected
