// bpe workload for Java: learn byte-pair-encoding merges from a generated corpus, then encode a
// held-out text with them (workloads/bpe/README.md).

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class Main {
    public static void main(String[] a) {
        Runner.main(a, Main::run);
    }

    private static final long MODULUS = 2147483647L;
    private static final long CHECKSUM_MODULUS = 1000000007L;
    private static final int SHOWN_MERGES = 8;
    private static final String CONSONANTS = "bcdfghjklmnprstvwz";
    private static final String VOWELS = "aeiou";

    /** Park-Miller "minimal standard" generator; the product stays below 2^47, exact in a long. */
    private static final class Rng {
        private long state;

        Rng(long seed) {
            state = seed;
        }

        long next() {
            state = state * 48271 % MODULUS;
            return state;
        }
    }

    private static void checkGenerator() {
        Rng rng = new Rng(42);
        for (long expected : new long[] {2027382, 1226992407, 551494037}) {
            long got = rng.next();
            if (got != expected) {
                throw new IllegalStateException("generator test vector mismatch: expected " + expected + ", got " + got);
            }
        }
    }

    private static String makeWord(Rng rng) {
        StringBuilder w = new StringBuilder();
        long syllables = 1 + rng.next() % 3;
        for (long k = 0; k < syllables; k++) {
            w.append(CONSONANTS.charAt((int) (rng.next() % CONSONANTS.length())));
            w.append(VOWELS.charAt((int) (rng.next() % VOWELS.length())));
            if (rng.next() % 4 == 0) {
                w.append(CONSONANTS.charAt((int) (rng.next() % CONSONANTS.length())));
            }
        }
        return w.toString();
    }

    /** {@code count} words of {@code vocab}, skewed towards its start, joined by single spaces. */
    private static String textOf(Rng rng, String[] vocab, long count, boolean withNewWords) {
        long n = vocab.length;
        StringBuilder text = new StringBuilder();
        for (long k = 0; k < count; k++) {
            if (k > 0) {
                text.append(' ');
            }
            if (withNewWords && rng.next() % 10 == 0) {
                text.append(makeWord(rng));
            } else {
                long r = rng.next() % n;
                long s = rng.next() % n;
                text.append(vocab[(int) (r * s / n)]);
            }
        }
        return text.toString();
    }

    // The read-only input, built once per process on the first call (see the README).
    private static byte[] corpus;
    private static byte[] heldout;

    private static void buildTexts(Runner.Params p) {
        long seed = p.integer("seed"), vocabSize = p.integer("vocab"), words = p.integer("words");
        long testSeed = p.integer("test_seed"), testWords = p.integer("test_words");
        if (seed < 1 || seed >= MODULUS || testSeed < 1 || testSeed >= MODULUS || vocabSize < 1 || vocabSize > 67108864
                || words < 1 || testWords < 1) {
            throw new IllegalArgumentException("need 1 <= seed, test_seed < 2^31-1, 1 <= vocab <= 2^26, words, test_words >= 1");
        }
        Rng rng = new Rng(seed);
        String[] vocab = new String[(int) vocabSize];
        for (int i = 0; i < vocab.length; i++) {
            vocab[i] = makeWord(rng);
        }
        byte[] c = textOf(rng, vocab, words, false).getBytes(StandardCharsets.US_ASCII);
        heldout = textOf(new Rng(testSeed), vocab, testWords, true).getBytes(StandardCharsets.US_ASCII);
        corpus = c;
    }

    /** Pre-tokenisation: each chunk is a word with the space before it (none for the first word). */
    private static List<String> chunks(byte[] text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= text.length; i++) {
            if (i == text.length || text[i] == ' ') {
                out.add(new String(text, start, i - start, StandardCharsets.ISO_8859_1));
                start = i;
            }
        }
        return out;
    }

    private static int[] symbols(String chunk) {
        int[] s = new int[chunk.length()];
        for (int i = 0; i < s.length; i++) {
            s[i] = chunk.charAt(i);
        }
        return s;
    }

    private static int key(int a, int b) {
        return a << 16 | b;
    }

    /**
     * Replaces every occurrence of (a, b), left to right and not overlapping, by {@code id}, in place;
     * returns the new length.
     */
    private static int merge(int[] s, int n, int a, int b, int id) {
        int j = 0;
        for (int i = 0; i < n; j++) {
            if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                s[j] = id;
                i += 2;
            } else {
                s[j] = s[i];
                i += 1;
            }
        }
        return j;
    }

    /** A distinct chunk: its symbols (the first {@code length} of the array) and its count. */
    private static final class Word {
        final int[] symbols;
        int length;
        final int count;

        Word(int[] symbols, int count) {
            this.symbols = symbols;
            this.length = symbols.length;
            this.count = count;
        }
    }

    static String run(Runner.Params p) {
        checkGenerator();
        long mergesWanted = p.integer("merges");
        if (mergesWanted < 0 || mergesWanted > 32512) {
            throw new IllegalArgumentException("need 0 <= merges <= 32512");
        }
        if (corpus == null) {
            buildTexts(p);
        }

        // Learn: the distinct chunks with their counts, each as a sequence of symbols (bytes first).
        Map<String, Integer> chunkCounts = new HashMap<>();
        for (String c : chunks(corpus)) {
            chunkCounts.merge(c, 1, Integer::sum);
        }
        List<Word> words = new ArrayList<>(chunkCounts.size());
        for (Map.Entry<String, Integer> e : chunkCounts.entrySet()) {
            words.add(new Word(symbols(e.getKey()), e.getValue()));
        }

        List<int[]> merges = new ArrayList<>(); // {a, b, count}
        Map<Integer, Integer> pairs = new HashMap<>();
        for (int m = 0; m < mergesWanted; m++) {
            pairs.clear();
            for (Word w : words) {
                int[] s = w.symbols;
                for (int i = 0; i + 1 < w.length; i++) {
                    pairs.merge(key(s[i], s[i + 1]), w.count, Integer::sum);
                }
            }
            if (pairs.isEmpty()) {
                break;
            }
            int best = 0, bestCount = 0;
            for (Map.Entry<Integer, Integer> e : pairs.entrySet()) {
                int k = e.getKey(), count = e.getValue();
                if (count > bestCount || (count == bestCount && k < best)) {
                    best = k;
                    bestCount = count;
                }
            }
            int a = best >>> 16, b = best & 0xFFFF, id = 256 + m;
            merges.add(new int[] {a, b, bestCount});
            for (Word w : words) {
                if (w.length >= 2) {
                    w.length = merge(w.symbols, w.length, a, b, id);
                }
            }
        }

        // Encode: in each chunk, merge the adjacent pair of lowest rank until none has a rank.
        Map<Integer, Integer> ranks = new HashMap<>();
        for (int r = 0; r < merges.size(); r++) {
            ranks.put(key(merges.get(r)[0], merges.get(r)[1]), r);
        }
        long tokens = 0, checksum = 0;
        for (String chunk : chunks(heldout)) {
            int[] ids = symbols(chunk);
            int n = ids.length;
            while (n >= 2) {
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < n; i++) {
                    Integer r = ranks.get(key(ids[i], ids[i + 1]));
                    if (r != null && r < bestRank) {
                        bestRank = r;
                    }
                }
                if (bestRank == Integer.MAX_VALUE) {
                    break;
                }
                int[] mg = merges.get(bestRank);
                n = merge(ids, n, mg[0], mg[1], 256 + bestRank);
            }
            for (int i = 0; i < n; i++) {
                checksum = (checksum * 31 + ids[i]) % CHECKSUM_MODULUS;
            }
            tokens += n;
        }

        long mergesChecksum = 0;
        for (int[] mg : merges) {
            mergesChecksum = (mergesChecksum * 31 + mg[0]) % CHECKSUM_MODULUS;
            mergesChecksum = (mergesChecksum * 31 + mg[1]) % CHECKSUM_MODULUS;
        }
        StringBuilder out = new StringBuilder();
        out.append("merges ").append(merges.size()).append("\nvocab ").append(256 + merges.size()).append('\n');
        for (int r = 0; r < merges.size() && r < SHOWN_MERGES; r++) {
            int[] mg = merges.get(r);
            out.append("merge ").append(256 + r).append(" = ").append(mg[0]).append(' ').append(mg[1])
                    .append(" count ").append(mg[2]).append('\n');
        }
        out.append("merges_checksum ").append(mergesChecksum).append("\nheldout_bytes ").append(heldout.length)
                .append("\ntokens ").append(tokens).append("\nchecksum ").append(checksum).append('\n');
        return out.toString();
    }
}
