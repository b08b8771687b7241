// bpe workload for C#: learn byte-pair-encoding merges from a generated corpus, then encode a
// held-out text with them (workloads/bpe/README.md).

using System;
using System.Collections.Generic;
using System.Text;

public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    private const long Modulus = 2147483647L;
    private const long ChecksumModulus = 1000000007L;
    private const int ShownMerges = 8;
    private const string Consonants = "bcdfghjklmnprstvwz";
    private const string Vowels = "aeiou";

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

    private static string MakeWord(Rng rng)
    {
        var w = new StringBuilder();
        long syllables = 1 + rng.Next() % 3;
        for (long k = 0; k < syllables; k++)
        {
            w.Append(Consonants[(int)(rng.Next() % Consonants.Length)]);
            w.Append(Vowels[(int)(rng.Next() % Vowels.Length)]);
            if (rng.Next() % 4 == 0)
                w.Append(Consonants[(int)(rng.Next() % Consonants.Length)]);
        }
        return w.ToString();
    }

    /// <summary><paramref name="count"/> words of the vocabulary, skewed towards its start, joined by single spaces.</summary>
    private static string TextOf(Rng rng, string[] vocab, long count, bool withNewWords)
    {
        long n = vocab.Length;
        var text = new StringBuilder();
        for (long k = 0; k < count; k++)
        {
            if (k > 0)
                text.Append(' ');
            if (withNewWords && rng.Next() % 10 == 0)
                text.Append(MakeWord(rng));
            else
            {
                long r = rng.Next() % n;
                long s = rng.Next() % n;
                text.Append(vocab[r * s / n]);
            }
        }
        return text.ToString();
    }

    // The read-only input, built once per process on the first call (see the README).
    private static string corpus;
    private static string heldout;

    private static void BuildTexts(Runner.Params p)
    {
        long seed = p.Int("seed"), vocabSize = p.Int("vocab"), words = p.Int("words");
        long testSeed = p.Int("test_seed"), testWords = p.Int("test_words");
        if (seed < 1 || seed >= Modulus || testSeed < 1 || testSeed >= Modulus || vocabSize < 1 || vocabSize > 67108864
            || words < 1 || testWords < 1)
            throw new ArgumentException("need 1 <= seed, test_seed < 2^31-1, 1 <= vocab <= 2^26, words, test_words >= 1");
        var rng = new Rng(seed);
        var vocab = new string[vocabSize];
        for (int i = 0; i < vocab.Length; i++)
            vocab[i] = MakeWord(rng);
        string c = TextOf(rng, vocab, words, false);
        heldout = TextOf(new Rng(testSeed), vocab, testWords, true);
        corpus = c;
    }

    /// <summary>Pre-tokenisation: each chunk is a word with the space before it (none for the first word).</summary>
    private static List<string> Chunks(string text)
    {
        var result = new List<string>();
        int start = 0;
        for (int i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                result.Add(text.Substring(start, i - start));
                start = i;
            }
        }
        return result;
    }

    private static int[] Symbols(string chunk)
    {
        var s = new int[chunk.Length];
        for (int i = 0; i < s.Length; i++)
            s[i] = chunk[i]; // ASCII: the character is the byte
        return s;
    }

    private static int Key(int a, int b) => a << 16 | b;

    /// <summary>Replaces every occurrence of (a, b), left to right and not overlapping, by id, in place; returns the new length.</summary>
    private static int Merge(int[] s, int n, int a, int b, int id)
    {
        int j = 0;
        for (int i = 0; i < n; j++)
        {
            if (i + 1 < n && s[i] == a && s[i + 1] == b)
            {
                s[j] = id;
                i += 2;
            }
            else
            {
                s[j] = s[i];
                i += 1;
            }
        }
        return j;
    }

    /// <summary>A distinct chunk: its symbols (the first Length of the array) and its count.</summary>
    private sealed class Word
    {
        public readonly int[] Symbols;
        public int Length;
        public readonly int Count;

        public Word(int[] symbols, int count)
        {
            Symbols = symbols;
            Length = symbols.Length;
            Count = count;
        }
    }

    private struct MergeRule
    {
        public int A, B, Count;
    }

    private static string Run(Runner.Params p)
    {
        CheckGenerator();
        long mergesWanted = p.Int("merges");
        if (mergesWanted < 0 || mergesWanted > 32512)
            throw new ArgumentException("need 0 <= merges <= 32512");
        if (corpus == null)
            BuildTexts(p);

        // Learn: the distinct chunks with their counts, each as a sequence of symbols (bytes first).
        var chunkCounts = new Dictionary<string, int>();
        foreach (string c in Chunks(corpus))
        {
            int seen;
            chunkCounts.TryGetValue(c, out seen);
            chunkCounts[c] = seen + 1;
        }
        var words = new List<Word>(chunkCounts.Count);
        foreach (KeyValuePair<string, int> e in chunkCounts)
            words.Add(new Word(Symbols(e.Key), e.Value));

        var merges = new List<MergeRule>();
        var pairs = new Dictionary<int, int>();
        for (int m = 0; m < mergesWanted; m++)
        {
            pairs.Clear();
            foreach (Word w in words)
            {
                int[] s = w.Symbols;
                for (int i = 0; i + 1 < w.Length; i++)
                {
                    int k = Key(s[i], s[i + 1]);
                    int seen;
                    pairs.TryGetValue(k, out seen);
                    pairs[k] = seen + w.Count;
                }
            }
            if (pairs.Count == 0)
                break;
            int best = 0, bestCount = 0;
            foreach (KeyValuePair<int, int> e in pairs)
            {
                if (e.Value > bestCount || (e.Value == bestCount && e.Key < best))
                {
                    best = e.Key;
                    bestCount = e.Value;
                }
            }
            int a = best >> 16, b = best & 0xFFFF, id = 256 + m;
            merges.Add(new MergeRule { A = a, B = b, Count = bestCount });
            foreach (Word w in words)
            {
                if (w.Length >= 2)
                    w.Length = Merge(w.Symbols, w.Length, a, b, id);
            }
        }

        // Encode: in each chunk, merge the adjacent pair of lowest rank until none has a rank.
        var ranks = new Dictionary<int, int>();
        for (int r = 0; r < merges.Count; r++)
            ranks[Key(merges[r].A, merges[r].B)] = r;
        long tokens = 0, checksum = 0;
        foreach (string chunk in Chunks(heldout))
        {
            int[] ids = Symbols(chunk);
            int n = ids.Length;
            while (n >= 2)
            {
                int bestRank = int.MaxValue;
                for (int i = 0; i + 1 < n; i++)
                {
                    int r;
                    if (ranks.TryGetValue(Key(ids[i], ids[i + 1]), out r) && r < bestRank)
                        bestRank = r;
                }
                if (bestRank == int.MaxValue)
                    break;
                n = Merge(ids, n, merges[bestRank].A, merges[bestRank].B, 256 + bestRank);
            }
            for (int i = 0; i < n; i++)
                checksum = (checksum * 31 + ids[i]) % ChecksumModulus;
            tokens += n;
        }

        long mergesChecksum = 0;
        foreach (MergeRule mg in merges)
        {
            mergesChecksum = (mergesChecksum * 31 + mg.A) % ChecksumModulus;
            mergesChecksum = (mergesChecksum * 31 + mg.B) % ChecksumModulus;
        }
        var output = new StringBuilder();
        output.Append("merges ").Append(merges.Count).Append("\nvocab ").Append(256 + merges.Count).Append('\n');
        for (int r = 0; r < merges.Count && r < ShownMerges; r++)
            output.Append("merge ").Append(256 + r).Append(" = ").Append(merges[r].A).Append(' ').Append(merges[r].B)
                .Append(" count ").Append(merges[r].Count).Append('\n');
        output.Append("merges_checksum ").Append(mergesChecksum).Append("\nheldout_bytes ").Append(heldout.Length)
            .Append("\ntokens ").Append(tokens).Append("\nchecksum ").Append(checksum).Append('\n');
        return output.ToString();
    }
}
