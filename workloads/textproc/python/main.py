# textproc workload for CPython: normalise, tokenise and embed one document of a generated
# corpus per iteration (see workloads/textproc/README.md).
import math
import re
from collections import Counter

from runner import main

MODULUS = 2147483647
MULTIPLIER = 48271
DIM = 64
# Indexed by next() mod 16.
SEPARATORS = (". ", ", ", "; ", "! ", "? ", " - ", "\n", "\n\n", "\t", "  ", "   ", "'", "-", " ", " ", " ")
# The normalised text is lowercase ASCII, so this is exactly "maximal runs of [a-z0-9]".
TOKEN = re.compile(r"[a-z0-9]+")
WHITESPACE = re.compile(r"[ \t\n\r]+")


def check_generator():
    state = 42
    for expected in (2027382, 1226992407, 551494037):
        state = state * MULTIPLIER % MODULUS
        if state != expected:
            raise RuntimeError(f"generator test vector mismatch: expected {expected}, got {state}")


class Rng:
    __slots__ = ("state",)

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = self.state * MULTIPLIER % MODULUS
        return self.state


def document(rng, vocab, chars):
    n = len(vocab)
    parts = [" " * (rng.next() % 3)]
    length = len(parts[0])
    while length < chars:
        if rng.next() % 16 == 0:
            token = str(rng.next() % 10000)
        else:
            r = rng.next() % n
            w = vocab[r * (rng.next() % n) // n]
            c = rng.next() % 8
            if c == 0:
                token = w.upper()
            elif c == 1:
                token = w[0].upper() + w[1:]
            elif c == 2:
                token = "".join(ch.upper() if rng.next() % 2 == 1 else ch for ch in w)
            else:
                token = w
        sep = SEPARATORS[rng.next() % 16]
        parts.append(token)
        parts.append(sep)
        length += len(token) + len(sep)
    return "".join(parts)[:chars]


def fnv1a(data):
    # FNV-1a, 32 bits: the product is masked back to 32 bits after every step.
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def embed(doc):
    """Everything the README's "per document" section does: (normalised, tokens, counts, embedding)."""
    # The text is ASCII, so str.lower is exactly ASCII lowercasing.
    norm = WHITESPACE.sub(" ", doc.lower()).strip(" ")
    tokens = TOKEN.findall(norm)
    counts = Counter(tokens)
    v = [0.0] * DIM
    for token, n in counts.items():
        h = fnv1a(token.encode("ascii"))
        v[h % DIM] += -float(n) if h >= 0x80000000 else float(n)
    ss = 0.0
    for x in v:
        ss += x * x
    if ss > 0.0:
        norm2 = math.sqrt(ss)
        v = [x / norm2 for x in v]
    return norm, tokens, counts, v


_corpus = None


def corpus(seed, docs, chars, nvocab):
    """The read-only input, built once per process on the first call (see the README)."""
    global _corpus
    if _corpus is None:
        rng = Rng(seed)
        vocab = []
        for _ in range(nvocab):
            length = 1 + rng.next() % 9
            vocab.append("".join(chr(97 + rng.next() % 26) for _ in range(length)))
        query = document(rng, vocab, chars)
        texts = [document(rng, vocab, chars) for _ in range(docs)]
        _corpus = (texts, embed(query)[3])
    return _corpus


def run(params):
    check_generator()
    seed, docs, chars, nvocab = params.int("seed"), params.int("docs"), params.int("chars"), params.int("vocab")
    if not (1 <= seed < MODULUS and docs >= 1 and chars >= 1 and 1 <= nvocab <= 67108864):
        raise ValueError("need 1 <= seed < 2^31-1, docs >= 1, chars >= 1, 1 <= vocab <= 2^26")
    texts, query = corpus(seed, docs, chars, nvocab)
    unit = params.iteration % docs

    norm, tokens, counts, v = embed(texts[unit])
    checksum = 0.0
    for b in range(DIM):
        checksum += (b + 1) * v[b]
    cosine = 0.0
    for b in range(DIM):
        cosine += v[b] * query[b]
    return (
        f"doc {unit} chars {len(norm)} tokens {len(tokens)} "
        f"vocab {len(counts)} checksum {checksum:.6f} cosine {cosine:.6f}\n"
    )


if __name__ == "__main__":
    main(run)
