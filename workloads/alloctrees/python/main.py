# alloctrees workload for CPython: the Benchmarks Game's binary-trees (workloads/alloctrees/README.md).
# Every node is its own object; the README's node rule is a class with two child fields
# (here with __slots__, the usual way to declare a small record class), not a tuple.

from runner import main

MIN_DEPTH = 4


class Node:
    """A tree node: both children or none (a leaf)."""

    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


def bottom_up_tree(depth):
    """A perfect tree of the given depth (depth 0 is a single leaf), built bottom-up."""
    if depth > 0:
        depth -= 1
        return Node(bottom_up_tree(depth), bottom_up_tree(depth))
    return Node(None, None)


def check(node):
    """The number of nodes in the tree."""
    if node.left is None:
        return 1
    return 1 + check(node.left) + check(node.right)


def run(params):
    n = params.int("depth")
    if not 0 <= n <= 25:
        raise ValueError(f"depth must be in 0..25, got {n}")
    max_depth = max(MIN_DEPTH + 2, n)
    out = []

    stretch_depth = max_depth + 1
    out.append(f"stretch tree of depth {stretch_depth}\t check: {check(bottom_up_tree(stretch_depth))}\n")

    long_lived = bottom_up_tree(max_depth)

    for depth in range(MIN_DEPTH, max_depth + 1, 2):
        iterations = 1 << (max_depth - depth + MIN_DEPTH)
        total = 0
        for _ in range(iterations):
            total += check(bottom_up_tree(depth))
        out.append(f"{iterations}\t trees of depth {depth}\t check: {total}\n")

    out.append(f"long lived tree of depth {max_depth}\t check: {check(long_lived)}\n")
    return "".join(out)


if __name__ == "__main__":
    main(run)
