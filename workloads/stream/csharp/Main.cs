// stream workload for C#: a toy decoder that emits every token as a server-sent event,
// flushed one by one or buffered until the end (workloads/stream/README.md).

using System;
using System.IO;
using System.Text;

public static class Program
{
    // The mode argument. Runner.Params has no string accessor yet (only Int), so Main takes
    // mode=... from the command line; Run validates it like any other parameter.
    private static string mode;

    public static int Main(string[] args)
    {
        foreach (string arg in args)
            if (arg.StartsWith("mode=", StringComparison.Ordinal))
                mode = arg.Substring(5);
        return Runner.Run(args, Run);
    }

    private const long Modulus = 2147483647L;

    // Standard output for the events. The runner's writer is private to it but flushed after
    // every protocol line, and this one is flushed after every write, so the two never reorder.
    private static readonly StreamWriter Out =
        new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };

    /// <summary>The read-only model, built once per process (README: "The model").</summary>
    private sealed class Model
    {
        public readonly long Seed;
        public readonly int Vocab, Dim;
        public readonly string[] Words;
        public readonly double[] W; // vocab x dim, row-major
        public readonly double[] E; // vocab x dim, row-major
        public readonly double[] H0; // dim
        public readonly long DecodeState;

        public Model(long seed, int vocab, int dim)
        {
            Seed = seed;
            Vocab = vocab;
            Dim = dim;
            // Park-Miller "minimal standard" generator; the product stays below 2^47, exact in a long.
            long state = seed;
            Words = new string[vocab];
            var letters = new char[8];
            for (int v = 0; v < vocab; v++)
            {
                state = state * 48271 % Modulus;
                int len = 2 + (int)(state % 7);
                for (int k = 0; k < len; k++)
                {
                    state = state * 48271 % Modulus;
                    letters[k] = (char)('a' + state % 26);
                }
                Words[v] = new string(letters, 0, len);
            }
            W = Weights(ref state, vocab * dim);
            E = Weights(ref state, vocab * dim);
            H0 = Weights(ref state, dim);
            DecodeState = state;
        }

        // n uniform doubles in (-1, 1).
        private static double[] Weights(ref long state, int n)
        {
            var a = new double[n];
            for (int k = 0; k < n; k++)
            {
                state = state * 48271 % Modulus;
                a[k] = 2.0 * (state / 2147483647.0) - 1.0;
            }
            return a;
        }
    }

    private static Model model;

    private static void CheckGenerator()
    {
        long state = 42;
        foreach (long expected in new long[] { 2027382L, 1226992407L, 551494037L })
        {
            state = state * 48271 % Modulus;
            if (state != expected)
                throw new InvalidOperationException("generator test vector mismatch: expected " + expected + ", got " + state);
        }
    }

    private static void Emit(string s)
    {
        Out.Write(s);
        Out.Flush();
    }

    private static string Run(Runner.Params p)
    {
        CheckGenerator();
        long seed = p.Int("seed"), vocab = p.Int("vocab"), dim = p.Int("dim"), tokens = p.Int("tokens");
        if (mode == null)
            throw new ArgumentException("missing parameter mode");
        if (mode != "flushed" && mode != "buffered")
            throw new ArgumentException("parameter mode=" + mode + " must be flushed or buffered");
        if (seed < 1 || seed >= Modulus || vocab < 1 || dim < 1 || vocab * dim > int.MaxValue || tokens < 1)
            throw new ArgumentException("need 1 <= seed < 2^31-1 and vocab, dim, tokens >= 1");
        bool flushed = mode == "flushed";
        if (model == null || model.Seed != seed || model.Vocab != vocab || model.Dim != dim)
            model = new Model(seed, (int)vocab, (int)dim);
        Model m = model;
        int nv = m.Vocab, nd = m.Dim;
        double[] w = m.W, e = m.E;

        long state = m.DecodeState;
        var h = (double[])m.H0.Clone();
        uint checksum = 2166136261; // uint arithmetic wraps modulo 2^32 (unchecked by default)
        long bytes = 0;
        var buffer = new StringBuilder();
        int best = 0;
        for (long i = 0; i < tokens; i++)
        {
            // logits = W h, each a dot product summed in order j = 0..dim; argmax, ties to the lowest index.
            best = 0;
            double bestLogit = 0.0;
            for (int v = 0; v < nv; v++)
            {
                int row = v * nd;
                double s = 0.0;
                for (int j = 0; j < nd; j++)
                    s += w[row + j] * h[j];
                if (v == 0 || s > bestLogit)
                {
                    best = v;
                    bestLogit = s;
                }
            }

            string ev = "data: {\"index\":" + i + ",\"token\":\"" + m.Words[best] + "\"}\n\n";
            // The event is ASCII: one byte per char.
            for (int k = 0; k < ev.Length; k++)
                checksum = (checksum ^ ev[k]) * 16777619u;
            bytes += ev.Length;
            if (flushed)
                Emit(ev);
            else
                buffer.Append(ev);

            int erow = best * nd;
            for (int j = 0; j < nd; j++)
            {
                state = state * 48271 % Modulus;
                h[j] = 0.5 * ((h[j] + e[erow + j]) + (state / 2147483647.0 - 0.5));
            }
        }
        if (!flushed)
            Emit(buffer.ToString());
        return "tokens " + tokens + "\nbytes " + bytes + "\nchecksum " + checksum + "\nlast " + m.Words[best] + "\n";
    }
}
