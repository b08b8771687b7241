# wordfreq workload for CPython (see workloads/wordfreq/README.md).
import re
from collections import Counter

from runner import main

MODULUS = 2147483647
MULTIPLIER = 48271
# Indexed by next() mod 20: ". " for 0, ", " for 1, newline for 2, else a space.
SEPARATORS = (". ", ", ", "\n") + (" ",) * 17
WORD = re.compile(r"[a-z]+")


def generate(seed, nvocab, nwords):
    # The generator is inlined (state kept in a local) because a function call
    # per draw would dominate the generation time in CPython.
    a, m = MULTIPLIER, MODULUS
    state = seed

    vocab = []
    for _ in range(nvocab):
        state = state * a % m
        letters = []
        for _ in range(2 + state % 7):
            state = state * a % m
            letters.append(chr(97 + state % 26))
        vocab.append("".join(letters))

    # Python's usual string builder: a list of pieces joined once (README).
    parts = []
    append = parts.append
    seps = SEPARATORS
    for _ in range(nwords):
        state = state * a % m
        r = state % nvocab
        state = state * a % m
        w = vocab[r * (state % nvocab) // nvocab]
        state = state * a % m
        c = state % 10
        if c == 0:
            w = w.upper()
        elif c == 1:
            w = w[0].upper() + w[1:]
        state = state * a % m
        append(w)
        append(seps[state % 20])
    return "".join(parts)


# The generated text is the read-only input: made on the first call, kept for the next calls
# with the same parameters (README: "What is measured").
_corpus = {}


def corpus(seed, nvocab, nwords):
    key = (seed, nvocab, nwords)
    if key not in _corpus:
        _corpus.clear()
        _corpus[key] = generate(seed, nvocab, nwords)
    return _corpus[key]


def run(params):
    text = corpus(params.int("seed"), params.int("vocab"), params.int("words"))
    # The text is pure ASCII, so str.lower is exactly ASCII lowercasing.
    lower = text.lower()

    # Counted while scanning: finditer yields one match at a time and Counter adds each
    # word as it comes (README: no list of all the words).
    counts = Counter(match[0] for match in WORD.finditer(lower))
    total = sum(counts.values())

    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    out = [f"{w} {n}\n" for w, n in top]

    checksum = 0
    for w, n in counts.items():
        h = 0
        for i, ch in enumerate(w, 1):
            h += i * (ord(ch) - 96)
        checksum = (checksum + n * h) % 1000000007

    out.append(f"distinct {len(counts)}\ntotal {total}\nchecksum {checksum}\n")
    return "".join(out)


if __name__ == "__main__":
    main(run)
