// wordfreq workload in Haxe (every Haxe target): generate the text, count its words, as in ../README.md.
import Params.ParamError;

private class Entry {
	public final word:String;
	public final count:Int;

	public function new(word:String, count:Int) {
		this.word = word;
		this.count = count;
	}
}

/**
	The text buffer: StringBuf, except on PHP, where Haxe's StringBuf appends with
	`$b = $b . $x`, which copies the whole text on every append (quadratic: minutes for
	a million words); an array joined once is linear there.
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

	/**
		The Park-Miller step in Float arithmetic: state * 48271 reaches 2^47, beyond Haxe's
		32-bit Int (31-bit on neko) but exact in a double, and `%` on Floats is exact too.
	**/
	static inline function next(state:Float):Float
		return (state * MULTIPLIER) % MODULUS;

	// The generated text is the read-only input: made on the first call, kept for the next calls
	// with the same parameters (README: "What is measured").
	static var cachedKey:Null<String> = null;
	static var cachedText:String = "";

	static function corpus(seed:Float, vocab:Int, words:Int):String {
		var key = '$seed/$vocab/$words';
		if (key != cachedKey) {
			cachedText = generate(seed, vocab, words);
			cachedKey = key;
		}
		return cachedText;
	}

	static function generate(seed:Float, vocab:Int, words:Int):String {
		var state = seed;
		var vocabSize:Float = vocab;
		var dictionary = new Array<String>();
		for (_ in 0...vocab) {
			state = next(state);
			var len = 2 + Std.int(state % 7);
			var word = new StringBuf();
			for (_ in 0...len) {
				state = next(state);
				word.addChar("a".code + Std.int(state % 26));
			}
			dictionary.push(word.toString());
		}

		var buf = new TextBuffer();
		for (_ in 0...words) {
			state = next(state);
			var r = state % vocabSize;
			state = next(state);
			var rs = r * (state % vocabSize);
			// Exact integer division: rs - rs % vocab is a multiple of vocab.
			var w = dictionary[Std.int((rs - rs % vocabSize) / vocabSize)];
			state = next(state);
			var c = Std.int(state % 10);
			if (c == 0)
				w = w.toUpperCase();
			else if (c == 1)
				w = w.charAt(0).toUpperCase() + w.substr(1);
			state = next(state);
			var sep = Std.int(state % 20);
			buf.add(w);
			buf.add(sep == 0 ? ". " : sep == 1 ? ", " : sep == 2 ? "\n" : " ");
		}
		return buf.toString();
	}

	public static function run(p:Params):String {
		var seed = p.float("seed");
		var vocab = p.int("vocab");
		var words = p.int("words");
		if (seed < 1 || seed >= MODULUS)
			throw new ParamError('parameter seed=$seed must be in 1..2147483646');
		if (vocab < 1 || vocab > 67108864) // r * s below 2^53, so the skewed pick stays exact
			throw new ParamError('parameter vocab=$vocab must be in 1..67108864');
		if (words < 0)
			throw new ParamError('parameter words=$words must not be negative');

		var lower = corpus(seed, vocab, words).toLowerCase();

		// Counted while scanning; each word is a new string (README: owned keys).
		var counts = new haxe.ds.StringMap<Int>();
		var total = 0;
		var n = byteLength(lower);
		var i = 0;
		while (i < n) {
			var ch = codeAt(lower, i);
			if (ch < "a".code || ch > "z".code) {
				i++;
				continue;
			}
			var start = i++;
			while (i < n) {
				ch = codeAt(lower, i);
				if (ch < "a".code || ch > "z".code)
					break;
				i++;
			}
			var word = slice(lower, start, i);
			var seen = counts.get(word);
			counts.set(word, seen == null ? 1 : seen + 1);
			total++;
		}

		var entries = [for (word => count in counts) new Entry(word, count)];
		entries.sort((a, b) -> a.count != b.count ? b.count - a.count : a.word < b.word ? -1 : a.word > b.word ? 1 : 0);

		// Float, because count * h and the running sum exceed 32 bits before the modulo.
		var checksum = 0.0;
		for (e in entries) {
			// The word's weight fits an Int (at most 8 letters), and is summed as one: cppia's
			// interpreter reads a character code as 0 where it is used in Float arithmetic (hxcpp
			// 4.3's CharAtExpr has no runFloat), which an Int sum never asks for.
			var weight = 0;
			for (k in 0...e.word.length)
				weight += (k + 1) * (StringTools.fastCodeAt(e.word, k) - 96);
			var h:Float = weight;
			checksum = (checksum + e.count * h) % 1000000007;
		}

		var out = new StringBuf();
		for (k in 0...(entries.length < 10 ? entries.length : 10)) {
			out.add(entries[k].word);
			out.add(" ");
			out.add(entries[k].count);
			out.add("\n");
		}
		out.add('distinct ${entries.length}\ntotal $total\nchecksum ${Std.int(checksum)}\n');
		return out.toString();
	}

	/*
		Character access for the scan. The text is ASCII, so bytes and characters agree; PHP
		gets byte access because Haxe's PHP strings are UTF-8 aware (mb_substr, mb_strlen),
		which walks from the start of the string on every call: quadratic on a long text.
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

	static inline function slice(s:String, start:Int, end:Int):String {
		#if php
		return cast php.Global.substr(s, start, end - start);
		#else
		return s.substring(start, end);
		#end
	}
}
