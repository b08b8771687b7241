// Runner conformance fixture (xtask/tests/runners.rs): returns "unit <iteration mod m>" (README.md).
public class Main {
    public static void main(String[] a) {
        Runner.main(a, Main::run);
    }

    static String run(Runner.Params p) {
        long m = p.integer("m");
        long i = p.iteration();
        return "unit " + (m == 0 ? i : i % m) + (p.integer("nl") == 1 ? "\n" : "");
    }
}
