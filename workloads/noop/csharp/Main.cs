// noop workload in C#: the runtime floor (workloads/noop/README.md).
public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    private static string Run(Runner.Params p)
    {
        return "noop " + p.Int("n") + "\n";
    }
}
