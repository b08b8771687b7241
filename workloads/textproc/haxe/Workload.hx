// textproc workload in Haxe (every Haxe target): normalise, tokenise and embed one document of
// a generated corpus per iteration, as in ../README.md.
import Params.ParamError;

/** Park-Miller "minimal standard" generator in Float arithmetic: state * 48271 reaches 2^47,
	beyond Haxe's 32-bit Int but exact in a double, and `%` on Floats is exact too. **/
private class Rng {
	var state:Float;

	public function new(seed:Float)
		state = seed;

	public inline function next():Float
		return state = (state * 48271.0) % 2147483647.0;

	/** next() mod m, as an Int (m < 2^31). **/
	public inline function below(m:Float):Int
		return Std.int(next() % m);
}

private class Embedded {
	public final chars:Int;
	public final tokens:Int;
	public final vocabulary:Int;
	public final embedding:Array<Float>;

	public function new(chars:Int, tokens:Int, vocabulary:Int, embedding:Array<Float>) {
		this.chars = chars;
		this.tokens = tokens;
		this.vocabulary = vocabulary;
		this.embedding = embedding;
	}
}

class Workload {
	static inline var DIM = 64;
	// Indexed by next() mod 16.
	static final WHITESPACE = ~/[ \t\n\r]+/g;
	static final NON_ALNUM = ~/[^a-z0-9]+/g;
	static final SEPARATORS = [". ", ", ", "; ", "! ", "? ", " - ", "\n", "\n\n", "\t", "  ", "   ", "'", "-", " ", " ", " "];

	// The read-only input, built once per process on the first call (see the README).
	static var corpusDocs:Null<Array<String>> = null;
	static var queryEmbedding:Array<Float>;

	public static function run(p:Params):String {
		checkGenerator();
		var seed = p.float("seed");
		var docs = p.int("docs");
		var chars = p.int("chars");
		var vocab = p.int("vocab");
		if (seed < 1 || seed >= 2147483647.0)
			throw new ParamError('parameter seed=$seed must be in 1..2147483646');
		if (docs < 1 || chars < 1)
			throw new ParamError('parameters docs=$docs and chars=$chars must be at least 1');
		if (vocab < 1 || vocab > 67108864) // r * s below 2^53, so the skewed pick stays exact
			throw new ParamError('parameter vocab=$vocab must be in 1..67108864');
		if (corpusDocs == null)
			buildCorpus(seed, docs, chars, vocab);
		var unit = Std.int(p.iteration % docs);

		var e = embed(corpusDocs[unit]);
		var v = e.embedding;
		var checksum = 0.0;
		for (b in 0...DIM)
			checksum += (b + 1) * v[b];
		var cosine = 0.0;
		for (b in 0...DIM)
			cosine += v[b] * queryEmbedding[b];
		return 'doc $unit chars ${e.chars} tokens ${e.tokens} vocab ${e.vocabulary} checksum ${format6(checksum)} cosine ${format6(cosine)}\n';
	}

	static function checkGenerator() {
		var rng = new Rng(42);
		for (expected in [2027382.0, 1226992407.0, 551494037.0]) {
			var got = rng.next();
			if (got != expected)
				throw new haxe.Exception('generator test vector mismatch: expected ${Std.int(expected)}, got $got');
		}
	}

	static function buildCorpus(seed:Float, docs:Int, chars:Int, vocabSize:Int) {
		var rng = new Rng(seed);
		var vocab = new Array<String>();
		for (_ in 0...vocabSize) {
			var len = 1 + rng.below(9);
			var w = new StringBuf();
			for (_ in 0...len)
				w.addChar("a".code + rng.below(26));
			vocab.push(w.toString());
		}
		var query = document(rng, vocab, chars);
		var texts = [for (_ in 0...docs) document(rng, vocab, chars)];
		queryEmbedding = embed(query).embedding;
		corpusDocs = texts;
	}

	static inline function upper(c:Int):Int
		return c >= "a".code && c <= "z".code ? c - 32 : c;

	static function document(rng:Rng, vocab:Array<String>, chars:Int):String {
		var n:Float = vocab.length;
		var text = new StringBuf();
		for (_ in 0...rng.below(3))
			text.addChar(" ".code);
		while (text.length < chars) {
			if (rng.below(16) == 0) {
				text.add(rng.below(10000));
			} else {
				var r = rng.next() % n;
				var rs = r * (rng.next() % n);
				// Exact integer division: rs - rs % n is a multiple of n.
				var w = vocab[Std.int((rs - rs % n) / n)];
				var c = rng.below(8);
				if (c == 0) {
					for (j in 0...w.length)
						text.addChar(upper(StringTools.fastCodeAt(w, j)));
				} else if (c == 1) {
					text.addChar(upper(StringTools.fastCodeAt(w, 0)));
					text.add(w.substr(1));
				} else if (c == 2) {
					for (j in 0...w.length) {
						var ch = StringTools.fastCodeAt(w, j);
						text.addChar(rng.below(2) == 1 ? upper(ch) : ch);
					}
				} else {
					text.add(w);
				}
			}
			text.add(SEPARATORS[rng.below(16)]);
		}
		return text.toString().substr(0, chars);
	}

	/** FNV-1a, 32 bits: the bits of the unsigned hash in a haxe.Int32. **/
	static function fnv1a(s:String):haxe.Int32 {
		var h:haxe.Int32 = 0x811C9DC5;
		// One statement, so the product's left operand is never h itself: cppia's interpreter runs
		// `h = h * k` on an Int as `h *= k`, which it computes in a double and converts back, so a
		// product past 2^31 saturates instead of wrapping (hxcpp 4.3's DECL_STRUCT_ASSIGN in
		// src/hx/cppia/Cppia.h); a product of another expression wraps as on every target.
		for (i in 0...byteLength(s))
			h = timesFnvPrime(h ^ codeAt(s, i));
		return h;
	}

	/**
		h * 16777619 modulo 2^32. haxe.Int32 multiplication wraps on js, python, php, neko,
		eval, hl, jvm and cs. On cpp it is a plain C++ `int` product, whose overflow is
		undefined behaviour: g++ -O2 (hxcpp's flags, without -fwrapv) exploits it and gives
		wrong hashes, so there the product is taken on `unsigned int`, which wraps by definition.
	**/
	static inline function timesFnvPrime(h:haxe.Int32):haxe.Int32 {
		#if (cpp && !cppia)
		return untyped __cpp__("(int)((unsigned int)({0}) * 16777619u)", h);
		#else
		return h * 16777619;
		#end
	}

	/** Everything the README's "per document" section does, for one document. **/
	static function embed(doc:String):Embedded {
		// Normalise: lowercase (the text is ASCII), whitespace runs to one space, trimmed.
		var norm = StringTools.trim(WHITESPACE.replace(doc.toLowerCase(), " "));
		var n = byteLength(norm);

		// Tokenise: maximal runs of [a-z0-9]; split leaves an empty piece at either end. (EReg
		// runs in each target's native regex engine: faster than a character loop on neko,
		// eval and python, a little slower on js, whose EReg.split goes through a replace.)
		var tokens = NON_ALNUM.split(norm);
		if (tokens.length > 0 && tokens[tokens.length - 1] == "")
			tokens.pop();
		if (tokens.length > 0 && tokens[0] == "")
			tokens.shift();

		var counts = new haxe.ds.StringMap<Int>();
		for (t in tokens) {
			var seen = counts.get(t);
			counts.set(t, seen == null ? 1 : seen + 1);
		}

		var v = [for (_ in 0...DIM) 0.0];
		var vocabulary = 0;
		for (token => count in counts) {
			var h = fnv1a(token);
			// h & 63 is the unsigned hash mod 64; a negative Int32 has the top bit set.
			var b:Int = h & (DIM - 1);
			v[b] += h < 0 ? -count : count;
			vocabulary++;
		}
		var ss = 0.0;
		for (b in 0...DIM)
			ss += v[b] * v[b];
		if (ss > 0.0) {
			var norm2 = Math.sqrt(ss);
			for (b in 0...DIM)
				v[b] = v[b] / norm2;
		}
		return new Embedded(n, tokens.length, vocabulary, v);
	}

	/**
		C's "%.6f" (rounding half away from zero instead of on the exact binary value, which
		only matters for ties; the numeric tolerance absorbs it). Haxe has no printf and
		Std.string may use exponents. The values here are far below 2^31 in magnitude.
	**/
	static function format6(x:Float):String {
		var negative = x < 0;
		var a = Math.abs(x);
		var whole = Math.ffloor(a);
		var micros = Math.fround((a - whole) * 1e6);
		if (micros >= 1e6) {
			whole += 1;
			micros -= 1e6;
		}
		var fraction = StringTools.lpad(Std.string(Std.int(micros)), "0", 6);
		return (negative ? "-" : "") + Std.string(Std.int(whole)) + "." + fraction;
	}

	/*
		Character access for the hash. The text is ASCII, so bytes and characters agree; PHP
		gets byte access because Haxe's PHP strings are UTF-8 aware (mb_substr, mb_strlen),
		which walks from the start of the string on every call.
	*/
	static inline function byteLength(s:String):Int {
		#if php
		return php.Global.strlen(s);
		#else
		return s.length;
		#end
	}

	static inline function codeAt(s:String, i:Int):Int {
		#if php
		return php.Global.ord((s : php.NativeString)[i]);
		#else
		return StringTools.fastCodeAt(s, i);
		#end
	}

}
