// alloctrees workload for Java: the Benchmarks Game's binary-trees (workloads/alloctrees/README.md).
// Every node is its own object on the garbage-collected heap.

public class Main {
    public static void main(String[] a) {
        Runner.main(a, Main::run);
    }

    private static final int MIN_DEPTH = 4;

    /** A tree node: both children or none (a leaf). */
    private static final class Node {
        final Node left, right;

        Node(Node left, Node right) {
            this.left = left;
            this.right = right;
        }

        /** The number of nodes in the tree. */
        int check() {
            return left == null ? 1 : 1 + left.check() + right.check();
        }
    }

    /** A perfect tree of the given depth (depth 0 is a single leaf), built bottom-up. */
    private static Node bottomUpTree(int depth) {
        return depth > 0 ? new Node(bottomUpTree(depth - 1), bottomUpTree(depth - 1)) : new Node(null, null);
    }

    static String run(Runner.Params p) {
        long n = p.integer("depth");
        if (n < 0 || n > 25) {
            throw new IllegalArgumentException("depth must be in 0..25, got " + n);
        }
        int maxDepth = Math.max(MIN_DEPTH + 2, (int) n);
        StringBuilder out = new StringBuilder();

        int stretchDepth = maxDepth + 1;
        int stretch = bottomUpTree(stretchDepth).check();
        out.append("stretch tree of depth ").append(stretchDepth).append("\t check: ").append(stretch).append('\n');

        Node longLived = bottomUpTree(maxDepth);

        for (int depth = MIN_DEPTH; depth <= maxDepth; depth += 2) {
            int iterations = 1 << (maxDepth - depth + MIN_DEPTH);
            int check = 0;
            for (int i = 0; i < iterations; i++) {
                check += bottomUpTree(depth).check();
            }
            out.append(iterations).append("\t trees of depth ").append(depth).append("\t check: ").append(check).append('\n');
        }

        out.append("long lived tree of depth ").append(maxDepth).append("\t check: ").append(longLived.check()).append('\n');
        return out.toString();
    }
}
