// benchmatrix runner for C#: parses key=value arguments and drives a workload through the #bm protocol (runners/PROTOCOL.md).

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

public static class Runner
{
    /// <summary>The workload's parameters (the arguments without the runner's bm.* keys).</summary>
    public sealed class Params
    {
        private readonly Dictionary<string, string> values;

        internal Params(Dictionary<string, string> values)
        {
            this.values = values;
        }

        /// <summary>The index of the current iteration, 0-based, warm-ups included; with bm.cycle=D the unit is Iteration % D.</summary>
        public long Iteration { get; internal set; }

        /// <summary>The integer parameter <paramref name="key"/>; a missing or malformed one ends the program with status 2.</summary>
        public long Int(string key)
        {
            string value;
            if (!values.TryGetValue(key, out value))
                Fail("missing parameter " + key);
            long n;
            if (!long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign,
                    System.Globalization.CultureInfo.InvariantCulture, out n))
                Fail("parameter " + key + "=" + value + " is not an integer");
            return n;
        }
    }

    // AutoFlush is off so result text is written in one go; protocol lines flush explicitly
    // because the supervisor timestamps them on arrival.
    private static readonly StreamWriter Out =
        new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };

    private static void Fail(string message)
    {
        Out.Flush();
        Console.Error.Write("Runner: " + message + "\n");
        Environment.Exit(2);
    }

    private static int Count(string key, string value, int min)
    {
        int n;
        if (!int.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out n) || n < min)
            Fail(key + "=" + value + ": expected an integer >= " + min);
        return n;
    }

    // Stopwatch ticks to nanoseconds without overflowing long for long iterations.
    private static long Nanoseconds(long ticks)
    {
        long f = Stopwatch.Frequency;
        return ticks / f * 1000000000L + ticks % f * 1000000000L / f;
    }

    private static void Line(string s)
    {
        Out.Write(s);
        Out.Write('\n');
        Out.Flush();
    }

    /// <summary>Runs the whole protocol around <paramref name="run"/>; returns the exit status.</summary>
    public static int Run(string[] args, Func<Params, string> run)
    {
        int warmup = 0, iterations = 1, cycle = 1;
        var values = new Dictionary<string, string>();
        foreach (string arg in args)
        {
            int eq = arg.IndexOf('=');
            if (eq < 0)
                Fail("argument '" + arg + "' is not key=value");
            string key = arg.Substring(0, eq), value = arg.Substring(eq + 1);
            if (key == "bm.warmup")
                warmup = Count(key, value, 0);
            else if (key == "bm.iterations")
                iterations = Count(key, value, 1);
            else if (key == "bm.cycle")
                cycle = Count(key, value, 1);
            else if (key.StartsWith("bm.", StringComparison.Ordinal))
                // A mistyped runner option must not silently change what is measured.
                Fail("unknown runner option " + key);
            else
                values[key] = value;
        }
        long total = (long)warmup + iterations;
        if (cycle > total)
            Fail("bm.cycle=" + cycle + " is more than bm.warmup + bm.iterations = " + total);
        var parameters = new Params(values);

        Line("#bm ready");
        // The results of iterations 0..cycle; every later one is compared with the one a cycle
        // before, which (by induction) equals units[i % cycle]. Only `cycle` results are kept.
        var units = new string[cycle];
        for (long i = 0; i < total; i++)
        {
            string result;
            parameters.Iteration = i;
            long start = Stopwatch.GetTimestamp();
            try
            {
                result = run(parameters);
            }
            catch (Exception e)
            {
                Line("#bm error " + e.GetType().Name + ": " + e.Message.Replace('\n', ' '));
                return 1;
            }
            long elapsed = Stopwatch.GetTimestamp() - start;
            Line("#bm iter " + i + (i < warmup ? " warmup " : " measured ") + Nanoseconds(elapsed));
            // Comparing every result with an earlier one keeps the work observable to the JIT.
            if (i < cycle)
                units[i] = result;
            else if (!string.Equals(units[i % cycle], result, StringComparison.Ordinal))
            {
                Line("#bm error nondeterministic result at iteration " + i);
                return 3;
            }
        }
        foreach (string unit in units)
        {
            Out.Write(unit);
            if (unit.Length > 0 && unit[unit.Length - 1] != '\n')
                Out.Write('\n');
        }
        Line("#bm done");
        return 0;
    }
}
