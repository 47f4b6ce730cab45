"""Convolution written out by hand: the operations the convolution chapters build.

The chapter on convolutions derives :func:`corr2d` and :func:`conv_output_size`;
the chapter on channels extends them to several input and output channels. Both
show this source and check it against ``torch.nn.functional.conv2d``, which
computes the same cross-correlation far faster.
"""

import torch


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation of one image ``X`` (h, w) with one kernel ``K`` (kh, kw).

    Returns the (h - kh + 1, w - kw + 1) map whose entry (i, j) is the sum of
    ``K`` times the window of ``X`` whose top-left corner is (i, j).
    """
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(
            f"corr2d takes a 2-D image and a 2-D kernel, got shapes {tuple(X.shape)}"
            f" and {tuple(K.shape)}; use corr2d_multi_in_out for channels"
        )
    kh, kw = K.shape
    if kh > X.shape[0] or kw > X.shape[1]:
        raise ValueError(
            f"kernel {tuple(K.shape)} is larger than the image {tuple(X.shape)}:"
            " pad the image first"
        )
    Y = torch.zeros(X.shape[0] - kh + 1, X.shape[1] - kw + 1, dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + kh, j : j + kw] * K).sum()
    return Y


def corr2d_multi_in(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Cross-correlate each input channel with its own kernel slice and add up.

    ``X`` is (c_in, h, w) and ``K`` is (c_in, kh, kw); the result has one channel.
    """
    if X.ndim != 3 or K.ndim != 3 or X.shape[0] != K.shape[0]:
        raise ValueError(
            f"need X of shape (c_in, h, w) and K of shape (c_in, kh, kw) with the"
            f" same c_in; got {tuple(X.shape)} and {tuple(K.shape)}"
        )
    return sum(corr2d(x, k) for x, k in zip(X, K, strict=True))


def corr2d_multi_in_out(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """One output channel per kernel: ``X`` (c_in, h, w), ``K`` (c_out, c_in, kh, kw)
    give (c_out, h - kh + 1, w - kw + 1)."""
    if K.ndim != 4:
        raise ValueError(
            f"K must have shape (c_out, c_in, kh, kw), got {tuple(K.shape)}"
        )
    return torch.stack([corr2d_multi_in(X, k) for k in K])


def conv_output_size(
    size: int, kernel_size: int, padding: int = 0, stride: int = 1
) -> int:
    """Length of a convolution's output along one axis:
    ``floor((size + 2 * padding - kernel_size) / stride) + 1``."""
    if min(size, kernel_size, stride) < 1 or padding < 0:
        raise ValueError(
            "size, kernel_size and stride must be positive and padding"
            f" non-negative; got size={size}, kernel_size={kernel_size},"
            f" padding={padding}, stride={stride}"
        )
    if kernel_size > size + 2 * padding:
        raise ValueError(
            f"kernel_size {kernel_size} exceeds the padded input"
            f" {size} + 2 * {padding}: increase the padding"
        )
    return (size + 2 * padding - kernel_size) // stride + 1


def pool2d(
    X: torch.Tensor, pool_size: tuple[int, int], mode: str = "max"
) -> torch.Tensor:
    """Max or average pooling of one image ``X`` (h, w) over windows of
    ``pool_size`` with stride 1 (the chapters pass a stride to PyTorch's own)."""
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    ph, pw = pool_size
    Y = torch.zeros(X.shape[0] - ph + 1, X.shape[1] - pw + 1, dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i : i + ph, j : j + pw]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y
