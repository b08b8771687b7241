// wordfreq workload for C#: generates a pseudo-random text and counts its words (workloads/wordfreq/README.md).

using System;
using System.Text;

public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    private const long Modulus = 2147483647L;
    private const long ChecksumModulus = 1000000007L;

    /// <summary>
    /// Counts words that are character ranges of one text, so counting allocates nothing per word:
    /// open addressing with linear probing, each key is the offset and length of its first occurrence.
    /// </summary>
    private sealed class Counter
    {
        private readonly char[] text;
        public int Mask = 1023;
        public int[] Start = new int[1024];
        public int[] Length = new int[1024]; // 0 marks an empty slot (words are never empty)
        public int[] Hash = new int[1024];
        public int[] Count = new int[1024];
        public int Size;

        public Counter(char[] text)
        {
            this.text = text;
        }

        public void Add(int from, int len, int h)
        {
            int slot = h & Mask;
            while (Length[slot] != 0)
            {
                if (Hash[slot] == h && Length[slot] == len && SameWord(Start[slot], from, len))
                {
                    Count[slot]++;
                    return;
                }
                slot = (slot + 1) & Mask;
            }
            Start[slot] = from;
            Length[slot] = len;
            Hash[slot] = h;
            Count[slot] = 1;
            if (++Size * 2 > Mask)
                Grow();
        }

        private bool SameWord(int a, int b, int len)
        {
            char[] t = text;
            for (int i = 0; i < len; i++)
                if (t[a + i] != t[b + i])
                    return false;
            return true;
        }

        private void Grow()
        {
            int[] oldStart = Start, oldLength = Length, oldHash = Hash, oldCount = Count;
            Mask = Mask * 2 + 1;
            Start = new int[Mask + 1];
            Length = new int[Mask + 1];
            Hash = new int[Mask + 1];
            Count = new int[Mask + 1];
            for (int i = 0; i < oldLength.Length; i++)
            {
                if (oldLength[i] == 0)
                    continue;
                int slot = oldHash[i] & Mask;
                while (Length[slot] != 0)
                    slot = (slot + 1) & Mask;
                Start[slot] = oldStart[i];
                Length[slot] = oldLength[i];
                Hash[slot] = oldHash[i];
                Count[slot] = oldCount[i];
            }
        }
    }

    private struct Entry
    {
        public string Word;
        public int Count;
    }

    private static string Generate(long seed, int vocab, long words)
    {
        // Park-Miller "minimal standard" generator; the product stays below 2^47, exact in a long.
        long state = seed;
        var vocabulary = new string[vocab];
        var letters = new char[8];
        for (int i = 0; i < vocab; i++)
        {
            state = state * 48271 % Modulus;
            int len = 2 + (int)(state % 7);
            for (int j = 0; j < len; j++)
            {
                state = state * 48271 % Modulus;
                letters[j] = (char)('a' + state % 26);
            }
            vocabulary[i] = new string(letters, 0, len);
        }
        // About 6 characters per word on average: sized once to avoid repeated regrowth.
        var text = new StringBuilder((int)Math.Min(words * 7, int.MaxValue / 2));
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
            {
                for (int j = 0; j < w.Length; j++)
                    text.Append((char)(w[j] - ('a' - 'A')));
            }
            else if (c == 1)
                text.Append((char)(w[0] - ('a' - 'A'))).Append(w, 1, w.Length - 1);
            else
                text.Append(w);
            state = state * 48271 % Modulus;
            long p = state % 20;
            if (p == 0)
                text.Append(". ");
            else if (p == 1)
                text.Append(", ");
            else
                text.Append(p == 2 ? '\n' : ' ');
        }
        return text.ToString();
    }

    private static string Run(Runner.Params p)
    {
        long seed = p.Int("seed"), vocab = p.Int("vocab"), words = p.Int("words");
        if (seed < 1 || seed >= Modulus || vocab < 1 || vocab > int.MaxValue || words < 0)
            throw new ArgumentException("need 1 <= seed < 2^31-1, vocab >= 1, words >= 0");
        string text = Generate(seed, (int)vocab, words);

        char[] lower = text.ToCharArray();
        int n = lower.Length;
        for (int i = 0; i < n; i++)
        {
            char ch = lower[i];
            if (ch >= 'A' && ch <= 'Z')
                lower[i] = (char)(ch | 0x20);
        }

        var counter = new Counter(lower);
        long total = 0;
        int pos = 0;
        while (pos < n)
        {
            char ch = lower[pos];
            if (ch < 'a' || ch > 'z')
            {
                pos++;
                continue;
            }
            int from = pos;
            int h = 0;
            do
            {
                h = h * 31 + ch;
                ch = ++pos < n ? lower[pos] : '\0';
            } while (ch >= 'a' && ch <= 'z');
            // Spread the high bits down: the table index uses only the low ones.
            counter.Add(from, pos - from, h ^ (int)((uint)h >> 16));
            total++;
        }

        var entries = new Entry[counter.Size];
        long checksum = 0;
        int e = 0;
        for (int slot = 0; slot < counter.Length.Length; slot++)
        {
            int len = counter.Length[slot];
            if (len == 0)
                continue;
            int start = counter.Start[slot], count = counter.Count[slot];
            long h = 0;
            for (int j = 0; j < len; j++)
                h += (j + 1) * (lower[start + j] - 96);
            checksum = (checksum + count * h) % ChecksumModulus;
            entries[e++] = new Entry { Word = new string(lower, start, len), Count = count };
        }
        // Highest count first, ties by the word ascending (ordinal, i.e. byte order for ASCII).
        Array.Sort(entries, (x, y) => x.Count != y.Count ? y.Count.CompareTo(x.Count) : string.CompareOrdinal(x.Word, y.Word));

        var output = new StringBuilder(256);
        for (int j = 0; j < Math.Min(10, entries.Length); j++)
            output.Append(entries[j].Word).Append(' ').Append(entries[j].Count).Append('\n');
        output.Append("distinct ").Append(entries.Length).Append('\n');
        output.Append("total ").Append(total).Append('\n');
        output.Append("checksum ").Append(checksum).Append('\n');
        return output.ToString();
    }
}
