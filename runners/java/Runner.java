// benchmatrix runner for Java: parses key=value arguments and drives a workload through the #bm protocol (runners/PROTOCOL.md).

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

public final class Runner {
    private Runner() {}

    /** A workload: computes its whole result from the parameters, returned as text. */
    public interface Workload {
        String run(Params p);
    }

    /** The workload's parameters (the arguments without the runner's bm.* keys). */
    public static final class Params {
        private final Map<String, String> values;
        private long iteration;

        Params(Map<String, String> values) {
            this.values = values;
        }

        /** The index of the current iteration, 0-based, warm-ups included; with bm.cycle=D the unit is iteration() % D. */
        public long iteration() {
            return iteration;
        }

        /** The integer parameter {@code key}; a missing or malformed one ends the program with status 2. */
        public long integer(String key) {
            String v = values.get(key);
            if (v == null) {
                fail("missing parameter " + key);
            }
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                fail("parameter " + key + "=" + v + " is not an integer");
                return 0; // unreachable: fail() exits
            }
        }
    }

    // Autoflush is off so result text is written in one go; protocol lines flush explicitly
    // because the supervisor timestamps them on arrival.
    private static final PrintStream OUT = new PrintStream(
            new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
            false, StandardCharsets.UTF_8);

    private static void fail(String message) {
        OUT.flush();
        System.err.println("Runner: " + message);
        System.exit(2);
    }

    private static int count(String key, String value, int min) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, like an out-of-range value
        }
        fail(key + "=" + value + ": expected an integer >= " + min);
        return min; // unreachable: fail() exits
    }

    /** Runs the whole protocol around {@code workload} and returns normally only on success. */
    public static void main(String[] args, Workload workload) {
        int warmup = 0;
        int iterations = 1;
        int cycle = 1;
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                fail("argument '" + arg + "' is not key=value");
            }
            String key = arg.substring(0, eq);
            String value = arg.substring(eq + 1);
            if (key.equals("bm.warmup")) {
                warmup = count(key, value, 0);
            } else if (key.equals("bm.iterations")) {
                iterations = count(key, value, 1);
            } else if (key.equals("bm.cycle")) {
                cycle = count(key, value, 1);
            } else if (key.startsWith("bm.")) {
                // A mistyped runner option must not silently change what is measured.
                fail("unknown runner option " + key);
            } else {
                values.put(key, value);
            }
        }
        long total = (long) warmup + iterations;
        if (cycle > total) {
            fail("bm.cycle=" + cycle + " is more than bm.warmup + bm.iterations = " + total);
        }
        Params params = new Params(values);

        // Protocol lines are built with a StringBuilder, not `+`: javac compiles `+` to an
        // invokedynamic StringConcatFactory call site whose one-off bootstrap (class loading,
        // method-handle spinning) would otherwise run between the timed iterations.
        StringBuilder line = new StringBuilder(64);
        OUT.print("#bm ready\n");
        OUT.flush();
        // The results of iterations 0..cycle; every later one is compared with the one a cycle
        // before, which (by induction) equals units[i % cycle]. Only `cycle` results are kept.
        String[] units = new String[cycle];
        for (long i = 0; i < total; i++) {
            String result;
            params.iteration = i;
            long start = System.nanoTime();
            try {
                result = workload.run(params);
            } catch (RuntimeException | Error e) {
                line.setLength(0);
                line.append("#bm error ").append(String.valueOf(e).replace('\n', ' ')).append('\n');
                OUT.print(line);
                OUT.flush();
                System.exit(1);
                return;
            }
            long elapsed = System.nanoTime() - start;
            line.setLength(0);
            line.append("#bm iter ").append(i).append(i < warmup ? " warmup " : " measured ").append(elapsed).append('\n');
            OUT.print(line);
            OUT.flush();
            // Comparing every result with an earlier one keeps the work observable to the JIT.
            if (i < cycle) {
                units[(int) i] = result;
            } else if (!units[(int) (i % cycle)].equals(result)) {
                line.setLength(0);
                line.append("#bm error nondeterministic result at iteration ").append(i).append('\n');
                OUT.print(line);
                OUT.flush();
                System.exit(3);
            }
        }
        for (String unit : units) {
            OUT.print(unit);
            if (!unit.isEmpty() && !unit.endsWith("\n")) {
                OUT.print('\n');
            }
        }
        OUT.print("#bm done\n");
        OUT.flush();
    }
}
