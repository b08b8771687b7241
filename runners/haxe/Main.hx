// Haxe runner (shared by every Haxe target): runs Workload.run under the benchmatrix runner protocol (runners/PROTOCOL.md),
// or, given bm.service=1, hands the process to Workload.serve (a service workload, runners/SERVICE.md).
import Params.ParamError;

#if python
@:pythonImport("time")
private extern class PyTime {
	static function perf_counter_ns():Float;
}
#end

#if (cpp && !cppia)
@:cppFileCode("#include <chrono>")
#end
class Main {
	#if sys
	static final stdout = Sys.stdout();
	#end

	/** The result of the iteration being timed (a static field: storing into it is a side effect, see run). **/
	#if js
	static var latest:Dynamic; // a String, or the js.lib.Promise<String> of an asynchronous workload (runAsync)
	#else
	static var latest:String;
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
		var warmup = 0, iterations = 1, cycle = 1;
		var service = false;
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
				case "bm.cycle":
					cycle = runnerInt(key, value, 1);
				case "bm.service":
					if (value != "1")
						throw new ParamError('malformed runner parameter bm.service=$value (expected 1)');
					service = true;
				case _ if (StringTools.startsWith(key, "bm.")):
					throw new ParamError('unknown runner parameter $key');
				case _:
					workload.set(key, value);
			}
		}
		if (service)
			return serve(new Params(workload));
		var total = warmup + iterations;
		if (cycle > total)
			throw new ParamError('runner parameter bm.cycle=$cycle is more than bm.warmup + bm.iterations = $total');
		var params = new Params(workload);
		// The results of iterations 0..cycle; every later one is compared with the one a cycle
		// before, which (by induction) equals units[i % cycle]. Only `cycle` results are kept.
		var units = new Array<String>();
		print("#bm ready\n");
		for (i in 0...total) {
			params.iteration = i;
			var t0 = now();
			// The result is stored in a static field before the clock is read again: a store is a side
			// effect, so Haxe's analyzer (-D analyzer-optimize) cannot move the work past the second reading.
			latest = Workload.run(params);
			var ns = elapsedNs(t0, now());
			#if js
			// An asynchronous workload (a client) returns a Promise: the iteration then ends when it
			// settles, and it and the rest of the run continue on the event loop (runAsync). Tested after
			// the clock, so a synchronous workload's timed region is exactly what it was.
			if (isThenable(latest)) {
				runAsync(params, i, t0, latest, warmup, total, cycle, units);
				return 0;
			}
			#end
			print('#bm iter $i ${i < warmup ? "warmup" : "measured"} ${formatNs(ns)}\n');
			if (i < cycle) {
				units.push(latest);
			} else if (latest != units[i % cycle]) {
				print('#bm error nondeterministic result at iteration $i\n');
				return 3;
			}
		}
		latest = null;
		var out = new StringBuf();
		for (unit in units)
			out.add(unit.length == 0 || StringTools.endsWith(unit, "\n") ? unit : unit + "\n");
		print(out.toString());
		print("#bm done\n");
		return 0;
	}

	#if js
	static function isThenable(x:Dynamic):Bool
		return x != null && js.Syntax.typeof(x) == "object" && js.Syntax.typeof(x.then) == "function";

	/**
		The loop of run() from iteration i on, for a Workload.run that returned the promise `pending`
		(started at t0), as runners/node/runner.js does: each iteration's time runs from just before
		Workload.run to when its promise settles, so it covers the asynchronous work.
	**/
	static function runAsync(params:Params, i:Int, t0:Dynamic, pending:Dynamic, warmup:Int, total:Int, cycle:Int, units:Array<String>) {
		function failed(e:Dynamic) {
			var message:String = Std.isOfType(e, haxe.Exception) ? (e : haxe.Exception).message : (e != null && e.message != null ? e.message : Std.string(e));
			print("#bm error " + StringTools.replace(message, "\n", " ") + "\n");
			exit(1);
		}
		function settled(result:Dynamic) {
			var ns = elapsedNs(t0, now());
			print('#bm iter $i ${i < warmup ? "warmup" : "measured"} ${formatNs(ns)}\n');
			if (!Std.isOfType(result, String)) {
				print("#bm error Workload.run's promise resolved to something other than a String\n");
				exit(1);
				return;
			}
			if (i < cycle) {
				units.push(result);
			} else if (result != units[i % cycle]) {
				print('#bm error nondeterministic result at iteration $i\n');
				exit(3);
				return;
			}
			if (++i >= total) {
				var out = new StringBuf();
				for (unit in units)
					out.add(unit.length == 0 || StringTools.endsWith(unit, "\n") ? unit : unit + "\n");
				print(out.toString());
				print("#bm done\n");
				return;
			}
			params.iteration = i;
			t0 = now();
			try {
				pending = Workload.run(params);
			} catch (e:ParamError) {
				printErr(e.message);
				exit(2);
				return;
			}
			js.lib.Promise.resolve(pending).then(settled).catchError(failed);
		}
		js.lib.Promise.resolve(pending).then(settled).catchError(failed);
	}
	#end

	/**
		A service workload: Workload.serve(params) serves until SIGTERM and prints the protocol's lines
		itself (on js it returns at once and serves from the event loop). Looked up by reflection, because
		only service workloads define it (theirs is @:keep, so -dce full leaves it in): a static call would
		not compile against the batch workloads.
	**/
	static function serve(params:Params):Int {
		var serve = Reflect.field(Workload, "serve");
		if (serve == null || !Reflect.isFunction(serve))
			throw new ParamError("bm.service=1 given, but this workload has no Workload.serve (it is not a service)");
		Reflect.callMethod(Workload, serve, [params]);
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
		- cpp: std::chrono::steady_clock, monotonic, ns (hxcpp's Timer.stamp is gettimeofday); not under cppia, whose
		  scripts cannot hold C++ code: there Timer.stamp, as for neko;
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
		#elseif (cpp && !cppia)
		return steadyNs();
		#elseif java
		return cast(java.lang.System.nanoTime(), Float);
		#elseif cs
		return cs.Syntax.code("(double)global::System.Diagnostics.Stopwatch.GetTimestamp()");
		#else
		return haxe.Timer.stamp();
		#end
	}

	#if (cpp && !cppia)
	/**
		std::chrono::steady_clock in ns. Not inline, unlike now(): its C++ needs <chrono>, which only
		Main's own file includes (the @:cppFileCode above), and a workload that reads the clock
		(Main.now in chat-client's SysClient) would otherwise get this code in its own file.
	**/
	static function steadyNs():Float
		return untyped __cpp__("(double)std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count()");
	#end

	static inline function elapsedNs(t0:Float, t1:Float):Float {
		#if (python || php || (cpp && !cppia) || java)
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
		#elseif cppia
		// The cppia host passes the script's own path first.
		return Sys.args().slice(1);
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
