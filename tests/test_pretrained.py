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
