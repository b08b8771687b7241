// wordfreq workload for Java: generates a pseudo-random text and counts its words (workloads/wordfreq/README.md).

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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

    /**
     * Counts words that are byte ranges of one text, so counting allocates nothing per word:
     * open addressing with linear probing, each key is the offset and length of its first occurrence.
     */
    private static final class Counter {
        private final byte[] text;
        private int mask = 1023;
        private int[] start = new int[mask + 1];
        private int[] length = new int[mask + 1]; // 0 marks an empty slot (words are never empty)
        private int[] hash = new int[mask + 1];
        private int[] count = new int[mask + 1];
        private int size;

        Counter(byte[] text) {
            this.text = text;
        }

        void add(int from, int len, int h) {
            int slot = h & mask;
            while (length[slot] != 0) {
                if (hash[slot] == h && length[slot] == len
                        && Arrays.equals(text, start[slot], start[slot] + len, text, from, from + len)) {
                    count[slot]++;
                    return;
                }
                slot = (slot + 1) & mask;
            }
            start[slot] = from;
            length[slot] = len;
            hash[slot] = h;
            count[slot] = 1;
            if (++size * 2 > mask) {
                grow();
            }
        }

        private void grow() {
            int[] oldStart = start, oldLength = length, oldHash = hash, oldCount = count;
            mask = mask * 2 + 1;
            start = new int[mask + 1];
            length = new int[mask + 1];
            hash = new int[mask + 1];
            count = new int[mask + 1];
            for (int i = 0; i < oldLength.length; i++) {
                if (oldLength[i] != 0) {
                    int slot = oldHash[i] & mask;
                    while (length[slot] != 0) {
                        slot = (slot + 1) & mask;
                    }
                    start[slot] = oldStart[i];
                    length[slot] = oldLength[i];
                    hash[slot] = oldHash[i];
                    count[slot] = oldCount[i];
                }
            }
        }
    }

    private static final class Entry implements Comparable<Entry> {
        final String word;
        final int count;

        Entry(String word, int count) {
            this.word = word;
            this.count = count;
        }

        @Override
        public int compareTo(Entry o) {
            // Highest count first, ties by the word ascending (all ASCII, so char order is byte order).
            return count != o.count ? Integer.compare(o.count, count) : word.compareTo(o.word);
        }
    }

    private static String generate(long seed, int vocab, long words) {
        Rng rng = new Rng(seed);
        String[] vocabulary = new String[vocab];
        char[] letters = new char[8];
        for (int i = 0; i < vocab; i++) {
            int len = 2 + (int) (rng.next() % 7);
            for (int j = 0; j < len; j++) {
                letters[j] = (char) ('a' + rng.next() % 26);
            }
            vocabulary[i] = new String(letters, 0, len);
        }
        // About 6 characters per word on average: sized once to avoid repeated regrowth.
        StringBuilder text = new StringBuilder((int) Math.min(words * 7, Integer.MAX_VALUE - 16));
        for (long k = 0; k < words; k++) {
            long r = rng.next() % vocab;
            long s = rng.next() % vocab;
            String w = vocabulary[(int) (r * s / vocab)];
            long c = rng.next() % 10;
            if (c == 0) {
                for (int j = 0; j < w.length(); j++) {
                    text.append((char) (w.charAt(j) - ('a' - 'A')));
                }
            } else if (c == 1) {
                text.append((char) (w.charAt(0) - ('a' - 'A'))).append(w, 1, w.length());
            } else {
                text.append(w);
            }
            long p = rng.next() % 20;
            if (p == 0) {
                text.append(". ");
            } else if (p == 1) {
                text.append(", ");
            } else if (p == 2) {
                text.append('\n');
            } else {
                text.append(' ');
            }
        }
        return text.toString();
    }

    static String run(Runner.Params p) {
        long seed = p.integer("seed");
        long vocab = p.integer("vocab");
        long words = p.integer("words");
        if (seed < 1 || seed >= MODULUS || vocab < 1 || vocab > Integer.MAX_VALUE || words < 0) {
            throw new IllegalArgumentException("need 1 <= seed < 2^31-1, vocab >= 1, words >= 0");
        }
        String text = generate(seed, (int) vocab, words);

        // The text is ASCII, so one byte per character; ASCII-lowercase it in place.
        byte[] lower = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < lower.length; i++) {
            byte b = lower[i];
            if (b >= 'A' && b <= 'Z') {
                lower[i] = (byte) (b | 0x20);
            }
        }

        Counter counter = new Counter(lower);
        long total = 0;
        int n = lower.length;
        int i = 0;
        while (i < n) {
            byte b = lower[i];
            if (b < 'a' || b > 'z') {
                i++;
                continue;
            }
            int from = i;
            int h = 0;
            do {
                h = h * 31 + b;
                b = ++i < n ? lower[i] : 0;
            } while (b >= 'a' && b <= 'z');
            // Spread the high bits down: the table index uses only the low ones.
            counter.add(from, i - from, h ^ (h >>> 16));
            total++;
        }

        Entry[] entries = new Entry[counter.size];
        long checksum = 0;
        int e = 0;
        for (int slot = 0; slot < counter.length.length; slot++) {
            int len = counter.length[slot];
            if (len == 0) {
                continue;
            }
            int from = counter.start[slot];
            int cnt = counter.count[slot];
            long h = 0;
            for (int j = 0; j < len; j++) {
                h += (long) (j + 1) * (lower[from + j] - 96);
            }
            checksum = (checksum + cnt * h) % CHECKSUM_MODULUS;
            entries[e++] = new Entry(new String(lower, from, len, StandardCharsets.ISO_8859_1), cnt);
        }
        Arrays.sort(entries);

        StringBuilder out = new StringBuilder(256);
        for (int j = 0; j < Math.min(10, entries.length); j++) {
            out.append(entries[j].word).append(' ').append(entries[j].count).append('\n');
        }
        out.append("distinct ").append(entries.length).append('\n');
        out.append("total ").append(total).append('\n');
        out.append("checksum ").append(checksum).append('\n');
        return out.toString();
    }
}
