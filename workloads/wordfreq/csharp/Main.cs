// wordfreq workload for C#: generates a pseudo-random text and counts its words (workloads/wordfreq/README.md).

using System;
using System.Collections.Generic;
using System.Text;

public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    private const long Modulus = 2147483647L;
    private const long ChecksumModulus = 1000000007L;

    private static string Generate(long seed, int vocab, long words)
    {
        // Park-Miller "minimal standard" generator; the product stays below 2^47, exact in a long.
        long state = seed;
        var vocabulary = new string[vocab];
        for (int i = 0; i < vocab; i++)
        {
            state = state * 48271 % Modulus;
            int len = 2 + (int)(state % 7);
            var w = new StringBuilder(len);
            for (int j = 0; j < len; j++)
            {
                state = state * 48271 % Modulus;
                w.Append((char)('a' + state % 26));
            }
            vocabulary[i] = w.ToString();
        }
        var text = new StringBuilder();
        for (long k = 0; k < words; k++)
        {
            state = state * 48271 % Modulus;
            long r = state % vocab;
            state = state * 48271 % Modulus;
            long s = state % vocab;
            string w = vocabulary[r * s / vocab];
            state = state * 48271 % Modulus;
            long c = state % 10;
            if (c == 0)
                w = w.ToUpperInvariant();
            else if (c == 1)
                w = char.ToUpperInvariant(w[0]) + w.Substring(1);
            state = state * 48271 % Modulus;
            long p = state % 20;
            text.Append(w).Append(p == 0 ? ". " : p == 1 ? ", " : p == 2 ? "\n" : " ");
        }
        return text.ToString();
    }

    // The generated text is the read-only input: made on the first call, kept for the next calls
    // with the same parameters (README: "What is measured").
    private static string cachedKey;
    private static string cachedText;

    private static string Corpus(long seed, int vocab, long words)
    {
        string key = seed + "/" + vocab + "/" + words;
        if (key != cachedKey)
        {
            cachedText = Generate(seed, vocab, words);
            cachedKey = key;
        }
        return cachedText;
    }

    private static string Run(Runner.Params p)
    {
        long seed = p.Int("seed"), vocab = p.Int("vocab"), words = p.Int("words");
        if (seed < 1 || seed >= Modulus || vocab < 1 || vocab > (1 << 26) || words < 0)
            throw new ArgumentException("need 1 <= seed < 2^31-1, 1 <= vocab <= 2^26, words >= 0");
        // The text is ASCII, so invariant lowercasing is exactly ASCII lowercasing.
        string lower = Corpus(seed, (int)vocab, words).ToLowerInvariant();

        // The plain idiom: Dictionary<string, int>, one new string per word as Substring makes it
        // (README: owned keys). The default string comparer is ordinal.
        var counts = new Dictionary<string, int>();
        long total = 0;
        int n = lower.Length;
        int i = 0;
        while (i < n)
        {
            char ch = lower[i];
            if (ch < 'a' || ch > 'z')
            {
                i++;
                continue;
            }
            int start = i;
            while (i < n && (ch = lower[i]) >= 'a' && ch <= 'z')
                i++;
            string word = lower.Substring(start, i - start);
            counts.TryGetValue(word, out int seen);
            counts[word] = seen + 1;
            total++;
        }

        var ranked = new List<KeyValuePair<string, int>>(counts);
        // Highest count first, ties by the word ascending (ordinal, i.e. byte order for ASCII).
        ranked.Sort((x, y) => x.Value != y.Value ? y.Value.CompareTo(x.Value) : string.CompareOrdinal(x.Key, y.Key));

        long checksum = 0;
        foreach (var e in counts)
        {
            long h = 0;
            for (int j = 0; j < e.Key.Length; j++)
                h += (j + 1) * (e.Key[j] - 96);
            checksum = (checksum + e.Value * h) % ChecksumModulus;
        }

        var output = new StringBuilder(256);
        for (int j = 0; j < Math.Min(10, ranked.Count); j++)
            output.Append(ranked[j].Key).Append(' ').Append(ranked[j].Value).Append('\n');
        output.Append("distinct ").Append(counts.Count).Append('\n');
        output.Append("total ").Append(total).Append('\n');
        output.Append("checksum ").Append(checksum).Append('\n');
        return output.ToString();
    }
}
