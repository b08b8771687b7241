// bpe workload in Haxe (every Haxe target): learn byte-pair-encoding merges from a generated
// corpus, then encode a held-out text with them, as in ../README.md.
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

private class Merge {
	public final a:Int;
	public final b:Int;
	public final count:Int;

	public function new(a:Int, b:Int, count:Int) {
		this.a = a;
		this.b = b;
		this.count = count;
	}
}

class Workload {
	static inline var CHECKSUM_MODULUS = 1000000007.0;
	static inline var SHOWN_MERGES = 8;
	static inline var CONSONANTS = "bcdfghjklmnprstvwz";
	static inline var VOWELS = "aeiou";

	// The read-only input, built once per process on the first call (see the README).
	static var corpus:Null<String> = null;
	static var heldout:String;

	public static function run(p:Params):String {
		checkGenerator();
		var mergesWanted = p.int("merges");
		if (mergesWanted < 0 || mergesWanted > 32512)
			throw new ParamError('parameter merges=$mergesWanted must be in 0..32512');
		if (corpus == null)
			buildTexts(p);

		// Learn: the distinct chunks with their counts, each as a sequence of symbols (bytes first).
		var chunkCounts = new haxe.ds.StringMap<Int>();
		for (c in chunks(corpus)) {
			var seen = chunkCounts.get(c);
			chunkCounts.set(c, seen == null ? 1 : seen + 1);
		}
		var words = new Array<Array<Int>>();
		var counts = new Array<Int>();
		for (c => n in chunkCounts) {
			words.push(symbols(c));
			counts.push(n);
		}

		var merges = new Array<Merge>();
		for (m in 0...mergesWanted) {
			var pairs = new haxe.ds.IntMap<Int>();
			for (w in 0...words.length) {
				var s = words[w];
				var count = counts[w];
				for (i in 0...s.length - 1) {
					var k = key(s[i], s[i + 1]);
					var seen = pairs.get(k);
					pairs.set(k, seen == null ? count : seen + count);
				}
			}
			var best = -1, bestCount = 0;
			for (k => count in pairs) {
				if (count > bestCount || (count == bestCount && k < best)) {
					best = k;
					bestCount = count;
				}
			}
			if (best < 0) // no pair left
				break;
			var a = best >> 16, b = best & 0xFFFF;
			merges.push(new Merge(a, b, bestCount));
			for (s in words)
				if (s.length >= 2)
					merge(s, a, b, 256 + m);
		}

		// Encode: in each chunk, merge the adjacent pair of lowest rank until none has a rank.
		var ranks = new haxe.ds.IntMap<Int>();
		for (r in 0...merges.length)
			ranks.set(key(merges[r].a, merges[r].b), r);
		var noRank = merges.length;
		var tokens = 0;
		var checksum = 0.0; // Float: checksum * 31 exceeds 32 bits before the modulo
		for (chunk in chunks(heldout)) {
			var ids = symbols(chunk);
			while (ids.length >= 2) {
				var bestRank = noRank;
				for (i in 0...ids.length - 1) {
					var r = ranks.get(key(ids[i], ids[i + 1]));
					if (r != null && r < bestRank)
						bestRank = r;
				}
				if (bestRank == noRank)
					break;
				merge(ids, merges[bestRank].a, merges[bestRank].b, 256 + bestRank);
			}
			for (id in ids)
				checksum = (checksum * 31 + id) % CHECKSUM_MODULUS;
			tokens += ids.length;
		}

		var mergesChecksum = 0.0;
		for (mg in merges) {
			mergesChecksum = (mergesChecksum * 31 + mg.a) % CHECKSUM_MODULUS;
			mergesChecksum = (mergesChecksum * 31 + mg.b) % CHECKSUM_MODULUS;
		}
		var out = new StringBuf();
		out.add('merges ${merges.length}\nvocab ${256 + merges.length}\n');
		for (r in 0...(merges.length < SHOWN_MERGES ? merges.length : SHOWN_MERGES))
			out.add('merge ${256 + r} = ${merges[r].a} ${merges[r].b} count ${merges[r].count}\n');
		out.add('merges_checksum ${Std.int(mergesChecksum)}\nheldout_bytes ${byteLength(heldout)}\n');
		out.add('tokens $tokens\nchecksum ${Std.int(checksum)}\n');
		return out.toString();
	}

	static function checkGenerator() {
		var rng = new Rng(42);
		for (expected in [2027382.0, 1226992407.0, 551494037.0]) {
			var got = rng.next();
			if (got != expected)
				throw new haxe.Exception('generator test vector mismatch: expected ${Std.int(expected)}, got $got');
		}
	}

	static function buildTexts(p:Params) {
		var seed = p.float("seed");
		var vocabSize = p.int("vocab");
		var words = p.int("words");
		var testSeed = p.float("test_seed");
		var testWords = p.int("test_words");
		if (seed < 1 || seed >= 2147483647.0 || testSeed < 1 || testSeed >= 2147483647.0)
			throw new ParamError('parameters seed=$seed and test_seed=$testSeed must be in 1..2147483646');
		if (vocabSize < 1 || vocabSize > 67108864) // r * s below 2^53, so the skewed pick stays exact
			throw new ParamError('parameter vocab=$vocabSize must be in 1..67108864');
		if (words < 1 || testWords < 1)
			throw new ParamError('parameters words=$words and test_words=$testWords must be at least 1');
		var rng = new Rng(seed);
		var vocab = [for (_ in 0...vocabSize) makeWord(rng)];
		var c = textOf(rng, vocab, words, false);
		heldout = textOf(new Rng(testSeed), vocab, testWords, true);
		corpus = c;
	}

	static function makeWord(rng:Rng):String {
		var w = new StringBuf();
		for (_ in 0...1 + rng.below(3)) {
			w.addChar(StringTools.fastCodeAt(CONSONANTS, rng.below(CONSONANTS.length)));
			w.addChar(StringTools.fastCodeAt(VOWELS, rng.below(VOWELS.length)));
			if (rng.below(4) == 0)
				w.addChar(StringTools.fastCodeAt(CONSONANTS, rng.below(CONSONANTS.length)));
		}
		return w.toString();
	}

	/** `count` words of `vocab`, skewed towards its start, joined by single spaces. **/
	static function textOf(rng:Rng, vocab:Array<String>, count:Int, withNewWords:Bool):String {
		var n:Float = vocab.length;
		var words = new Array<String>();
		for (_ in 0...count) {
			if (withNewWords && rng.below(10) == 0) {
				words.push(makeWord(rng));
			} else {
				var r = rng.next() % n;
				var rs = r * (rng.next() % n);
				// Exact integer division: rs - rs % n is a multiple of n.
				words.push(vocab[Std.int((rs - rs % n) / n)]);
			}
		}
		return words.join(" ");
	}

	/** Pre-tokenisation: each chunk is a word with the space before it (none for the first word). **/
	static function chunks(text:String):Array<String> {
		var words = text.split(" ");
		var out = [words[0]];
		for (i in 1...words.length)
			out.push(" " + words[i]);
		return out;
	}

	static function symbols(chunk:String):Array<Int>
		return [for (i in 0...byteLength(chunk)) codeAt(chunk, i)];

	static inline function key(a:Int, b:Int):Int
		return a << 16 | b; // ids stay below 32768, so the key stays below 2^31

	/** Replaces every occurrence of (a, b), left to right and not overlapping, by `id`, in place. **/
	static function merge(s:Array<Int>, a:Int, b:Int, id:Int) {
		var n = s.length;
		var i = 0, j = 0;
		while (i < n) {
			if (i + 1 < n && s[i] == a && s[i + 1] == b) {
				s[j] = id;
				i += 2;
			} else {
				s[j] = s[i];
				i += 1;
			}
			j++;
		}
		s.resize(j);
	}

	/*
		Byte access. The text is ASCII, so bytes and characters agree; PHP gets byte access
		because Haxe's PHP strings are UTF-8 aware (mb_substr, mb_strlen).
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
