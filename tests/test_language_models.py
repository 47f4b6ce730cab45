import math

import pytest
import torch
from torch import nn

from dlbook.language_models import NGramModel, lm_windows
from dlbook.training import SequenceCrossEntropyLoss, count_correct, evaluate


def test_lm_windows_shift_targets_by_one():
    X, Y = lm_windows(torch.arange(11), seq_len=3)
    assert X.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert Y.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    with pytest.raises(ValueError, match="too short"):
        lm_windows(torch.arange(3), seq_len=3)
    with pytest.raises(ValueError, match="1-D"):
        lm_windows(torch.zeros(2, 5), seq_len=2)


def test_ngram_probabilities_are_normalised_and_counted():
    model = NGramModel(n=2, vocab_size=3, k=0.5).fit([0, 1, 0, 1, 0, 2])
    for context in [(0,), (1,), (2,)]:
        total = sum(math.exp(model.log_prob(context, t)) for t in range(3))
        assert total == pytest.approx(1.0)
    # After 0 the training stream has 1 twice and 2 once: (2 + 0.5) / (3 + 1.5).
    assert math.exp(model.log_prob((0,), 1)) == pytest.approx(2.5 / 4.5)


def test_unigram_perplexity_of_uniform_data_is_the_vocabulary_size():
    stream = [0, 1, 2, 3] * 50
    model = NGramModel(n=1, vocab_size=4, k=1.0).fit(stream)
    assert model.perplexity(stream) == pytest.approx(4.0)


def test_bigram_learns_a_deterministic_cycle():
    stream = [0, 1, 2, 3] * 100
    model = NGramModel(n=2, vocab_size=4, k=0.01).fit(stream)
    assert model.perplexity(stream) < 1.01
    with pytest.raises(ValueError, match="at least 2 tokens"):
        model.perplexity([0])
    with pytest.raises(ValueError, match="k > 0"):
        NGramModel(n=2, vocab_size=4, k=0)


def test_sequence_cross_entropy_matches_the_flat_loss():
    logits = torch.randn(2, 5, 7, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 7, (2, 5), generator=torch.Generator().manual_seed(1))
    expected = nn.functional.cross_entropy(logits.reshape(10, 7), y.reshape(10))
    torch.testing.assert_close(SequenceCrossEntropyLoss()(logits, y), expected)
    assert count_correct(logits, y) == int((logits.argmax(-1) == y).sum())


def test_evaluate_gives_per_token_loss_and_accuracy_for_sequences():
    class Echo(nn.Module):
        def forward(self, X):  # a perfect next-token "model" for the data below
            return nn.functional.one_hot(X + 1, 5).float() * 10

    X = torch.tensor([[0, 1, 2], [1, 2, 3]])
    loader = [(X, X + 1)]
    metrics = evaluate(Echo(), loader, SequenceCrossEntropyLoss(), "cpu", accuracy=True)
    assert metrics["test_accuracy"] == 1.0
    assert math.exp(metrics["test_loss"]) < 1.001  # perplexity of a sure model


def test_sequence_loss_shape_errors():
    from dlbook.training import check_output_shape

    with pytest.raises(ValueError, match=r"\(batch, seq, classes\)"):
        check_output_shape(
            torch.zeros(2, 5), torch.zeros(2, 5), SequenceCrossEntropyLoss()
        )
