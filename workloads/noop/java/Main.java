// noop workload in Java: the runtime floor (workloads/noop/README.md).
public class Main {
    public static void main(String[] a) {
        Runner.main(a, Main::run);
    }

    static String run(Runner.Params p) {
        return "noop " + p.integer("n") + "\n";
    }
}
