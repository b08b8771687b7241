<?php
// alloctrees workload for the PHP CLI: the Benchmarks Game's binary-trees (workloads/alloctrees/README.md).
// Every node is its own object (a class with two child properties, the README's node rule).

declare(strict_types=1);

require __DIR__ . '/runner.php';

const MIN_DEPTH = 4;

/** A tree node: both children or none (a leaf). */
final class Node
{
    public function __construct(public readonly ?Node $left, public readonly ?Node $right)
    {
    }
}

/** A perfect tree of the given depth (depth 0 is a single leaf), built bottom-up. */
function bottom_up_tree(int $depth): Node
{
    if ($depth > 0) {
        $depth--;
        return new Node(bottom_up_tree($depth), bottom_up_tree($depth));
    }
    return new Node(null, null);
}

/** The number of nodes in the tree. */
function check(Node $node): int
{
    return $node->left === null ? 1 : 1 + check($node->left) + check($node->right);
}

function run(BmParams $params): string
{
    $n = $params->int('depth');
    if ($n < 0 || $n > 25) {
        throw new InvalidArgumentException("depth must be in 0..25, got $n");
    }
    $maxDepth = max(MIN_DEPTH + 2, $n);
    $out = '';

    $stretchDepth = $maxDepth + 1;
    $out .= "stretch tree of depth $stretchDepth\t check: " . check(bottom_up_tree($stretchDepth)) . "\n";

    $longLived = bottom_up_tree($maxDepth);

    for ($depth = MIN_DEPTH; $depth <= $maxDepth; $depth += 2) {
        $iterations = 1 << ($maxDepth - $depth + MIN_DEPTH);
        $check = 0;
        for ($i = 0; $i < $iterations; $i++) {
            $check += check(bottom_up_tree($depth));
        }
        $out .= "$iterations\t trees of depth $depth\t check: $check\n";
    }

    $out .= "long lived tree of depth $maxDepth\t check: " . check($longLived) . "\n";
    return $out;
}

bm_main('run');
