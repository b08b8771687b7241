// mlp workload in Haxe (every Haxe target): one request through a dense 256-512-256-10 network (../README.md).

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

	/** (2u - 1) * scale with u = next() / 2147483647: uniform in (-scale, scale). **/
	public function symmetric(scale:Float):Float {
		return (2.0 * (next() / 2147483647.0) - 1.0) * scale;
	}
}

/**
	One dense layer: inputs -> outputs, weights row-major (one row of `inputs` weights per output).
	haxe.ds.Vector is Haxe's fixed-length array, a native array of doubles where the target has one.
**/
private class Layer {
	public final inputs:Int;
	public final outputs:Int;
	public final weights:Vector<Float>;
	public final biases:Vector<Float>;

	public function new(inputs:Int, outputs:Int, rng:Rng, scale:Float) {
		this.inputs = inputs;
		this.outputs = outputs;
		weights = Workload.draw(rng, inputs * outputs, scale);
		biases = Workload.draw(rng, outputs, Workload.BIAS_SCALE);
	}
}

/** The read-only model and its batch of inputs, built once per process (README: "Data"). **/
private class Model {
	public final seed:Float;
	public final layers:Array<Layer>;
	public final requests:Array<Vector<Float>>;

	public function new(seed:Float) {
		this.seed = seed;
		var rng = new Rng(seed);
		layers = [
			for (l in 0...3)
				new Layer(Workload.SIZES[l], Workload.SIZES[l + 1], rng, Workload.WEIGHT_SCALE[l])
		];
		requests = [for (_ in 0...Workload.BATCH) Workload.draw(rng, Workload.SIZES[0], 1.0)];
	}
}

class Workload {
	public static final SIZES = [256, 512, 256, 10];
	/** Weights are (2u - 1) * WEIGHT_SCALE[layer], biases (2u - 1) * BIAS_SCALE, inputs 2u - 1. **/
	public static final WEIGHT_SCALE = [0.15, 0.1, 0.15];
	public static inline var BIAS_SCALE = 0.01;
	/** The batch: iteration i serves request i mod BATCH. **/
	public static inline var BATCH = 8;

	static var model:Null<Model> = null;

	/** `count` values sym(scale), in index order. **/
	public static function draw(rng:Rng, count:Int, scale:Float):Vector<Float> {
		var v = new Vector<Float>(count);
		for (i in 0...count)
			v[i] = rng.symmetric(scale);
		return v;
	}

	public static function run(p:Params):String {
		checkGenerator();
		var seed = p.float("seed");
		if (seed < 1 || seed >= 2147483647)
			throw 'seed must be in 1..2147483646, got $seed';
		if (model == null)
			model = new Model(seed);
		else if (model.seed != seed)
			throw "the seed changed within the process";
		var m = model;
		var request = Std.int(p.iteration % BATCH);

		var x = dense(m.layers[0], m.requests[request], true);
		x = dense(m.layers[1], x, true);
		var logits = dense(m.layers[2], x, false);

		var max = logits[0];
		for (k in 1...logits.length)
			if (logits[k] > max)
				max = logits[k];
		var probs = new Vector<Float>(logits.length);
		var sum = 0.0;
		for (k in 0...logits.length) {
			var e = Math.exp(logits[k] - max);
			probs[k] = e;
			sum += e;
		}
		for (k in 0...probs.length)
			probs[k] = probs[k] / sum;

		var cls = 0;
		for (k in 1...probs.length)
			if (probs[k] > probs[cls])
				cls = k;
		var checksum = 0.0;
		for (k in 0...probs.length)
			checksum += (k + 1) * probs[k];
		return 'request $request class $cls p ${format9(probs[cls])} checksum ${format9(checksum)}\n';
	}

	static function checkGenerator() {
		var rng = new Rng(42);
		for (expected in [2027382, 1226992407, 551494037]) {
			var got = rng.next();
			if (got != expected)
				throw 'generator test vector mismatch: expected $expected, got ${Std.int(got)}';
		}
	}

	/** y = W x + b, each dot product summed in index order; ReLU unless it is the last layer. **/
	static function dense(layer:Layer, x:Vector<Float>, relu:Bool):Vector<Float> {
		var n = layer.inputs;
		var w = layer.weights;
		var b = layer.biases;
		var y = new Vector<Float>(layer.outputs);
		for (o in 0...layer.outputs) {
			var base = o * n;
			var acc = 0.0;
			for (i in 0...n)
				acc += w[base + i] * x[i];
			var z = acc + b[o];
			y[o] = relu && !(z > 0.0) ? 0.0 : z;
		}
		return y;
	}

	/**
		C's "%.9f" for values in [0, 2^31) (rounding half up on the scaled value instead of on the
		exact binary value, which only matters for ties). Haxe has no printf and Std.string may use exponents.
	**/
	static function format9(x:Float):String {
		var whole = Math.ffloor(x);
		var nanos = Math.fround((x - whole) * 1e9);
		if (nanos >= 1e9) {
			whole += 1;
			nanos -= 1e9;
		}
		return Std.string(Std.int(whole)) + "." + StringTools.lpad(Std.string(Std.int(nanos)), "0", 9);
	}
}
