// textproc workload for C#: normalise, tokenise and embed one document of a generated corpus
// per iteration (workloads/textproc/README.md).

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    private const long Modulus = 2147483647L;
    private const int Dim = 64;
    // Indexed by next() mod 16.
    private static readonly string[] Separators = { ". ", ", ", "; ", "! ", "? ", " - ", "\n", "\n\n",
        "\t", "  ", "   ", "'", "-", " ", " ", " " };

    /// <summary>Park-Miller "minimal standard" generator; the product stays below 2^47, exact in a long.</summary>
    private sealed class Rng
    {
        private long state;

        public Rng(long seed)
        {
            state = seed;
        }

        public long Next()
        {
            state = state * 48271 % Modulus;
            return state;
        }
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

    private static char Upper(char c) => c >= 'a' && c <= 'z' ? (char)(c - 32) : c;

    private static string Document(Rng rng, string[] vocab, int chars)
    {
        long n = vocab.Length;
        var text = new StringBuilder(chars + 32);
        text.Append(' ', (int)(rng.Next() % 3));
        while (text.Length < chars)
        {
            if (rng.Next() % 16 == 0)
                text.Append((rng.Next() % 10000).ToString(CultureInfo.InvariantCulture));
            else
            {
                long r = rng.Next() % n;
                long s = rng.Next() % n;
                string w = vocab[r * s / n];
                long c = rng.Next() % 8;
                if (c == 0)
                {
                    foreach (char ch in w)
                        text.Append(Upper(ch));
                }
                else if (c == 1)
                    text.Append(Upper(w[0])).Append(w, 1, w.Length - 1);
                else if (c == 2)
                {
                    foreach (char ch in w)
                        text.Append(rng.Next() % 2 == 1 ? Upper(ch) : ch);
                }
                else
                    text.Append(w);
            }
            text.Append(Separators[rng.Next() % 16]);
        }
        text.Length = chars;
        return text.ToString();
    }

    /// <summary>FNV-1a, 32 bits: uint multiplication wraps modulo 2^32 (unchecked is the default).</summary>
    private static uint Fnv1a(string s)
    {
        uint h = 2166136261;
        foreach (char c in s)
        {
            h ^= c; // ASCII: the character is the byte
            h *= 16777619;
        }
        return h;
    }

    private static bool IsAlnum(char c) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

    private sealed class Embedded
    {
        public string Normalised;
        public int Tokens;
        public int Vocabulary;
        public readonly double[] Embedding = new double[Dim];
    }

    /// <summary>Everything the README's "per document" section does, for one document.</summary>
    private static Embedded Embed(string doc)
    {
        // Normalise: lowercase, whitespace runs to one space, trimmed (one pass).
        var sb = new StringBuilder(doc.Length);
        bool pending = false;
        foreach (char c in doc)
        {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
                pending = true;
            else
            {
                if (pending && sb.Length > 0)
                    sb.Append(' ');
                pending = false;
                sb.Append(c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
            }
        }
        string norm = sb.ToString();

        // Tokenise: maximal runs of [a-z0-9].
        var tokens = new List<string>();
        int n = norm.Length, i = 0;
        while (i < n)
        {
            if (!IsAlnum(norm[i]))
            {
                i++;
                continue;
            }
            int start = i;
            while (i < n && IsAlnum(norm[i]))
                i++;
            tokens.Add(norm.Substring(start, i - start));
        }

        var counts = new Dictionary<string, int>();
        foreach (string t in tokens)
        {
            int seen;
            counts.TryGetValue(t, out seen);
            counts[t] = seen + 1;
        }

        var e = new Embedded();
        double[] v = e.Embedding;
        foreach (KeyValuePair<string, int> entry in counts)
        {
            uint h = Fnv1a(entry.Key);
            double count = entry.Value;
            v[h % Dim] += h >= 0x80000000u ? -count : count;
        }
        double ss = 0.0;
        for (int b = 0; b < Dim; b++)
            ss += v[b] * v[b];
        if (ss > 0.0)
        {
            double norm2 = Math.Sqrt(ss);
            for (int b = 0; b < Dim; b++)
                v[b] = v[b] / norm2;
        }
        e.Normalised = norm;
        e.Tokens = tokens.Count;
        e.Vocabulary = counts.Count;
        return e;
    }

    // The read-only input, built once per process on the first call (see the README).
    private static string[] corpusDocs;
    private static double[] queryEmbedding;

    private static void BuildCorpus(long seed, int docs, int chars, int vocabSize)
    {
        var rng = new Rng(seed);
        var vocab = new string[vocabSize];
        for (int i = 0; i < vocabSize; i++)
        {
            int len = 1 + (int)(rng.Next() % 9);
            var letters = new char[len];
            for (int j = 0; j < len; j++)
                letters[j] = (char)('a' + rng.Next() % 26);
            vocab[i] = new string(letters);
        }
        string query = Document(rng, vocab, chars);
        var texts = new string[docs];
        for (int d = 0; d < docs; d++)
            texts[d] = Document(rng, vocab, chars);
        queryEmbedding = Embed(query).Embedding;
        corpusDocs = texts;
    }

    // "F6" rounds like C's %.6f (up to ties, which the numeric tolerance absorbs), in the invariant culture.
    private static string Format6(double x) => x.ToString("F6", CultureInfo.InvariantCulture);

    private static string Run(Runner.Params p)
    {
        CheckGenerator();
        long seed = p.Int("seed"), docs = p.Int("docs"), chars = p.Int("chars"), vocab = p.Int("vocab");
        if (seed < 1 || seed >= Modulus || docs < 1 || docs > int.MaxValue || chars < 1 || chars > int.MaxValue
            || vocab < 1 || vocab > 67108864)
            throw new ArgumentException("need 1 <= seed < 2^31-1, docs >= 1, chars >= 1, 1 <= vocab <= 2^26");
        if (corpusDocs == null)
            BuildCorpus(seed, (int)docs, (int)chars, (int)vocab);
        int unit = (int)(p.Iteration % docs);

        Embedded e = Embed(corpusDocs[unit]);
        double checksum = 0.0, cosine = 0.0;
        for (int b = 0; b < Dim; b++)
            checksum += (b + 1) * e.Embedding[b];
        for (int b = 0; b < Dim; b++)
            cosine += e.Embedding[b] * queryEmbedding[b];
        return "doc " + unit + " chars " + e.Normalised.Length + " tokens " + e.Tokens + " vocab " + e.Vocabulary
            + " checksum " + Format6(checksum) + " cosine " + Format6(cosine) + "\n";
    }
}
