// attention workload for Java: one head of scaled dot-product attention (workloads/attention/README.md).

import java.math.BigDecimal;
import java.math.RoundingMode;

public class Main {
    public static void main(String[] a) {
        Runner.main(a, Main::run);
    }

    /** The head dimension: Q, K and V are [seq, D], row-major. */
    private static final int D = 64;

    /** Park-Miller "minimal standard" generator, exact in 64-bit integers. */
    private static final class Rng {
        private long state;

        Rng(long seed) {
            state = seed;
        }

        long next() {
            state = state * 48271 % 2147483647;
            return state;
        }

        /** 2u - 1 with u = next() / 2147483647: uniform in (-1, 1). */
        double symmetric() {
            return 2.0 * (next() / 2147483647.0) - 1.0;
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

    /** The read-only inputs, generated once per process (README: "Data"). */
    private static final class Inputs {
        final long seed;
        final int seq;
        final double[] q, k, v;

        Inputs(long seed, int seq) {
            this.seed = seed;
            this.seq = seq;
            Rng rng = new Rng(seed);
            q = matrix(rng, seq);
            k = matrix(rng, seq);
            v = matrix(rng, seq);
        }

        private static double[] matrix(Rng rng, int seq) {
            double[] m = new double[seq * D];
            for (int n = 0; n < m.length; n++) {
                m[n] = rng.symmetric();
            }
            return m;
        }
    }

    private static Inputs inputs;

    /** softmax(Q K^T / sqrt(D)) V, one query row at a time, in the summation orders of the README. */
    private static double[] attention(int seq, double[] q, double[] k, double[] v) {
        double scale = Math.sqrt(D);
        double[] out = new double[seq * D];
        double[] scores = new double[seq];
        for (int i = 0; i < seq; i++) {
            int qi = i * D;
            for (int j = 0; j < seq; j++) {
                int kj = j * D;
                double dot = 0.0;
                for (int d = 0; d < D; d++) {
                    dot += q[qi + d] * k[kj + d];
                }
                scores[j] = dot / scale;
            }
            double max = scores[0];
            for (int j = 1; j < seq; j++) {
                if (scores[j] > max) {
                    max = scores[j];
                }
            }
            double sum = 0.0;
            for (int j = 0; j < seq; j++) {
                scores[j] = Math.exp(scores[j] - max);
                sum += scores[j];
            }
            // out[i][d] = sum over j (ascending) of p[j] * V[j][d]; each element starts at 0.0.
            for (int j = 0; j < seq; j++) {
                double p = scores[j] / sum;
                int vj = j * D;
                for (int d = 0; d < D; d++) {
                    out[qi + d] += p * v[vj + d];
                }
            }
        }
        return out;
    }

    // BigDecimal rounds the exact binary value like C's %.9f and never depends on the locale.
    private static String format9(double x) {
        BigDecimal r = new BigDecimal(x).setScale(9, RoundingMode.HALF_EVEN);
        String s = r.toPlainString();
        return r.signum() == 0 && Math.copySign(1.0, x) < 0 ? "-" + s : s;
    }

    static String run(Runner.Params p) {
        checkGenerator();
        long seed = p.integer("seed");
        if (seed < 1 || seed >= 2147483647L) {
            throw new IllegalArgumentException("seed must be in 1..2147483646, got " + seed);
        }
        long seqParam = p.integer("seq");
        if (seqParam < 1 || seqParam > 65536) {
            throw new IllegalArgumentException("seq must be in 1..65536, got " + seqParam);
        }
        int seq = (int) seqParam;
        if (inputs == null) {
            inputs = new Inputs(seed, seq);
        } else if (inputs.seed != seed || inputs.seq != seq) {
            throw new IllegalStateException("the parameters changed within the process");
        }

        double[] out = attention(seq, inputs.q, inputs.k, inputs.v);

        double sum = 0.0, sumsq = 0.0;
        for (double x : out) {
            sum += x;
            sumsq += x * x;
        }
        StringBuilder text = new StringBuilder();
        text.append("seq ").append(seq).append('\n');
        text.append("sum ").append(format9(sum)).append('\n');
        text.append("sumsq ").append(format9(sumsq)).append('\n');
        int[][] cells = {{0, 0}, {seq / 2, D / 2}, {seq - 1, D - 1}};
        for (int[] rc : cells) {
            text.append("out ").append(rc[0]).append(' ').append(rc[1]).append(' ')
                    .append(format9(out[rc[0] * D + rc[1]])).append('\n');
        }
        return text.toString();
    }
}
