# bpe workload for CPython: learn byte-pair-encoding merges from a generated corpus, then encode
# a held-out text with them (see workloads/bpe/README.md).
from runner import main

MODULUS = 2147483647
MULTIPLIER = 48271
CHECKSUM_MODULUS = 1000000007
SHOWN_MERGES = 8
CONSONANTS = "bcdfghjklmnprstvwz"
VOWELS = "aeiou"


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


def make_word(rng):
    letters = []
    for _ in range(1 + rng.next() % 3):
        letters.append(CONSONANTS[rng.next() % len(CONSONANTS)])
        letters.append(VOWELS[rng.next() % len(VOWELS)])
        if rng.next() % 4 == 0:
            letters.append(CONSONANTS[rng.next() % len(CONSONANTS)])
    return "".join(letters)


def text_of(rng, vocab, count, with_new_words):
    """`count` words of `vocab`, skewed towards its start, joined by single spaces."""
    n = len(vocab)
    words = []
    for _ in range(count):
        if with_new_words and rng.next() % 10 == 0:
            words.append(make_word(rng))
        else:
            r = rng.next() % n
            words.append(vocab[r * (rng.next() % n) // n])
    return " ".join(words)


_texts = None


def texts(params):
    """The read-only input, built once per process on the first call (see the README)."""
    global _texts
    if _texts is None:
        seed, nvocab, nwords = params.int("seed"), params.int("vocab"), params.int("words")
        test_seed, test_words = params.int("test_seed"), params.int("test_words")
        if not (1 <= seed < MODULUS and 1 <= test_seed < MODULUS and 1 <= nvocab <= 67108864
                and nwords >= 1 and test_words >= 1):
            raise ValueError("need 1 <= seed, test_seed < 2^31-1, 1 <= vocab <= 2^26, words, test_words >= 1")
        rng = Rng(seed)
        vocab = [make_word(rng) for _ in range(nvocab)]
        corpus = text_of(rng, vocab, nwords, False)
        heldout = text_of(Rng(test_seed), vocab, test_words, True)
        _texts = (corpus.encode("ascii"), heldout.encode("ascii"))
    return _texts


def chunks(text):
    """Pre-tokenisation: each chunk is a word with the space before it (none for the first word)."""
    words = text.split(b" ")
    return [words[0]] + [b" " + w for w in words[1:]]


def merge(s, a, b, new_id):
    """Every occurrence of (a, b), left to right and not overlapping, replaced by new_id."""
    out = []
    i = 0
    n = len(s)
    while i < n:
        if i + 1 < n and s[i] == a and s[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(s[i])
            i += 1
    return out


def run(params):
    check_generator()
    nmerges = params.int("merges")
    if not 0 <= nmerges <= 32512:
        raise ValueError("need 0 <= merges <= 32512")
    corpus, heldout = texts(params)

    # Learn: the distinct chunks with their counts, each as a list of symbols (bytes first).
    chunk_counts = {}
    for c in chunks(corpus):
        chunk_counts[c] = chunk_counts.get(c, 0) + 1
    words = [[list(c), n] for c, n in chunk_counts.items()]

    # Pair keys are tuples (a, b), Python's natural pair key (hashed in C, faster than
    # computing a * 65536 + b); tuples compare like that integer key, a first, then b.
    merges = []
    for m in range(nmerges):
        pairs = {}
        get = pairs.get
        for s, count in words:
            for pair in zip(s, s[1:]):
                pairs[pair] = get(pair, 0) + count
        if not pairs:
            break
        best, best_count = None, 0
        for pair, count in pairs.items():
            if count > best_count or (count == best_count and pair < best):
                best, best_count = pair, count
        a, b = best
        new_id = 256 + m
        merges.append((a, b, best_count))
        for word in words:
            if len(word[0]) >= 2:
                word[0] = merge(word[0], a, b, new_id)

    # Encode: in each chunk, merge the adjacent pair of lowest rank until none has a rank.
    ranks = {(a, b): r for r, (a, b, _) in enumerate(merges)}
    get_rank = ranks.get
    no_rank = len(merges)
    tokens = 0
    checksum = 0
    for chunk in chunks(heldout):
        ids = list(chunk)
        while len(ids) >= 2:
            best_rank = no_rank
            for pair in zip(ids, ids[1:]):
                r = get_rank(pair, no_rank)
                if r < best_rank:
                    best_rank = r
            if best_rank == no_rank:
                break
            a, b, _ = merges[best_rank]
            ids = merge(ids, a, b, 256 + best_rank)
        for t in ids:
            checksum = (checksum * 31 + t) % CHECKSUM_MODULUS
        tokens += len(ids)

    merges_checksum = 0
    for a, b, _ in merges:
        merges_checksum = (merges_checksum * 31 + a) % CHECKSUM_MODULUS
        merges_checksum = (merges_checksum * 31 + b) % CHECKSUM_MODULUS
    out = [f"merges {len(merges)}\nvocab {256 + len(merges)}\n"]
    for r, (a, b, count) in enumerate(merges[:SHOWN_MERGES]):
        out.append(f"merge {256 + r} = {a} {b} count {count}\n")
    out.append(f"merges_checksum {merges_checksum}\nheldout_bytes {len(heldout)}\n"
               f"tokens {tokens}\nchecksum {checksum}\n")
    return "".join(out)


if __name__ == "__main__":
    main(run)
