// Haxe runner: the workload parameters (`key=value` arguments) handed to Workload.run, read strictly by name.

/** A missing or malformed argument: the runner reports it on stderr and exits with status 2. **/
class ParamError extends haxe.Exception {}

class Params {
	final values:Map<String, String>;

	/** The index of the current iteration, 0-based, warm-ups included; with bm.cycle=D the unit is iteration % D. Set by the runner. **/
	@:allow(Main)
	public var iteration(default, null):Int = 0;

	public function new(values:Map<String, String>) {
		this.values = values;
	}

	/** An integer parameter that must fit a 32-bit Int (the Int of js, cpp, jvm, cs and hl). **/
	public function int(key:String):Int {
		var v = float(key);
		if (v < -2147483648.0 || v > 2147483647.0)
			throw new ParamError('parameter $key=${values.get(key)} does not fit in a 32-bit Int');
		return Std.int(v);
	}

	/** An integer parameter as a Float, exact up to 2^53: for values that may exceed 32 bits. **/
	public function float(key:String):Float {
		var s = values.get(key);
		if (s == null)
			throw new ParamError('missing parameter $key');
		var v = parseInteger(s);
		if (v == null)
			throw new ParamError('malformed parameter $key=$s (expected a decimal integer)');
		return v;
	}

	/**
		Strict decimal parsing: Std.parseInt accepts "12abc", "0x1F" and leading blanks
		on some targets, so the digits are checked by hand. null when malformed or
		beyond 2^53 (where a Float stops being exact).
	**/
	public static function parseInteger(s:String):Null<Float> {
		var negative = StringTools.startsWith(s, "-");
		var start = negative ? 1 : 0;
		if (s.length == start || s.length - start > 16)
			return null;
		var v = 0.0;
		for (i in start...s.length) {
			var d = StringTools.fastCodeAt(s, i) - "0".code;
			if (d < 0 || d > 9)
				return null;
			v = v * 10 + d;
		}
		if (v > 9007199254740992.0)
			return null;
		return negative ? -v : v;
	}
}
