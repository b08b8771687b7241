// mlp workload for C#: one request through a dense 256-512-256-10 network (workloads/mlp/README.md).

using System;
using System.Globalization;

public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    private static readonly int[] Sizes = { 256, 512, 256, 10 };
    // Weights are (2u - 1) * WeightScale[layer], biases (2u - 1) * BiasScale, inputs 2u - 1.
    private static readonly double[] WeightScale = { 0.15, 0.1, 0.15 };
    private const double BiasScale = 0.01;
    // The batch: iteration i serves request i mod Batch.
    private const int Batch = 8;

    // Park-Miller "minimal standard" generator, exact in 64-bit integers.
    private sealed class Rng
    {
        private long state;

        public Rng(long seed)
        {
            state = seed;
        }

        public long Next()
        {
            state = state * 48271 % 2147483647;
            return state;
        }

        // (2u - 1) * scale with u = Next() / 2147483647: uniform in (-scale, scale).
        public double Symmetric(double scale) => (2.0 * (Next() / 2147483647.0) - 1.0) * scale;
    }

    private static void CheckGenerator()
    {
        var rng = new Rng(42);
        foreach (long expected in new long[] { 2027382, 1226992407, 551494037 })
        {
            long got = rng.Next();
            if (got != expected)
                throw new InvalidOperationException("generator test vector mismatch: expected " + expected + ", got " + got);
        }
    }

    // One dense layer: inputs -> outputs, weights row-major (one row of `inputs` weights per output).
    private sealed class Layer
    {
        public readonly int Inputs, Outputs;
        public readonly double[] Weights, Biases;

        public Layer(int inputs, int outputs, Rng rng, double scale)
        {
            Inputs = inputs;
            Outputs = outputs;
            Weights = new double[inputs * outputs];
            for (int k = 0; k < Weights.Length; k++)
                Weights[k] = rng.Symmetric(scale);
            Biases = new double[outputs];
            for (int k = 0; k < outputs; k++)
                Biases[k] = rng.Symmetric(BiasScale);
        }
    }

    // The read-only model and its batch of inputs, built once per process (README: "Data").
    private sealed class Model
    {
        public readonly long Seed;
        public readonly Layer[] Layers = new Layer[3];
        public readonly double[][] Requests = new double[Batch][];

        public Model(long seed)
        {
            Seed = seed;
            var rng = new Rng(seed);
            for (int l = 0; l < 3; l++)
                Layers[l] = new Layer(Sizes[l], Sizes[l + 1], rng, WeightScale[l]);
            for (int r = 0; r < Batch; r++)
            {
                Requests[r] = new double[Sizes[0]];
                for (int k = 0; k < Sizes[0]; k++)
                    Requests[r][k] = rng.Symmetric(1.0);
            }
        }
    }

    private static Model model;

    // y = W x + b, each dot product summed in index order; ReLU unless it is the last layer.
    private static double[] Dense(Layer layer, double[] x, bool relu)
    {
        int n = layer.Inputs;
        double[] w = layer.Weights;
        var y = new double[layer.Outputs];
        for (int o = 0; o < layer.Outputs; o++)
        {
            int b = o * n;
            double acc = 0.0;
            for (int i = 0; i < n; i++)
                acc += w[b + i] * x[i];
            double z = acc + layer.Biases[o];
            y[o] = relu && !(z > 0.0) ? 0.0 : z;
        }
        return y;
    }

    // InvariantCulture: the decimal separator must be '.' whatever the host's locale.
    private static string Format9(double x) => x.ToString("F9", CultureInfo.InvariantCulture);

    private static string Run(Runner.Params p)
    {
        CheckGenerator();
        long seed = p.Int("seed");
        if (seed < 1 || seed >= 2147483647L)
            throw new ArgumentException("seed must be in 1..2147483646, got " + seed);
        if (model == null)
            model = new Model(seed);
        else if (model.Seed != seed)
            throw new InvalidOperationException("the seed changed within the process");
        int request = (int)(p.Iteration % Batch);

        double[] x = Dense(model.Layers[0], model.Requests[request], true);
        x = Dense(model.Layers[1], x, true);
        double[] logits = Dense(model.Layers[2], x, false);

        double max = logits[0];
        for (int k = 1; k < logits.Length; k++)
            if (logits[k] > max)
                max = logits[k];
        var probs = new double[logits.Length];
        double sum = 0.0;
        for (int k = 0; k < logits.Length; k++)
        {
            probs[k] = Math.Exp(logits[k] - max);
            sum += probs[k];
        }
        for (int k = 0; k < probs.Length; k++)
            probs[k] /= sum;

        int cls = 0;
        for (int k = 1; k < probs.Length; k++)
            if (probs[k] > probs[cls])
                cls = k;
        double checksum = 0.0;
        for (int k = 0; k < probs.Length; k++)
            checksum += (k + 1) * probs[k];
        return "request " + request + " class " + cls + " p " + Format9(probs[cls]) + " checksum " + Format9(checksum) + "\n";
    }
}
