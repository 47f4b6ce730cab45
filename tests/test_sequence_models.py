import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from dlbook.language_models import lm_windows
from dlbook.sequence_models import RNNLanguageModel, generate
from dlbook.training import SequenceCrossEntropyLoss, fit


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_output_shapes_and_state_continuation(cell):
    torch.manual_seed(0)
    model = RNNLanguageModel(11, 8, 16, cell=cell, num_layers=2).eval()
    X = torch.randint(0, 11, (3, 7))
    logits = model(X)
    assert logits.shape == (3, 7, 11)
    # Feeding the sequence in two pieces, carrying the state, gives the same logits.
    first, state = model(X[:, :4], return_state=True)
    second = model(X[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), logits)


def test_bad_arguments():
    with pytest.raises(ValueError, match="cell must be one of rnn, lstm, gru"):
        RNNLanguageModel(5, 4, 4, cell="transformer")
    model = RNNLanguageModel(5, 4, 4)
    with pytest.raises(ValueError, match=r"\(batch, seq\)"):
        model(torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match="non-empty prefix"):
        generate(model, [], 3)


def test_a_trained_model_reproduces_a_cycle_greedily():
    torch.manual_seed(0)
    stream = torch.tensor([0, 1, 2, 3, 4] * 200)
    X, Y = lm_windows(stream, seq_len=10)
    loader = DataLoader(TensorDataset(X, Y), batch_size=20, shuffle=True)
    model = RNNLanguageModel(5, 8, 32, cell="gru")
    history = fit(
        model,
        loader,
        SequenceCrossEntropyLoss(),
        torch.optim.Adam(model.parameters(), lr=0.01),
        num_epochs=5,
        progress=False,
    )
    assert history.last["train_accuracy"] > 0.95
    assert generate(model, [2, 3], 6, temperature=0) == [2, 3, 4, 0, 1, 2, 3, 4]


def test_sampling_is_reproducible_with_a_generator():
    torch.manual_seed(0)
    model = RNNLanguageModel(7, 4, 8)
    first = generate(model, [1], 20, generator=torch.Generator().manual_seed(3))
    second = generate(model, [1], 20, generator=torch.Generator().manual_seed(3))
    assert first == second and len(first) == 21


class _ContextModel(torch.nn.Module):
    """Called like RNNLanguageModel, but its state is the text it has read,
    like the pretraining chapter's Transformer: it predicts (sum of the tokens
    so far) mod vocab, which needs the whole context, not the last token."""

    def __init__(self, vocab: int):
        super().__init__()
        self.vocab = vocab
        self.unused = torch.nn.Parameter(torch.zeros(1))  # generate reads .device

    def forward(self, X, state=None, return_state=False):
        context = X if state is None else torch.cat([state, X], dim=1)
        totals = context.cumsum(dim=1)[:, -X.shape[1] :] % self.vocab
        logits = torch.nn.functional.one_hot(totals, self.vocab).float()
        return (logits, context) if return_state else logits


def test_generate_drives_any_model_with_the_same_call_signature():
    # Each new token is the running sum mod 7: 2+3 = 5, then 10, 13, 19.
    assert generate(_ContextModel(7), [2, 3], 4, temperature=0) == [2, 3, 5, 3, 6, 5]
