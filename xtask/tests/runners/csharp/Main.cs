// Runner conformance fixture (xtask/tests/runners.rs): returns "unit <iteration mod m>" (README.md).
public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    private static string Run(Runner.Params p)
    {
        long m = p.Int("m"), i = p.Iteration;
        return "unit " + (m == 0 ? i : i % m) + (p.Int("nl") == 1 ? "\n" : "");
    }
}
