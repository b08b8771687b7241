// alloctrees workload in Haxe (every Haxe target): the Benchmarks Game's binary-trees (../README.md).
// Every node is its own object (a class with two child fields) on the target's heap.

/** A tree node: both children or none (a leaf). **/
private class Node {
	public final left:Null<Node>;
	public final right:Null<Node>;

	public function new(left:Null<Node>, right:Null<Node>) {
		this.left = left;
		this.right = right;
	}

	/** The number of nodes in the tree. **/
	public function check():Int {
		return left == null ? 1 : 1 + left.check() + right.check();
	}
}

class Workload {
	static inline var MIN_DEPTH = 4;

	/** A perfect tree of the given depth (depth 0 is a single leaf), built bottom-up. **/
	static function bottomUpTree(depth:Int):Node {
		return depth > 0 ? new Node(bottomUpTree(depth - 1), bottomUpTree(depth - 1)) : new Node(null, null);
	}

	public static function run(p:Params):String {
		var n = p.int("depth");
		if (n < 0 || n > 25)
			throw 'depth must be in 0..25, got $n';
		var maxDepth = n > MIN_DEPTH + 2 ? n : MIN_DEPTH + 2;
		var out = new StringBuf();

		var stretchDepth = maxDepth + 1;
		out.add('stretch tree of depth $stretchDepth\t check: ${bottomUpTree(stretchDepth).check()}\n');

		var longLived = bottomUpTree(maxDepth);

		var depth = MIN_DEPTH;
		while (depth <= maxDepth) {
			var iterations = 1 << (maxDepth - depth + MIN_DEPTH);
			var check = 0;
			for (_ in 0...iterations)
				check += bottomUpTree(depth).check();
			out.add('$iterations\t trees of depth $depth\t check: $check\n');
			depth += 2;
		}

		out.add('long lived tree of depth $maxDepth\t check: ${longLived.check()}\n');
		return out.toString();
	}
}
