// alloctrees workload for Node.js: the Benchmarks Game's binary-trees (workloads/alloctrees/README.md).
// Every node is its own object on the garbage-collected heap.
'use strict';

const MIN_DEPTH = 4;

// A tree node: both children or none (a leaf).
class Node {
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }
}

// A perfect tree of the given depth (depth 0 is a single leaf), built bottom-up.
function bottomUpTree(depth) {
  return depth > 0 ? new Node(bottomUpTree(depth - 1), bottomUpTree(depth - 1)) : new Node(null, null);
}

// The number of nodes in the tree.
function check(node) {
  return node.left === null ? 1 : 1 + check(node.left) + check(node.right);
}

function run(params) {
  const n = params.int('depth');
  if (n < 0 || n > 25) throw new Error(`depth must be in 0..25, got ${n}`);
  const maxDepth = Math.max(MIN_DEPTH + 2, n);
  let out = '';

  const stretchDepth = maxDepth + 1;
  out += `stretch tree of depth ${stretchDepth}\t check: ${check(bottomUpTree(stretchDepth))}\n`;

  const longLived = bottomUpTree(maxDepth);

  for (let depth = MIN_DEPTH; depth <= maxDepth; depth += 2) {
    const iterations = 2 ** (maxDepth - depth + MIN_DEPTH);
    let sum = 0;
    for (let i = 0; i < iterations; i++) sum += check(bottomUpTree(depth));
    out += `${iterations}\t trees of depth ${depth}\t check: ${sum}\n`;
  }

  out += `long lived tree of depth ${maxDepth}\t check: ${check(longLived)}\n`;
  return out;
}

require('./runner.js').main(run);
