// Haxe runner (shared by every Haxe target): runs Workload.run under the benchmatrix runner protocol (runners/PROTOCOL.md).
import Params.ParamError;

#if python
@:pythonImport("time")
private extern class PyTime {
	static function perf_counter_ns():Float;
}
#end

#if cpp
@:cppFileCode("#include <chrono>")
#end
class Main {
	#if sys
	static final stdout = Sys.stdout();
	#end

	static function main() {
		var code = try {
			run(commandLine());
		} catch (e:ParamError) {
			printErr(e.message);
			2;
		} catch (e:haxe.Exception) {
			print("#bm error " + StringTools.replace(e.message, "\n", " ") + "\n");
			1;
		}
		if (code != 0)
			exit(code);
	}

	static function run(args:Array<String>):Int {
		var workload = new Map<String, String>();
		var warmup = 0, iterations = 1;
		for (arg in args) {
			var eq = arg.indexOf("=");
			if (eq <= 0)
				throw new ParamError('malformed argument "$arg" (expected key=value)');
			var key = arg.substr(0, eq), value = arg.substr(eq + 1);
			switch key {
				case "bm.warmup":
					warmup = runnerInt(key, value, 0);
				case "bm.iterations":
					iterations = runnerInt(key, value, 1);
				case _ if (StringTools.startsWith(key, "bm.")):
					throw new ParamError('unknown runner parameter $key');
				case _:
					workload.set(key, value);
			}
		}
		var params = new Params(workload);
		var results = new Array<String>();
		print("#bm ready\n");
		for (i in 0...warmup + iterations) {
			var t0 = now();
			// The result is stored before the clock is read again: a store is a side effect, so
			// Haxe's analyzer (-D analyzer-optimize) cannot move the work past the second reading.
			results.push(Workload.run(params));
			var ns = elapsedNs(t0, now());
			print('#bm iter $i ${i < warmup ? "warmup" : "measured"} ${formatNs(ns)}\n');
			if (results[i] != results[0]) {
				print('#bm error nondeterministic result at iteration $i\n');
				return 3;
			}
		}
		var result = results[0];
		print(result.length == 0 || StringTools.endsWith(result, "\n") ? result : result + "\n");
		print("#bm done\n");
		return 0;
	}

	static function runnerInt(key:String, value:String, min:Int):Int {
		var v = Params.parseInteger(value);
		if (v == null || v < min || v > 2147483647.0)
			throw new ParamError('malformed runner parameter $key=$value (expected an integer >= $min)');
		return Std.int(v);
	}

	/*
		The clock of each target, read in its own units and converted by elapsedNs:
		- js: process.hrtime.bigint(), monotonic, integer ns (subtracted as BigInt, so no precision is lost);
		- python: time.perf_counter_ns(), monotonic, integer ns (Python ints: exact);
		- php: hrtime(true), monotonic, integer ns;
		- cpp: std::chrono::steady_clock, monotonic, ns (hxcpp's Timer.stamp is gettimeofday);
		- jvm: System.nanoTime(), monotonic, ns;
		- cs: Stopwatch.GetTimestamp(), monotonic, in Stopwatch.Frequency ticks per second;
		- neko, eval, hl (and anything else): haxe.Timer.stamp(), which is Sys.time(), the wall clock
		  (gettimeofday, microsecond resolution), because these runtimes expose no monotonic clock.
	*/
	#if js
	static inline function now():Dynamic
		return js.Syntax.code("process.hrtime.bigint()");

	static inline function elapsedNs(t0:Dynamic, t1:Dynamic):Float
		return js.Syntax.code("Number({1} - {0})", t0, t1);
	#else
	static inline function now():Float {
		#if python
		return PyTime.perf_counter_ns();
		#elseif php
		return php.Syntax.code("hrtime(true)");
		#elseif cpp
		return untyped __cpp__("(double)std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count()");
		#elseif java
		return cast(java.lang.System.nanoTime(), Float);
		#elseif cs
		return cs.Syntax.code("(double)global::System.Diagnostics.Stopwatch.GetTimestamp()");
		#else
		return haxe.Timer.stamp();
		#end
	}

	static inline function elapsedNs(t0:Float, t1:Float):Float {
		#if (python || php || cpp || java)
		return t1 - t0;
		#elseif cs
		return (t1 - t0) * (1e9 / (cs.Syntax.code("(double)global::System.Diagnostics.Stopwatch.Frequency") : Float));
		#else
		return (t1 - t0) * 1e9;
		#end
	}
	#end

	/** Integer nanoseconds without exponent or Int overflow: durations above 2^31 ns (2.1 s) are common. **/
	static function formatNs(ns:Float):String {
		// Only the wall-clock fallback can step backwards; a negative duration is meaningless.
		ns = ns < 0 ? 0 : Math.fround(ns);
		var seconds = Math.ffloor(ns / 1e9);
		var rest = Std.string(Std.int(ns - seconds * 1e9));
		return seconds > 0 ? Std.string(Std.int(seconds)) + StringTools.lpad(rest, "0", 9) : rest;
	}

	static function commandLine():Array<String> {
		#if js
		return js.Syntax.code("process.argv.slice(2)");
		#else
		return Sys.args();
		#end
	}

	static function print(s:String) {
		#if js
		// Synchronous for files and pipes on Linux, so the lines keep their order and are out before exit.
		js.Syntax.code("process.stdout.write({0})", s);
		#else
		stdout.writeString(s);
		stdout.flush();
		#end
	}

	static function printErr(s:String) {
		#if js
		js.Syntax.code("process.stderr.write({0})", s + "\n");
		#else
		Sys.stderr().writeString(s + "\n");
		Sys.stderr().flush();
		#end
	}

	static function exit(code:Int) {
		#if js
		// Setting the code instead of process.exit() lets Node drain stdout before it exits.
		js.Syntax.code("process.exitCode = {0}", code);
		#else
		Sys.exit(code);
		#end
	}
}
