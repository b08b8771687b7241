# wordfreq workload for CPython (see workloads/wordfreq/README.md).
from collections import Counter

from runner import main

MODULUS = 2147483647
MULTIPLIER = 48271
# Maps every ASCII character except a-z to a space, so that split() yields exactly
# the maximal runs of a-z (the generated text is pure ASCII); about twice as
# fast as re.findall(r"[a-z]+").
NON_LETTERS_TO_SPACE = str.maketrans({chr(i): " " for i in range(128) if not 97 <= i <= 122})
# Indexed by next() mod 20: ". " for 0, ", " for 1, newline for 2, else a space.
SEPARATORS = (". ", ", ", "\n") + (" ",) * 17


def run(params):
    seed = params.int("seed")
    nvocab = params.int("vocab")
    nwords = params.int("words")

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

    # The text is pure ASCII, so str.lower is exactly ASCII lowercasing.
    words = "".join(parts).lower().translate(NON_LETTERS_TO_SPACE).split()
    counts = Counter(words)

    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    out = [f"{w} {n}\n" for w, n in top]

    checksum = 0
    for w, n in counts.items():
        h = 0
        for i, ch in enumerate(w, 1):
            h += i * (ord(ch) - 96)
        checksum = (checksum + n * h) % 1000000007

    out.append(f"distinct {len(counts)}\ntotal {len(words)}\nchecksum {checksum}\n")
    return "".join(out)


if __name__ == "__main__":
    main(run)
