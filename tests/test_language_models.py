import math

import pytest
import torch
from torch import nn

from dlbook.language_models import (
    CharCorpus,
    LanguageModelBudget,
    NGramModel,
    austen_characters,
    lm_windows,
    train_char_language_model,
    tune_ngram,
)
from dlbook.sequence_models import RNNLanguageModel
from dlbook.text import Vocab
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


def cycle_corpus(period=5, repeats=400):
    """A stream that repeats 0, 1, ..., period - 1: each token fixes the next."""
    stream = torch.arange(period).repeat(repeats)
    vocab = Vocab([[str(i) for i in range(period)]])
    third = len(stream) // 3
    return CharCorpus(
        vocab, stream[:third], stream[third : 2 * third], stream[2 * third :]
    )


def test_austen_characters_splits_in_order_with_a_training_vocabulary():
    corpus = austen_characters()
    sizes = [len(corpus.train), len(corpus.valid), len(corpus.test)]
    assert sizes[0] > 17 * sizes[1] and abs(sizes[1] - sizes[2]) <= 1
    assert corpus.train.max() < len(corpus.vocab)
    assert corpus.train.dtype == torch.long


def test_tune_ngram_picks_the_order_that_sees_the_pattern_and_a_small_k():
    tuned = tune_ngram(cycle_corpus(), orders=(1, 2), k_grid=(0.01, 1.0))
    # A bigram predicts the cycle; a unigram cannot (perplexity near 5).
    assert (tuned.model.n, tuned.model.k) == (2, 0.01)
    assert tuned.valid_perplexity[1, 1.0] > 4.5
    assert tuned.test_perplexity < 1.1
    assert set(tuned.valid_perplexity) == {(1, 0.01), (1, 1.0), (2, 0.01), (2, 1.0)}


def test_train_char_language_model_learns_a_cycle_and_reports_test_perplexity():
    torch.manual_seed(0)
    corpus = cycle_corpus()
    model = RNNLanguageModel(len(corpus.vocab), 8, 16, cell="gru")
    budget = LanguageModelBudget(
        seq_len=10, eval_len=20, batch_size=8, lr=1e-2, num_epochs=3
    )
    history, test_perplexity = train_char_language_model(
        model, corpus, budget, device="cpu"
    )
    assert len(history) == 3 and "valid_loss" in history.last
    # A uniform guess has perplexity 5; the cycle is learned, on held-out text.
    assert test_perplexity < 1.6
    assert test_perplexity == pytest.approx(
        math.exp(history.last["valid_loss"]), rel=0.05
    )
