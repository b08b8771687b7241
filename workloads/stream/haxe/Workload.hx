// stream workload in Haxe (every Haxe target): a toy decoder that emits every token as a
// server-sent event, flushed one by one or buffered until the end, as in ../README.md.
import Params.ParamError;
import haxe.ds.Vector;
import haxe.io.Bytes;

/** The read-only model, built once per process (README: "The model"). **/
private class Model {
	public final seed:Float;
	public final vocab:Int;
	public final dim:Int;
	public final words:Vector<String>;
	public final w:Vector<Float>; // vocab x dim, row-major
	public final e:Vector<Float>; // vocab x dim, row-major
	public final h0:Vector<Float>; // dim
	public final decodeState:Float;

	public function new(seed:Float, vocab:Int, dim:Int) {
		this.seed = seed;
		this.vocab = vocab;
		this.dim = dim;
		var state = seed;
		words = new Vector(vocab);
		for (v in 0...vocab) {
			state = Workload.next(state);
			var len = 2 + Std.int(state % 7);
			var word = new StringBuf();
			for (_ in 0...len) {
				state = Workload.next(state);
				word.addChar("a".code + Std.int(state % 26));
			}
			words[v] = word.toString();
		}
		w = new Vector(vocab * dim);
		for (k in 0...vocab * dim) {
			state = Workload.next(state);
			w[k] = 2.0 * (state / 2147483647.0) - 1.0;
		}
		e = new Vector(vocab * dim);
		for (k in 0...vocab * dim) {
			state = Workload.next(state);
			e[k] = 2.0 * (state / 2147483647.0) - 1.0;
		}
		h0 = new Vector(dim);
		for (j in 0...dim) {
			state = Workload.next(state);
			h0[j] = 2.0 * (state / 2147483647.0) - 1.0;
		}
		decodeState = state;
	}
}

/**
	The buffered mode's string builder: StringBuf, except on PHP, where Haxe's StringBuf appends
	with `$b = $b . $x`, which copies the whole text on every append (quadratic); an array
	joined once is linear there.
**/
#if php
private abstract TextBuffer(Array<String>) {
	public inline function new()
		this = [];

	public inline function add(s:String)
		this.push(s);

	public inline function toString():String
		return this.join("");
}
#else
private typedef TextBuffer = StringBuf;
#end

class Workload {
	static inline var MODULUS = 2147483647.0;
	static inline var MULTIPLIER = 48271.0;
	static inline var FNV_PRIME = 16777619;

	static var model:Model = null;

	#if sys
	static final stdout = Sys.stdout();
	#end

	/**
		The Park-Miller step in Float arithmetic: state * 48271 reaches 2^47, beyond Haxe's
		32-bit Int (31-bit on neko) but exact in a double, and `%` on Floats is exact too.
	**/
	public static inline function next(state:Float):Float
		return (state * MULTIPLIER) % MODULUS;

	static function checkGenerator() {
		var state = 42.0;
		for (expected in [2027382.0, 1226992407.0, 551494037.0]) {
			state = next(state);
			if (state != expected)
				throw new haxe.Exception('generator test vector mismatch: expected ${Std.int(expected)}, got $state');
		}
	}

	/** Writes and flushes at once: one write to stdout, out before run() returns. **/
	static function emit(s:String) {
		#if js
		// The runner's own channel, so events and protocol lines keep their order; see blockingStdout.
		js.Syntax.code("process.stdout.write({0})", s);
		#else
		stdout.writeString(s);
		stdout.flush();
		#end
	}

	#if js
	/**
		Node's process.stdout.write on a pipe is synchronous only while the pipe has room: once
		it is full, the rest is queued in memory and written after the script ends, so events
		would leave the iteration that produced them. Blocking writes (what Node already does for
		files and terminals, and libuv's uv_stream_set_blocking for pipes) make every write
		complete before it returns, as in the other languages.
	**/
	static function blockingStdout() {
		js.Syntax.code("var h = process.stdout._handle; if (h && typeof h.setBlocking === 'function') h.setBlocking(true)");
	}
	#end

	/** An unsigned 32-bit value held in a (signed) Int, in decimal, without Float formatting. **/
	static function unsigned(x:haxe.Int32):String {
		if (x >= 0)
			return Std.string((x : Int));
		var u = (x : Int) + 4294967296.0;
		var q = Math.ffloor(u / 10);
		return Std.string(Std.int(q)) + Std.string(Std.int(u - q * 10));
	}

	public static function run(p:Params):String {
		checkGenerator();
		#if js
		blockingStdout();
		#end
		var seed = p.float("seed");
		var vocab = p.int("vocab");
		var dim = p.int("dim");
		var tokens = p.int("tokens");
		// Params has no string accessor yet (only int and float), so the mode is read from its map.
		var flushed = switch @:privateAccess p.values.get("mode") {
			case "flushed": true;
			case "buffered": false;
			case null: throw new ParamError("missing parameter mode");
			case other: throw new ParamError('parameter mode=$other must be flushed or buffered');
		}
		if (seed < 1 || seed >= MODULUS)
			throw new ParamError('parameter seed=$seed must be in 1..2147483646');
		if (vocab < 1 || dim < 1 || tokens < 1)
			throw new ParamError("parameters vocab, dim and tokens must be >= 1");
		if (model == null || model.seed != seed || model.vocab != vocab || model.dim != dim)
			model = new Model(seed, vocab, dim);
		var m = model;
		var w = m.w, e = m.e;

		var state = m.decodeState;
		var h:Vector<Float> = m.h0.copy();
		var checksum:haxe.Int32 = 0x811C9DC5; // 2166136261, held as a signed 32-bit Int
		var bytes = 0;
		var buffer = new TextBuffer();
		var best = 0;
		for (i in 0...tokens) {
			// logits = W h, each a dot product summed in order j = 0..dim; argmax, ties to the lowest index.
			best = 0;
			var bestLogit = 0.0;
			for (v in 0...vocab) {
				var row = v * dim;
				var s = 0.0;
				for (j in 0...dim)
					s += w[row + j] * h[j];
				if (v == 0 || s > bestLogit) {
					best = v;
					bestLogit = s;
				}
			}

			var event = 'data: {"index":$i,"token":"${m.words[best]}"}\n\n';
			var b = Bytes.ofString(event);
			for (k in 0...b.length)
				checksum = (checksum ^ b.get(k)) * FNV_PRIME;
			bytes += b.length;
			if (flushed)
				emit(event);
			else
				buffer.add(event);

			var row = best * dim;
			for (j in 0...dim) {
				state = next(state);
				h[j] = 0.5 * ((h[j] + e[row + j]) + (state / 2147483647.0 - 0.5));
			}
		}
		if (!flushed)
			emit(buffer.toString());
		return 'tokens $tokens\nbytes $bytes\nchecksum ${unsigned(checksum)}\nlast ${m.words[best]}\n';
	}
}
