// attention workload in Haxe (every Haxe target): one head of scaled dot-product attention (../README.md).

import haxe.ds.Vector;

/** Park-Miller "minimal standard" generator in Floats: state * 48271 < 2^47, exact on every target. **/
private class Rng {
	var state:Float;

	public function new(seed:Float) {
		state = seed;
	}

	public function next():Float {
		state = (state * 48271.0) % 2147483647.0;
		return state;
	}

	/** 2u - 1 with u = next() / 2147483647: uniform in (-1, 1). **/
	public function symmetric():Float {
		return 2.0 * (next() / 2147483647.0) - 1.0;
	}
}

/**
	The read-only inputs, generated once per process (README: "Data"); row-major [seq, D] each.
	haxe.ds.Vector is Haxe's fixed-length array, a native array of doubles where the target has one.
**/
private class Inputs {
	public final seed:Float;
	public final seq:Int;
	public final q:Vector<Float>;
	public final k:Vector<Float>;
	public final v:Vector<Float>;

	public function new(seed:Float, seq:Int) {
		this.seed = seed;
		this.seq = seq;
		var rng = new Rng(seed);
		var n = seq * Workload.D;
		q = matrix(rng, n);
		k = matrix(rng, n);
		v = matrix(rng, n);
	}

	static function matrix(rng:Rng, n:Int):Vector<Float> {
		var m = new Vector<Float>(n);
		for (i in 0...n)
			m[i] = rng.symmetric();
		return m;
	}
}

class Workload {
	/** The head dimension. **/
	public static inline var D = 64;

	static var inputs:Null<Inputs> = null;

	public static function run(p:Params):String {
		checkGenerator();
		var seed = p.float("seed");
		if (seed < 1 || seed >= 2147483647)
			throw 'seed must be in 1..2147483646, got $seed';
		var seq = p.int("seq");
		if (seq < 1 || seq > 65536)
			throw 'seq must be in 1..65536, got $seq';
		if (inputs == null)
			inputs = new Inputs(seed, seq);
		else if (inputs.seed != seed || inputs.seq != seq)
			throw "the parameters changed within the process";
		var inp = inputs;

		var out = attention(seq, inp.q, inp.k, inp.v);

		var sum = 0.0, sumsq = 0.0;
		for (x in out) {
			sum += x;
			sumsq += x * x;
		}
		var text = 'seq $seq\nsum ${format9(sum)}\nsumsq ${format9(sumsq)}\n';
		for (rc in [[0, 0], [Std.int(seq / 2), Std.int(D / 2)], [seq - 1, D - 1]])
			text += 'out ${rc[0]} ${rc[1]} ${format9(out[rc[0] * D + rc[1]])}\n';
		return text;
	}

	static function checkGenerator() {
		var rng = new Rng(42);
		for (expected in [2027382, 1226992407, 551494037]) {
			var got = rng.next();
			if (got != expected)
				throw 'generator test vector mismatch: expected $expected, got ${Std.int(got)}';
		}
	}

	/** softmax(Q K^T / sqrt(D)) V, one query row at a time, in the summation orders of the README. **/
	static function attention(seq:Int, q:Vector<Float>, k:Vector<Float>, v:Vector<Float>):Vector<Float> {
		var scale = Math.sqrt(D);
		var out = new Vector<Float>(seq * D);
		for (n in 0...seq * D)
			out[n] = 0.0;
		var scores = new Vector<Float>(seq);
		for (i in 0...seq) {
			var qi = i * D;
			for (j in 0...seq) {
				var kj = j * D;
				var dot = 0.0;
				for (d in 0...D)
					dot += q[qi + d] * k[kj + d];
				scores[j] = dot / scale;
			}
			var max = scores[0];
			for (j in 1...seq)
				if (scores[j] > max)
					max = scores[j];
			var sum = 0.0;
			for (j in 0...seq) {
				var e = Math.exp(scores[j] - max);
				scores[j] = e;
				sum += e;
			}
			// out[i][d] = sum over j (ascending) of p[j] * V[j][d]; each element starts at 0.0.
			for (j in 0...seq) {
				var pj = scores[j] / sum;
				var vj = j * D;
				for (d in 0...D)
					out[qi + d] += pj * v[vj + d];
			}
		}
		return out;
	}

	/**
		C's "%.9f" (rounding half away from zero on the scaled value instead of on the exact binary
		value, which only matters for ties). Haxe has no printf and Std.string may use exponents.
	**/
	static function format9(x:Float):String {
		var negative = x < 0;
		var a = Math.abs(x);
		var whole = Math.ffloor(a);
		var nanos = Math.fround((a - whole) * 1e9);
		if (nanos >= 1e9) {
			whole += 1;
			nanos -= 1e9;
		}
		return (negative ? "-" : "") + Std.string(Std.int(whole)) + "." + StringTools.lpad(Std.string(Std.int(nanos)), "0", 9);
	}
}
