# mlp workload for CPython: one request through a dense 256-512-256-10 network (workloads/mlp/README.md).
from math import exp

from runner import main

SIZES = (256, 512, 256, 10)
# Weights are (2u - 1) * WEIGHT_SCALE[layer], biases (2u - 1) * BIAS_SCALE, inputs 2u - 1.
WEIGHT_SCALE = (0.15, 0.1, 0.15)
BIAS_SCALE = 0.01
# The batch: iteration i serves request i mod BATCH.
BATCH = 8


class Rng:
    """Park-Miller "minimal standard" generator (Python ints are exact)."""

    __slots__ = ("state",)

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = self.state * 48271 % 2147483647
        return self.state

    def symmetric(self, scale):
        """(2u - 1) * scale with u = next() / 2147483647: uniform in (-scale, scale)."""
        return (2.0 * (self.next() / 2147483647.0) - 1.0) * scale


def check_generator():
    rng = Rng(42)
    for expected in (2027382, 1226992407, 551494037):
        got = rng.next()
        if got != expected:
            raise RuntimeError(f"generator test vector mismatch: expected {expected}, got {got}")


class Model:
    """The read-only model and its batch of inputs, built once per process (README: "Data").

    Each layer is (inputs, outputs, weights, biases): the weights one flat list,
    row-major (one row of `inputs` weights per output).
    """

    def __init__(self, seed):
        self.seed = seed
        rng = Rng(seed)
        self.layers = []
        for l in range(3):
            n, m = SIZES[l], SIZES[l + 1]
            weights = [rng.symmetric(WEIGHT_SCALE[l]) for _ in range(n * m)]
            biases = [rng.symmetric(BIAS_SCALE) for _ in range(m)]
            self.layers.append((n, m, weights, biases))
        self.requests = [[rng.symmetric(1.0) for _ in range(SIZES[0])] for _ in range(BATCH)]


_model = None


def dense(layer, x, relu):
    """y = W x + b, each dot product summed in index order; ReLU unless it is the last layer.

    The row is read through a slice and zip; the products are added one at a time
    (never sum(), which Python 3.12+ computes with compensated summation).
    """
    n, m, w, b = layer
    y = []
    for o in range(m):
        acc = 0.0
        for wi, xi in zip(w[o * n:(o + 1) * n], x):
            acc += wi * xi
        z = acc + b[o]
        y.append(z if not relu or z > 0.0 else 0.0)
    return y


def run(params):
    global _model
    check_generator()
    seed = params.int("seed")
    if not 1 <= seed < 2147483647:
        raise ValueError(f"seed must be in 1..2147483646, got {seed}")
    if _model is None:
        _model = Model(seed)
    elif _model.seed != seed:
        raise RuntimeError("the seed changed within the process")
    model = _model
    request = params.iteration % BATCH

    x = dense(model.layers[0], model.requests[request], True)
    x = dense(model.layers[1], x, True)
    logits = dense(model.layers[2], x, False)

    top = logits[0]
    for z in logits[1:]:
        if z > top:
            top = z
    exps = [exp(z - top) for z in logits]
    total = 0.0
    for e in exps:
        total += e
    probs = [e / total for e in exps]

    cls = 0
    for k in range(1, len(probs)):
        if probs[k] > probs[cls]:
            cls = k
    checksum = 0.0
    for k, p in enumerate(probs):
        checksum += (k + 1) * p
    return f"request {request} class {cls} p {probs[cls]:.9f} checksum {checksum:.9f}\n"


if __name__ == "__main__":
    main(run)
