// attention workload for C#: one head of scaled dot-product attention (workloads/attention/README.md).

using System;
using System.Globalization;
using System.Text;

public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    // The head dimension: Q, K and V are [seq, D], row-major.
    private const int D = 64;

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

        // 2u - 1 with u = Next() / 2147483647: uniform in (-1, 1).
        public double Symmetric() => 2.0 * (Next() / 2147483647.0) - 1.0;
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

    // The read-only inputs, generated once per process (README: "Data").
    private sealed class Inputs
    {
        public readonly long Seed;
        public readonly int Seq;
        public readonly double[] Q, K, V;

        public Inputs(long seed, int seq)
        {
            Seed = seed;
            Seq = seq;
            var rng = new Rng(seed);
            Q = Matrix(rng, seq);
            K = Matrix(rng, seq);
            V = Matrix(rng, seq);
        }

        private static double[] Matrix(Rng rng, int seq)
        {
            var m = new double[seq * D];
            for (int n = 0; n < m.Length; n++)
                m[n] = rng.Symmetric();
            return m;
        }
    }

    private static Inputs inputs;

    // softmax(Q K^T / sqrt(D)) V, one query row at a time, in the summation orders of the README.
    private static double[] Attention(int seq, double[] q, double[] k, double[] v)
    {
        double scale = Math.Sqrt(D);
        var output = new double[seq * D];
        var scores = new double[seq];
        for (int i = 0; i < seq; i++)
        {
            int qi = i * D;
            for (int j = 0; j < seq; j++)
            {
                int kj = j * D;
                double dot = 0.0;
                for (int d = 0; d < D; d++)
                    dot += q[qi + d] * k[kj + d];
                scores[j] = dot / scale;
            }
            double max = scores[0];
            for (int j = 1; j < seq; j++)
                if (scores[j] > max)
                    max = scores[j];
            double sum = 0.0;
            for (int j = 0; j < seq; j++)
            {
                scores[j] = Math.Exp(scores[j] - max);
                sum += scores[j];
            }
            // out[i][d] = sum over j (ascending) of p[j] * V[j][d]; each element starts at 0.0.
            for (int j = 0; j < seq; j++)
            {
                double p = scores[j] / sum;
                int vj = j * D;
                for (int d = 0; d < D; d++)
                    output[qi + d] += p * v[vj + d];
            }
        }
        return output;
    }

    // InvariantCulture: the decimal separator must be '.' whatever the host's locale.
    private static string Format9(double x) => x.ToString("F9", CultureInfo.InvariantCulture);

    private static string Run(Runner.Params p)
    {
        CheckGenerator();
        long seed = p.Int("seed");
        if (seed < 1 || seed >= 2147483647L)
            throw new ArgumentException("seed must be in 1..2147483646, got " + seed);
        long seqParam = p.Int("seq");
        if (seqParam < 1 || seqParam > 65536)
            throw new ArgumentException("seq must be in 1..65536, got " + seqParam);
        int seq = (int)seqParam;
        if (inputs == null)
            inputs = new Inputs(seed, seq);
        else if (inputs.Seed != seed || inputs.Seq != seq)
            throw new InvalidOperationException("the parameters changed within the process");

        double[] output = Attention(seq, inputs.Q, inputs.K, inputs.V);

        double sum = 0.0, sumsq = 0.0;
        foreach (double x in output)
        {
            sum += x;
            sumsq += x * x;
        }
        var text = new StringBuilder();
        text.Append("seq ").Append(seq).Append('\n');
        text.Append("sum ").Append(Format9(sum)).Append('\n');
        text.Append("sumsq ").Append(Format9(sumsq)).Append('\n');
        int[,] cells = { { 0, 0 }, { seq / 2, D / 2 }, { seq - 1, D - 1 } };
        for (int c = 0; c < 3; c++)
        {
            int r = cells[c, 0], col = cells[c, 1];
            text.Append("out ").Append(r).Append(' ').Append(col).Append(' ')
                .Append(Format9(output[r * D + col])).Append('\n');
        }
        return text.ToString();
    }
}
