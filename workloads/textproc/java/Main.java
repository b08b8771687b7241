// textproc workload for Java: normalise, tokenise and embed one document of a generated corpus
// per iteration (workloads/textproc/README.md).

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class Main {
    public static void main(String[] a) {
        Runner.main(a, Main::run);
    }

    private static final long MODULUS = 2147483647L;
    private static final int DIM = 64;
    /** Indexed by next() mod 16. */
    private static final String[] SEPARATORS = {". ", ", ", "; ", "! ", "? ", " - ", "\n", "\n\n",
            "\t", "  ", "   ", "'", "-", " ", " ", " "};

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

    private static char upper(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - 32) : c;
    }

    private static String document(Rng rng, String[] vocab, int chars) {
        long n = vocab.length;
        StringBuilder text = new StringBuilder(chars + 32);
        text.append(" ".repeat((int) (rng.next() % 3)));
        while (text.length() < chars) {
            if (rng.next() % 16 == 0) {
                text.append(rng.next() % 10000);
            } else {
                long r = rng.next() % n;
                long s = rng.next() % n;
                String w = vocab[(int) (r * s / n)];
                long c = rng.next() % 8;
                if (c == 0) {
                    for (int j = 0; j < w.length(); j++) {
                        text.append(upper(w.charAt(j)));
                    }
                } else if (c == 1) {
                    text.append(upper(w.charAt(0))).append(w, 1, w.length());
                } else if (c == 2) {
                    for (int j = 0; j < w.length(); j++) {
                        text.append(rng.next() % 2 == 1 ? upper(w.charAt(j)) : w.charAt(j));
                    }
                } else {
                    text.append(w);
                }
            }
            text.append(SEPARATORS[(int) (rng.next() % 16)]);
        }
        text.setLength(chars);
        return text.toString();
    }

    /** FNV-1a, 32 bits: int multiplication wraps modulo 2^32; the result is the int's bit pattern. */
    private static int fnv1a(String s) {
        int h = 0x811C9DC5;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i); // ASCII: the character is the byte
            h *= 16777619;
        }
        return h;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private static final class Embedded {
        String normalised;
        int tokens;
        int vocabulary;
        final double[] embedding = new double[DIM];
    }

    /** Everything the README's "per document" section does, for one document. */
    private static Embedded embed(String doc) {
        // Normalise: lowercase, whitespace runs to one space, trimmed (one pass).
        StringBuilder sb = new StringBuilder(doc.length());
        boolean pending = false;
        for (int i = 0; i < doc.length(); i++) {
            char c = doc.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pending = true;
            } else {
                if (pending && sb.length() > 0) {
                    sb.append(' ');
                }
                pending = false;
                sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
            }
        }
        String norm = sb.toString();

        // Tokenise: maximal runs of [a-z0-9].
        List<String> tokens = new ArrayList<>();
        int n = norm.length();
        int i = 0;
        while (i < n) {
            if (!isAlnum(norm.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < n && isAlnum(norm.charAt(i))) {
                i++;
            }
            tokens.add(norm.substring(start, i));
        }

        Map<String, Integer> counts = new HashMap<>();
        for (String t : tokens) {
            counts.merge(t, 1, Integer::sum);
        }

        Embedded e = new Embedded();
        double[] v = e.embedding;
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            int h = fnv1a(entry.getKey());
            double count = entry.getValue();
            // h & 63 is the unsigned hash mod 64; h < 0 is "top bit set".
            v[h & (DIM - 1)] += h < 0 ? -count : count;
        }
        double ss = 0.0;
        for (int b = 0; b < DIM; b++) {
            ss += v[b] * v[b];
        }
        if (ss > 0.0) {
            double norm2 = Math.sqrt(ss);
            for (int b = 0; b < DIM; b++) {
                v[b] = v[b] / norm2;
            }
        }
        e.normalised = norm;
        e.tokens = tokens.size();
        e.vocabulary = counts.size();
        return e;
    }

    /** The read-only input, built once per process on the first call (see the README). */
    private static String[] corpusDocs;
    private static double[] queryEmbedding;

    private static void buildCorpus(long seed, int docs, int chars, int vocabSize) {
        Rng rng = new Rng(seed);
        String[] vocab = new String[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            int len = 1 + (int) (rng.next() % 9);
            char[] letters = new char[len];
            for (int j = 0; j < len; j++) {
                letters[j] = (char) ('a' + rng.next() % 26);
            }
            vocab[i] = new String(letters);
        }
        String query = document(rng, vocab, chars);
        String[] texts = new String[docs];
        for (int d = 0; d < docs; d++) {
            texts[d] = document(rng, vocab, chars);
        }
        queryEmbedding = embed(query).embedding;
        corpusDocs = texts;
    }

    // The exact binary value rounded half-even, which is what C's printf("%.6f") prints; BigDecimal
    // is also far cheaper to load than java.util.Formatter. Its output never depends on the locale.
    private static String format6(double x) {
        BigDecimal r = new BigDecimal(x).setScale(6, RoundingMode.HALF_EVEN);
        String s = r.toPlainString();
        // BigDecimal has no negative zero; C keeps the sign of a tiny negative value.
        return r.signum() == 0 && Math.copySign(1.0, x) < 0 ? "-" + s : s;
    }

    static String run(Runner.Params p) {
        checkGenerator();
        long seed = p.integer("seed"), docs = p.integer("docs"), chars = p.integer("chars"), vocab = p.integer("vocab");
        if (seed < 1 || seed >= MODULUS || docs < 1 || docs > Integer.MAX_VALUE || chars < 1
                || chars > Integer.MAX_VALUE || vocab < 1 || vocab > 67108864) {
            throw new IllegalArgumentException("need 1 <= seed < 2^31-1, docs >= 1, chars >= 1, 1 <= vocab <= 2^26");
        }
        if (corpusDocs == null) {
            buildCorpus(seed, (int) docs, (int) chars, (int) vocab);
        }
        int unit = (int) (p.iteration() % docs);

        Embedded e = embed(corpusDocs[unit]);
        double checksum = 0.0, cosine = 0.0;
        for (int b = 0; b < DIM; b++) {
            checksum += (b + 1) * e.embedding[b];
        }
        for (int b = 0; b < DIM; b++) {
            cosine += e.embedding[b] * queryEmbedding[b];
        }
        return "doc " + unit + " chars " + e.normalised.length() + " tokens " + e.tokens + " vocab " + e.vocabulary
                + " checksum " + format6(checksum) + " cosine " + format6(cosine) + "\n";
    }
}
