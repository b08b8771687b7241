// alloctrees workload for C#: the Benchmarks Game's binary-trees (workloads/alloctrees/README.md).
// Every node is its own object on the garbage-collected heap.

using System;
using System.Text;

public static class Program
{
    public static int Main(string[] args) => Runner.Run(args, Run);

    private const int MinDepth = 4;

    // A tree node: both children or none (a leaf).
    private sealed class Node
    {
        private readonly Node left, right;

        public Node(Node left, Node right)
        {
            this.left = left;
            this.right = right;
        }

        // The number of nodes in the tree.
        public int Check() => left == null ? 1 : 1 + left.Check() + right.Check();
    }

    // A perfect tree of the given depth (depth 0 is a single leaf), built bottom-up.
    private static Node BottomUpTree(int depth) =>
        depth > 0 ? new Node(BottomUpTree(depth - 1), BottomUpTree(depth - 1)) : new Node(null, null);

    private static string Run(Runner.Params p)
    {
        long n = p.Int("depth");
        if (n < 0 || n > 25)
            throw new ArgumentException("depth must be in 0..25, got " + n);
        int maxDepth = Math.Max(MinDepth + 2, (int)n);
        var output = new StringBuilder();

        int stretchDepth = maxDepth + 1;
        int stretch = BottomUpTree(stretchDepth).Check();
        output.Append("stretch tree of depth ").Append(stretchDepth).Append("\t check: ").Append(stretch).Append('\n');

        Node longLived = BottomUpTree(maxDepth);

        for (int depth = MinDepth; depth <= maxDepth; depth += 2)
        {
            int iterations = 1 << (maxDepth - depth + MinDepth);
            int check = 0;
            for (int i = 0; i < iterations; i++)
                check += BottomUpTree(depth).Check();
            output.Append(iterations).Append("\t trees of depth ").Append(depth).Append("\t check: ").Append(check).Append('\n');
        }

        output.Append("long lived tree of depth ").Append(maxDepth).Append("\t check: ").Append(longLived.Check()).Append('\n');
        return output.ToString();
    }
}
