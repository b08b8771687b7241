# stream workload for CPython: a toy decoder that emits every token as a server-sent event,
# flushed one by one or buffered until the end (see workloads/stream/README.md).
import sys

from runner import main

MODULUS = 2147483647
MULTIPLIER = 48271

# The read-only model, built once per process: (seed, vocab, dim) -> model.
_models = {}


def _build_model(seed, vocab, dim):
    # The generator is inlined (state kept in a local): a call per draw would dominate.
    state = seed
    words = []
    for _ in range(vocab):
        state = state * MULTIPLIER % MODULUS
        letters = []
        for _ in range(2 + state % 7):
            state = state * MULTIPLIER % MODULUS
            letters.append(chr(97 + state % 26))
        words.append("".join(letters))
    matrices = []
    for _ in range(2):  # W, then E: vocab rows of dim weights in (-1, 1)
        rows = []
        for _ in range(vocab):
            row = []
            for _ in range(dim):
                state = state * MULTIPLIER % MODULUS
                row.append(2.0 * (state / 2147483647.0) - 1.0)
            rows.append(row)
        matrices.append(rows)
    h0 = []
    for _ in range(dim):
        state = state * MULTIPLIER % MODULUS
        h0.append(2.0 * (state / 2147483647.0) - 1.0)
    return words, matrices[0], matrices[1], h0, state


def _check_generator():
    state = 42
    for expected in (2027382, 1226992407, 551494037):
        state = state * MULTIPLIER % MODULUS
        if state != expected:
            raise AssertionError(f"generator test vector mismatch: expected {expected}, got {state}")


def run(params):
    _check_generator()
    seed = params.int("seed")
    vocab = params.int("vocab")
    dim = params.int("dim")
    tokens = params.int("tokens")
    mode = params.str("mode")
    if mode not in ("flushed", "buffered"):
        raise ValueError(f"parameter mode={mode} must be flushed or buffered")
    if not 1 <= seed < MODULUS or vocab < 1 or dim < 1 or tokens < 1:
        raise ValueError("need 1 <= seed < 2^31-1 and vocab, dim, tokens >= 1")
    flushed = mode == "flushed"
    key = (seed, vocab, dim)
    model = _models.get(key)
    if model is None:
        model = _models[key] = _build_model(seed, vocab, dim)
    words, w, e, h0, state = model

    out = sys.stdout
    h = list(h0)
    checksum = 2166136261
    nbytes = 0
    parts = []
    best = 0
    for i in range(tokens):
        # logits = W h, each a dot product summed in order j = 0..dim; argmax, ties to the
        # lowest index. An explicit loop, not sum(map(mul, row, h)): since Python 3.12, sum()
        # of floats rounds differently (compensated), which could change an argmax.
        best = 0
        best_logit = 0.0
        for v, row in enumerate(w):
            s = 0.0
            for wj, hj in zip(row, h):
                s += wj * hj
            if v == 0 or s > best_logit:
                best = v
                best_logit = s

        event = f'data: {{"index":{i},"token":"{words[best]}"}}\n\n'
        for b in event.encode():
            checksum = ((checksum ^ b) * 16777619) & 0xFFFFFFFF
        nbytes += len(event)
        if flushed:
            out.write(event)
            out.flush()
        else:
            parts.append(event)

        emb = e[best]
        for j in range(dim):
            state = state * MULTIPLIER % MODULUS
            h[j] = 0.5 * ((h[j] + emb[j]) + (state / 2147483647.0 - 0.5))
    if not flushed:
        out.write("".join(parts))
        out.flush()
    return f"tokens {tokens}\nbytes {nbytes}\nchecksum {checksum}\nlast {words[best]}\n"


if __name__ == "__main__":
    main(run)
