import pytest
import torch
import torch.nn.functional as F

from dlbook.convolution import (
    conv_output_size,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    pool2d,
)


def test_corr2d_known_value():
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    expected = torch.tensor([[19.0, 25.0], [37.0, 43.0]])
    torch.testing.assert_close(corr2d(X, K), expected)


@pytest.mark.parametrize(
    ("h", "w", "kh", "kw"), [(6, 8, 1, 2), (5, 5, 3, 3), (7, 4, 4, 1)]
)
def test_corr2d_matches_conv2d(h, w, kh, kw):
    generator = torch.Generator().manual_seed(h * w)
    X = torch.randn(h, w, generator=generator)
    K = torch.randn(kh, kw, generator=generator)
    expected = F.conv2d(X[None, None], K[None, None])[0, 0]
    torch.testing.assert_close(corr2d(X, K), expected)


def test_multi_channel_versions_match_conv2d():
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(3, 6, 5, generator=generator)
    K = torch.randn(4, 3, 2, 3, generator=generator)
    expected = F.conv2d(X[None], K)[0]
    torch.testing.assert_close(corr2d_multi_in_out(X, K), expected)
    torch.testing.assert_close(corr2d_multi_in(X, K[1]), expected[1])


def test_pool2d_matches_torch_pooling():
    generator = torch.Generator().manual_seed(1)
    X = torch.randn(6, 7, generator=generator)
    torch.testing.assert_close(
        pool2d(X, (2, 3), "max"), F.max_pool2d(X[None, None], (2, 3), stride=1)[0, 0]
    )
    torch.testing.assert_close(
        pool2d(X, (3, 2), "avg"), F.avg_pool2d(X[None, None], (3, 2), stride=1)[0, 0]
    )
    with pytest.raises(ValueError, match="mode must be 'max' or 'avg'"):
        pool2d(X, (2, 2), "sum")


@pytest.mark.parametrize(
    ("size", "kernel_size", "padding", "stride"),
    [
        (28, 5, 0, 1),
        (28, 5, 2, 1),
        (224, 11, 2, 4),
        (8, 3, 1, 2),
        (7, 7, 0, 3),
        (5, 1, 0, 5),
    ],
)
def test_conv_output_size_matches_conv2d(size, kernel_size, padding, stride):
    X = torch.zeros(1, 1, size, size)
    K = torch.zeros(1, 1, kernel_size, kernel_size)
    out = F.conv2d(X, K, padding=padding, stride=stride)
    assert conv_output_size(size, kernel_size, padding, stride) == out.shape[-1]


def test_shape_errors_name_the_fix():
    with pytest.raises(ValueError, match="corr2d_multi_in_out"):
        corr2d(torch.zeros(1, 4, 4), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="pad the image"):
        corr2d(torch.zeros(2, 2), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="same c_in"):
        corr2d_multi_in(torch.zeros(3, 4, 4), torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="increase the padding"):
        conv_output_size(3, 5)
    with pytest.raises(ValueError, match="stride must be positive"):
        conv_output_size(8, 3, stride=0)
