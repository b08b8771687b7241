// mlp workload for Java: one request through a dense 256-512-256-10 network (workloads/mlp/README.md).

import java.math.BigDecimal;
import java.math.RoundingMode;

public class Main {
    public static void main(String[] a) {
        Runner.main(a, Main::run);
    }

    private static final int[] SIZES = {256, 512, 256, 10};
    /** Weights are (2u - 1) * WEIGHT_SCALE[layer], biases (2u - 1) * BIAS_SCALE, inputs 2u - 1. */
    private static final double[] WEIGHT_SCALE = {0.15, 0.1, 0.15};
    private static final double BIAS_SCALE = 0.01;
    /** The batch: iteration i serves request i mod BATCH. */
    private static final int BATCH = 8;

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

        /** (2u - 1) * scale with u = next() / 2147483647: uniform in (-scale, scale). */
        double symmetric(double scale) {
            return (2.0 * (next() / 2147483647.0) - 1.0) * scale;
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

    /** One dense layer: inputs -> outputs, weights row-major (one row of `inputs` weights per output). */
    private static final class Layer {
        final int inputs, outputs;
        final double[] weights, biases;

        Layer(int inputs, int outputs, Rng rng, double scale) {
            this.inputs = inputs;
            this.outputs = outputs;
            weights = new double[inputs * outputs];
            for (int k = 0; k < weights.length; k++) {
                weights[k] = rng.symmetric(scale);
            }
            biases = new double[outputs];
            for (int k = 0; k < outputs; k++) {
                biases[k] = rng.symmetric(BIAS_SCALE);
            }
        }
    }

    /** The read-only model and its batch of inputs, built once per process (README: "Data"). */
    private static final class Model {
        final long seed;
        final Layer[] layers = new Layer[3];
        final double[][] requests = new double[BATCH][];

        Model(long seed) {
            this.seed = seed;
            Rng rng = new Rng(seed);
            for (int l = 0; l < 3; l++) {
                layers[l] = new Layer(SIZES[l], SIZES[l + 1], rng, WEIGHT_SCALE[l]);
            }
            for (int r = 0; r < BATCH; r++) {
                requests[r] = new double[SIZES[0]];
                for (int k = 0; k < SIZES[0]; k++) {
                    requests[r][k] = rng.symmetric(1.0);
                }
            }
        }
    }

    private static Model model;

    /** y = W x + b, each dot product summed in index order; ReLU unless it is the last layer. */
    private static double[] dense(Layer layer, double[] x, boolean relu) {
        int n = layer.inputs;
        double[] w = layer.weights;
        double[] y = new double[layer.outputs];
        for (int o = 0; o < layer.outputs; o++) {
            int base = o * n;
            double acc = 0.0;
            for (int i = 0; i < n; i++) {
                acc += w[base + i] * x[i];
            }
            double z = acc + layer.biases[o];
            y[o] = relu && !(z > 0.0) ? 0.0 : z;
        }
        return y;
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
        if (model == null) {
            model = new Model(seed);
        } else if (model.seed != seed) {
            throw new IllegalStateException("the seed changed within the process");
        }
        int request = (int) (p.iteration() % BATCH);

        double[] x = dense(model.layers[0], model.requests[request], true);
        x = dense(model.layers[1], x, true);
        double[] logits = dense(model.layers[2], x, false);

        double max = logits[0];
        for (int k = 1; k < logits.length; k++) {
            if (logits[k] > max) {
                max = logits[k];
            }
        }
        double[] probs = new double[logits.length];
        double sum = 0.0;
        for (int k = 0; k < logits.length; k++) {
            probs[k] = Math.exp(logits[k] - max);
            sum += probs[k];
        }
        for (int k = 0; k < probs.length; k++) {
            probs[k] /= sum;
        }

        int cls = 0;
        for (int k = 1; k < probs.length; k++) {
            if (probs[k] > probs[cls]) {
                cls = k;
            }
        }
        double checksum = 0.0;
        for (int k = 0; k < probs.length; k++) {
            checksum += (k + 1) * probs[k];
        }
        return "request " + request + " class " + cls + " p " + format9(probs[cls]) + " checksum " + format9(checksum) + "\n";
    }
}
