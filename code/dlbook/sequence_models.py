"""Recurrent language models: the model and the sampler the sequence chapters share.

The chapter on recurrent networks builds :class:`RNNLanguageModel` with a plain
RNN; the chapter on LSTM and GRU trains the same class with gated cells, so that
the only difference between the models it compares is the cell.
"""

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RNNLanguageModel(nn.Module):
    """Embedding -> recurrent layers -> a linear layer giving next-token logits.

    Args:
        vocab_size: Number of tokens.
        embed_dim: Size of each token's embedding.
        hidden_size: Size of the recurrent state.
        cell: ``"rnn"`` (tanh), ``"lstm"`` or ``"gru"``.
        num_layers: Stacked recurrent layers.
        dropout: Dropout between stacked layers and before the output layer.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        cell: str = "rnn",
        num_layers: int = 1,
        dropout: float = 0.0,
    ):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
        self.cell = cell
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = CELLS[cell](
            embed_dim,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_size, vocab_size)

    def forward(self, X: torch.Tensor, state=None, return_state: bool = False):
        """Logits ``(batch, seq, vocab)`` for token indices ``X`` ``(batch, seq)``.

        ``state`` continues from an earlier call (as when generating); with
        ``return_state`` the final state is returned too.
        """
        if X.ndim != 2:
            raise ValueError(
                f"X must hold token indices of shape (batch, seq), got {tuple(X.shape)}"
            )
        outputs, state = self.rnn(self.embedding(X), state)  # (batch, seq, hidden)
        logits = self.output(self.dropout(outputs))  # (batch, seq, vocab)
        return (logits, state) if return_state else logits


@torch.no_grad()
def generate(
    model: nn.Module,
    prefix: list[int],
    num_tokens: int,
    *,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
) -> list[int]:
    """Continue ``prefix`` (token indices) by sampling ``num_tokens`` tokens.

    ``model`` is an :class:`RNNLanguageModel` or any module called the same
    way: ``model(tokens, return_state=True)`` gives the logits
    ``(1, length, vocab)`` and a state, and ``model(tokens, state,
    return_state=True)`` continues from that state.

    ``temperature`` below 1 sharpens the distribution, above 1 flattens it;
    0 picks the most likely token every time (greedy decoding).
    """
    if not prefix:
        raise ValueError("generate needs a non-empty prefix to start from")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    model.eval()
    device = next(model.parameters()).device
    tokens = list(prefix)
    logits, state = model(
        torch.tensor([tokens], device=device), return_state=True
    )  # (1, len(prefix), vocab)
    for _ in range(num_tokens):
        last = logits[0, -1]
        if temperature == 0:
            token = int(last.argmax())
        else:
            probs = torch.softmax(last / temperature, dim=-1).cpu()
            token = int(torch.multinomial(probs, 1, generator=generator))
        tokens.append(token)
        logits, state = model(
            torch.tensor([[token]], device=device), state, return_state=True
        )
    return tokens
