// stream workload for Java: a toy decoder that emits every token as a server-sent event,
// flushed one by one or buffered until the end (workloads/stream/README.md).

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

public class Main {
    /**
     * The mode argument. Runner.Params has no string accessor yet (only integer()), so main
     * takes mode=... from the command line; run() validates it like any other parameter.
     */
    private static String mode;

    public static void main(String[] a) {
        for (String arg : a) {
            if (arg.startsWith("mode=")) {
                mode = arg.substring(5);
            }
        }
        Runner.main(a, Main::run);
    }

    private static final long MODULUS = 2147483647L;

    /**
     * Standard output for the events. The runner's stream is private to it but flushed after
     * every protocol line, and this one is flushed after every write, so the two never reorder.
     */
    private static final OutputStream OUT =
            new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);

    /** Park-Miller "minimal standard" generator; the product stays below 2^47, exact in a long. */
    private static final class Rng {
        long state;

        Rng(long seed) {
            state = seed;
        }

        long next() {
            state = state * 48271 % MODULUS;
            return state;
        }

        /** A uniform double in (-1, 1). */
        double weight() {
            return 2.0 * (next() / 2147483647.0) - 1.0;
        }
    }

    /** The read-only model, built once per process (README: "The model"). */
    private static final class Model {
        final long seed;
        final int vocab;
        final int dim;
        final String[] words;
        final double[] w; // vocab x dim, row-major
        final double[] e; // vocab x dim, row-major
        final double[] h0; // dim
        final long decodeState;

        Model(long seed, int vocab, int dim) {
            this.seed = seed;
            this.vocab = vocab;
            this.dim = dim;
            Rng rng = new Rng(seed);
            words = new String[vocab];
            char[] letters = new char[8];
            for (int v = 0; v < vocab; v++) {
                int len = 2 + (int) (rng.next() % 7);
                for (int k = 0; k < len; k++) {
                    letters[k] = (char) ('a' + rng.next() % 26);
                }
                words[v] = new String(letters, 0, len);
            }
            w = new double[vocab * dim];
            for (int k = 0; k < w.length; k++) {
                w[k] = rng.weight();
            }
            e = new double[vocab * dim];
            for (int k = 0; k < e.length; k++) {
                e[k] = rng.weight();
            }
            h0 = new double[dim];
            for (int j = 0; j < dim; j++) {
                h0[j] = rng.weight();
            }
            decodeState = rng.state;
        }
    }

    private static Model model;

    private static void checkGenerator() {
        Rng rng = new Rng(42);
        for (long expected : new long[] {2027382L, 1226992407L, 551494037L}) {
            long got = rng.next();
            if (got != expected) {
                throw new IllegalStateException("generator test vector mismatch: expected " + expected + ", got " + got);
            }
        }
    }

    private static void emit(byte[] bytes) {
        try {
            OUT.write(bytes);
            OUT.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static String run(Runner.Params p) {
        checkGenerator();
        long seed = p.integer("seed");
        long vocab = p.integer("vocab");
        long dim = p.integer("dim");
        long tokens = p.integer("tokens");
        if (mode == null) {
            throw new IllegalArgumentException("missing parameter mode");
        }
        if (!mode.equals("flushed") && !mode.equals("buffered")) {
            throw new IllegalArgumentException("parameter mode=" + mode + " must be flushed or buffered");
        }
        if (seed < 1 || seed >= MODULUS || vocab < 1 || dim < 1 || vocab * dim > Integer.MAX_VALUE || tokens < 1) {
            throw new IllegalArgumentException("need 1 <= seed < 2^31-1 and vocab, dim, tokens >= 1");
        }
        boolean flushed = mode.equals("flushed");
        if (model == null || model.seed != seed || model.vocab != vocab || model.dim != dim) {
            model = new Model(seed, (int) vocab, (int) dim);
        }
        Model m = model;
        int nv = m.vocab, nd = m.dim;
        double[] w = m.w, e = m.e;

        Rng rng = new Rng(m.decodeState);
        double[] h = m.h0.clone();
        int checksum = 0x811C9DC5; // 2166136261; int arithmetic wraps modulo 2^32
        long bytes = 0;
        StringBuilder buffer = new StringBuilder();
        int best = 0;
        for (long i = 0; i < tokens; i++) {
            // logits = W h, each a dot product summed in order j = 0..dim; argmax, ties to the lowest index.
            best = 0;
            double bestLogit = 0.0;
            for (int v = 0; v < nv; v++) {
                int row = v * nd;
                double s = 0.0;
                for (int j = 0; j < nd; j++) {
                    s += w[row + j] * h[j];
                }
                if (v == 0 || s > bestLogit) {
                    best = v;
                    bestLogit = s;
                }
            }

            String event = "data: {\"index\":" + i + ",\"token\":\"" + m.words[best] + "\"}\n\n";
            // The event is ASCII: one byte per char.
            for (int k = 0; k < event.length(); k++) {
                checksum = (checksum ^ event.charAt(k)) * 16777619;
            }
            bytes += event.length();
            if (flushed) {
                emit(event.getBytes(StandardCharsets.US_ASCII));
            } else {
                buffer.append(event);
            }

            int row = best * nd;
            for (int j = 0; j < nd; j++) {
                double noise = rng.next() / 2147483647.0 - 0.5;
                h[j] = 0.5 * ((h[j] + e[row + j]) + noise);
            }
        }
        if (!flushed) {
            emit(buffer.toString().getBytes(StandardCharsets.US_ASCII));
        }
        return "tokens " + tokens + "\nbytes " + bytes + "\nchecksum " + Integer.toUnsignedString(checksum)
                + "\nlast " + m.words[best] + "\n";
    }
}
