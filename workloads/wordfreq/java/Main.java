// wordfreq workload for Java: generates a pseudo-random text and counts its words (workloads/wordfreq/README.md).

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

public class Main {
    public static void main(String[] a) {
        Runner.main(a, Main::run);
    }

    private static final long MODULUS = 2147483647L;
    private static final long CHECKSUM_MODULUS = 1000000007L;

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

    private static String generate(long seed, int vocab, long words) {
        Rng rng = new Rng(seed);
        String[] vocabulary = new String[vocab];
        for (int i = 0; i < vocab; i++) {
            int len = 2 + (int) (rng.next() % 7);
            StringBuilder w = new StringBuilder(len);
            for (int j = 0; j < len; j++) {
                w.append((char) ('a' + rng.next() % 26));
            }
            vocabulary[i] = w.toString();
        }
        StringBuilder text = new StringBuilder();
        for (long k = 0; k < words; k++) {
            long r = rng.next() % vocab;
            long s = rng.next() % vocab;
            String w = vocabulary[(int) (r * s / vocab)];
            long c = rng.next() % 10;
            if (c == 0) {
                w = w.toUpperCase(Locale.ROOT);
            } else if (c == 1) {
                w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
            }
            long p = rng.next() % 20;
            text.append(w).append(p == 0 ? ". " : p == 1 ? ", " : p == 2 ? "\n" : " ");
        }
        return text.toString();
    }

    // The generated text is the read-only input: made on the first call, kept for the next calls
    // with the same parameters (README: "What is measured").
    private static String cachedKey;
    private static String cachedText;

    private static String corpus(long seed, int vocab, long words) {
        String key = seed + "/" + vocab + "/" + words;
        if (!key.equals(cachedKey)) {
            cachedText = generate(seed, vocab, words);
            cachedKey = key;
        }
        return cachedText;
    }

    static String run(Runner.Params p) {
        long seed = p.integer("seed");
        long vocab = p.integer("vocab");
        long words = p.integer("words");
        if (seed < 1 || seed >= MODULUS || vocab < 1 || vocab > (1 << 26) || words < 0) {
            throw new IllegalArgumentException("need 1 <= seed < 2^31-1, 1 <= vocab <= 2^26, words >= 0");
        }
        // The text is ASCII, so Locale.ROOT lowercasing is exactly ASCII lowercasing.
        String lower = corpus(seed, (int) vocab, words).toLowerCase(Locale.ROOT);

        // The plain idiom: a HashMap<String, Integer> and merge(word, 1, Integer::sum), one new
        // String per word as substring() makes it (README: owned keys).
        Map<String, Integer> counts = new HashMap<>();
        long total = 0;
        int n = lower.length();
        int i = 0;
        while (i < n) {
            char ch = lower.charAt(i);
            if (ch < 'a' || ch > 'z') {
                i++;
                continue;
            }
            int start = i;
            while (i < n && (ch = lower.charAt(i)) >= 'a' && ch <= 'z') {
                i++;
            }
            counts.merge(lower.substring(start, i), 1, Integer::sum);
            total++;
        }

        List<Map.Entry<String, Integer>> ranked = new ArrayList<>(counts.entrySet());
        // Highest count first, ties by the word ascending (all ASCII, so char order is byte order).
        ranked.sort((x, y) -> {
            int byCount = Integer.compare(y.getValue(), x.getValue());
            return byCount != 0 ? byCount : x.getKey().compareTo(y.getKey());
        });

        long checksum = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            String w = e.getKey();
            long h = 0;
            for (int j = 0; j < w.length(); j++) {
                h += (long) (j + 1) * (w.charAt(j) - 96);
            }
            checksum = (checksum + e.getValue() * h) % CHECKSUM_MODULUS;
        }

        StringBuilder out = new StringBuilder(256);
        for (int j = 0; j < Math.min(10, ranked.size()); j++) {
            out.append(ranked.get(j).getKey()).append(' ').append(ranked.get(j).getValue()).append('\n');
        }
        out.append("distinct ").append(counts.size()).append('\n');
        out.append("total ").append(total).append('\n');
        out.append("checksum ").append(checksum).append('\n');
        return out.toString();
    }
}
