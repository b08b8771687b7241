# align workload for CPython: DTW, LCS and edit distance by two-row dynamic programming
# (workloads/align/README.md). Iteration i computes sub-task i mod 3.
from runner import main

MODULUS = 2147483647
MULTIPLIER = 48271
INF = float("inf")


def check_generator():
    state = 42
    for expected in (2027382, 1226992407, 551494037):
        state = state * MULTIPLIER % MODULUS
        if state != expected:
            raise RuntimeError(f"generator test vector mismatch: expected {expected}, got {state}")


def generate(seed, length):
    """The read-only inputs, drawn in this order: a, b (floats in (0, 1)), s, t (letters of ACGT)."""
    state = seed

    def draw():
        nonlocal state
        state = state * MULTIPLIER % MODULUS
        return state

    a = [draw() / MODULUS for _ in range(length)]
    b = [draw() / MODULUS for _ in range(length)]
    s = "".join("ACGT"[draw() % 4] for _ in range(length))
    t = "".join("ACGT"[draw() % 4] for _ in range(length))
    return a, b, s, t


# The textbook recurrences, the same shape in every language: each cell reads the three
# neighbours from the two rows (README), so no language gets a hand-optimised loop.
def dtw(a, b):
    m = len(b)
    prev = [INF] * (m + 1)
    cur = [INF] * (m + 1)
    prev[0] = 0.0
    for x in a:
        cur[0] = INF
        for j in range(1, m + 1):
            cur[j] = abs(x - b[j - 1]) + min(prev[j - 1], prev[j], cur[j - 1])
        prev, cur = cur, prev
    return prev[m]


def lcs(s, t):
    m = len(t)
    prev = [0] * (m + 1)
    cur = [0] * (m + 1)
    for c in s:
        cur[0] = 0
        for j in range(1, m + 1):
            cur[j] = prev[j - 1] + 1 if c == t[j - 1] else max(prev[j], cur[j - 1])
        prev, cur = cur, prev
    return prev[m]


def edit(s, t):
    m = len(t)
    prev = list(range(m + 1))
    cur = [0] * (m + 1)
    for i, c in enumerate(s, 1):
        cur[0] = i
        for j in range(1, m + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (c != t[j - 1]))
        prev, cur = cur, prev
    return prev[m]


_inputs = None


def run(params):
    global _inputs
    check_generator()
    seed = params.int("seed")
    length = params.int("len")
    if not 1 <= seed < MODULUS or length < 1:
        raise ValueError("need 1 <= seed < 2147483647 and len >= 1")
    # Built once per process, on the first call (README: read-only inputs).
    if _inputs is None:
        _inputs = generate(seed, length)
    a, b, s, t = _inputs
    task = params.iteration % 3
    if task == 0:
        return f"dtw {dtw(a, b):.6f}\n"
    if task == 1:
        return f"lcs {lcs(s, t)}\n"
    return f"edit {edit(s, t)}\n"


if __name__ == "__main__":
    main(run)
