// chat-service workload in Haxe (workloads/chat-service/README.md, runners/SERVICE.md): an
// OpenAI-style chat-completions HTTP/1.1 server, haxe.Json for parsing on every target. The runner
// (runners/haxe/Main.hx) calls Workload.serve when it is given bm.service=1.
//
// On the sys targets (php, python, cpp, cs) it is one thread: a non-blocking (on cs blocking, see
// Net.listen) listening socket and connections driven by Socket.select, a minimal HTTP/1.1 reader (request
// line, headers, Content-Length bodies, keep-alive) and one event of a stream written per turn of
// the loop, the next only once that one is out and its delay (a per-connection due time) has passed,
// so no connection waits on another's sleep. SIGTERM sets a flag the loop reads (select waits at
// most MAX_WAIT_S): through pcntl on php, the signal module on python, a C handler on cpp, Mono.Posix's
// UnixSignal on cs.
//
// On js (haxe-js, haxe-js-es6: Node.js) it is Node's http server on the one event loop, as
// workloads/chat-service/node/main.js, with process.on('SIGTERM').
import Params.ParamError;
import haxe.Json;
import haxe.io.Bytes;

// Targets whose Haxe 4.2.5 runtime lacks what the server needs stop at build time with the reason
// (the same reasons are in workload.toml's [unsupported], so the matrix does not build them).
#if lua
#error "chat-service has no Haxe server on Lua: Haxe 4.2.5's Lua sys.net.Socket reads until it has every byte asked for (it cannot return what has arrived) and its select returns new Socket wrappers"
#elseif (java || jvm)
#error "chat-service has no Haxe server on the JVM targets: Haxe 4.2.5's sys.net.Socket.select there throws NotImplementedException"
#elseif neko
#error "chat-service has no Haxe server on Neko: Neko has no way to handle a signal (neither its std library nor Haxe's neko API installs a handler), so SIGTERM kills it (status 143) before it can print #bm done and exit 0"
#elseif hl
#error "chat-service has no Haxe server on HashLink: its runtime has no way to handle a signal, so SIGTERM kills it before it can print #bm done and exit 0"
#elseif cppia
#error "chat-service has no Haxe server on cppia: a script cannot hold the C code a SIGTERM handler needs, and the host's standard library has no signal API"
#elseif eval
#error "chat-service has no Haxe server on eval: eval's sys.net.Socket lets OCaml's Unix_error escape as an error Haxe code cannot catch when select is interrupted by a signal (EINTR) and when a client resets its connection (ECONNRESET from recv; a write after a reset raises SIGPIPE, or EPIPE once that is handled), so one client that leaves mid-stream ends the server; a robust eval server would be written on eval.luv's Tcp"
#end

#if (cpp && !cppia)
@:cppFileCode("#include <signal.h>\nstatic volatile sig_atomic_t bm_sigterm = 0;\nstatic void bm_on_sigterm(int) { bm_sigterm = 1; }")
#end
class Workload {
	public static inline var MAX_BODY = 1 << 20;

	/** An oversized body up to this is read to its end before the 413, so the client sees the answer; beyond it, 413 at once. **/
	public static inline var DISCARD_LIMIT = 16 << 20;

	/** The batch entry point every Haxe workload has; a service is run with bm.service=1. **/
	public static function run(p:Params):String
		throw new ParamError("chat-service is a service workload: run it with bm.service=1 (runners/SERVICE.md)");

	/** Called by the runner for bm.service=1: serves until SIGTERM (on js: returns, and Node serves). **/
	@:keep
	public static function serve(p:Params):Void {
		var port = p.int("port");
		if (port < 0 || port > 65535)
			throw new ParamError('parameter port=$port is not a TCP port');
		#if js
		NodeServer.start(port);
		#else
		new SysServer(port).loop();
		#end
	}

	public static function print(s:String)
		@:privateAccess Main.print(s);

	#if (cpp && !cppia)
	public static function installSigterm()
		untyped __cpp__("signal(SIGTERM, bm_on_sigterm); signal(SIGPIPE, SIG_IGN)");

	public static function sigterm():Bool
		return untyped __cpp__("bm_sigterm != 0");
	#end

	#if cs
	/**
		SIGTERM through Mono.Posix's UnixSignal, as the native C# server does (Mono's way to handle
		a signal). The assembly is found by its name when the server starts, because haxe-cs's
		build references only the framework's core assemblies; the IsSet getter is bound once to
		a delegate, so the loop reads it as a plain call, without reflection.
	**/
	static var sigtermIsSet:Dynamic;

	static inline var POSIX = ", Mono.Posix, Version=4.0.0.0, Culture=neutral, PublicKeyToken=0738eb9f132ed756";

	public static function installSigterm() {
		var signalType:Dynamic = cs.Syntax.code("global::System.Type.GetType({0}, true)", "Mono.Unix.UnixSignal" + POSIX);
		var signumType:Dynamic = cs.Syntax.code("global::System.Type.GetType({0}, true)", "Mono.Unix.Native.Signum" + POSIX);
		var signal:Dynamic = cs.Syntax.code("global::System.Activator.CreateInstance((global::System.Type){0}, new object[] { global::System.Enum.Parse((global::System.Type){1}, \"SIGTERM\") })",
			signalType, signumType);
		sigtermIsSet = cs.Syntax.code("global::System.Delegate.CreateDelegate(typeof(global::System.Func<bool>), {0}, ((global::System.Type){1}).GetProperty(\"IsSet\").GetGetMethod())",
			signal, signalType);
	}

	public static function sigterm():Bool
		return cs.Syntax.code("((global::System.Func<bool>){0})()", sigtermIsSet);
	#end
}

/** What a chat request asks for. **/
enum Answer {
	Bad;
	Plain(json:String);
	Stream(h:String, tokens:Int, delayUs:Float);
}

/** The computation of README.md, shared by both servers. **/
class Chat {
	/** FNV-1a 32-bit of b as 8 hex digits; in Floats (exact below 2^53), because Int overflow differs by target (python and php do not wrap). **/
	public static function fnv1a(b:Bytes):String {
		var h = 2166136261.0;
		for (i in 0...b.length) {
			var lo = Std.int(h % 256);
			var x = h - lo + (lo ^ b.get(i));
			// x * 16777619 = x * 403 + x * 2^24; modulo 2^32 only x's low byte matters in the second term.
			h = (x * 403 + (x % 256) * 16777216) % 4294967296.0;
		}
		var s = "";
		for (_ in 0...8) {
			s = "0123456789abcdef".charAt(Std.int(h % 16)) + s;
			h = Math.ffloor(h / 16);
		}
		return s;
	}

	static inline function field(o:Dynamic, name:String):Dynamic
		return Type.typeof(o) == TObject ? Reflect.field(o, name) : null;

	/** A non-negative integral JSON number as an Int, else def. **/
	static function count(v:Dynamic, def:Int):Int {
		if (!Std.isOfType(v, Float))
			return def;
		var f:Float = v;
		return f >= 0 && f <= 1e9 && Math.ffloor(f) == f ? Std.int(f) : def;
	}

	public static function answer(body:String):Answer {
		try {
			var req:Dynamic = Json.parse(body);
			var messages:Dynamic = field(req, "messages");
			if (!Std.isOfType(messages, Array))
				return Bad;
			var list:Array<Dynamic> = messages;
			if (list.length == 0)
				return Bad;
			var content:Dynamic = field(list[list.length - 1], "content");
			if (!Std.isOfType(content, String))
				return Bad;
			var chars = 0;
			for (m in list) {
				var c:Dynamic = field(m, "content");
				if (Std.isOfType(c, String))
					chars += Bytes.ofString(c).length;
			}
			var bytes = Bytes.ofString(content);
			var h = fnv1a(bytes);
			var stream:Dynamic = field(req, "stream");
			if (Std.isOfType(stream, Bool) && stream == true)
				return Stream(h, count(field(req, "max_tokens"), 16), count(field(req, "bm_delay_us"), 0));
			var model:Dynamic = field(req, "model");
			var prompt = Std.int((chars + 3) / 4);
			return Plain(Json.stringify({
				choices: [
					{
						finish_reason: "stop",
						index: 0,
						message: {content: 'echo n=${bytes.length} fnv=$h', role: "assistant"}
					}
				],
				created: 1700000000,
				id: "chatcmpl-bm",
				model: Std.isOfType(model, String) ? model : "",
				object: "chat.completion",
				usage: {completion_tokens: 3, prompt_tokens: prompt, total_tokens: prompt + 3}
			}));
		} catch (e:Dynamic) {
			return Bad; // not JSON, or text that is not UTF-8
		}
	}

	public static function error(message:String, type:String):String
		return Json.stringify({error: {message: message, type: type}});

	/** The data of a stream's event i (ASCII only, so it is written as it stands). **/
	public static function event(h:String, i:Int):String
		return 'data: {"choices":[{"delta":{"content":"$h:$i "},"finish_reason":null,"index":0}],"id":"chatcmpl-bm","object":"chat.completion.chunk"}\n\n';

	public static final FINISH = 'data: {"choices":[{"delta":{},"finish_reason":"stop","index":0}],"id":"chatcmpl-bm","object":"chat.completion.chunk"}\n\n';
	public static final DONE = "data: [DONE]\n\n";
}

#if !js
/** The socket calls of the server: Haxe's sys.net.Socket, except on php (below). **/
#if php
typedef Sock = Dynamic;
#else
typedef Sock = sys.net.Socket;
#end

class Net {
	#if php
	// Haxe 4.2.5's php Socket reads and writes through an exported stream that does not follow
	// socket_set_nonblock, its accept allocates a socket it throws away, and its select drops every
	// readable socket but the first (chat-client's Workload.hx). So on php the server calls the
	// sockets extension itself.
	static inline function lastError(s:Sock):Int {
		var e:Int = php.Syntax.code("socket_last_error({0})", s);
		php.Syntax.code("socket_clear_error({0})", s);
		return e;
	}

	static inline function wouldBlock(e:Int):Bool
		return e == 11 || e == 4; // EAGAIN, EINTR

	public static function listen(port:Int):Sock {
		var s:Sock = php.Syntax.code("socket_create(AF_INET, SOCK_STREAM, SOL_TCP)");
		php.Syntax.code("socket_set_option({0}, SOL_SOCKET, SO_REUSEADDR, 1)", s);
		if (php.Syntax.code("!@socket_bind({0}, '127.0.0.1', {1}) || !@socket_listen({0}, 1024)", s, port))
			throw 'cannot listen on 127.0.0.1:$port: ' + php.Syntax.code("socket_strerror(socket_last_error({0}))", s);
		php.Syntax.code("socket_set_nonblock({0})", s);
		return s;
	}

	public static function port(s:Sock):Int
		return php.Syntax.code("(function ($s) { socket_getsockname($s, $a, $p); return $p; })({0})", s);

	public static function accept(l:Sock):Null<Sock> {
		var c:Dynamic = php.Syntax.code("@socket_accept({0})", l);
		if (php.Syntax.code("{0} === false", c)) {
			lastError(l);
			return null;
		}
		php.Syntax.code("socket_set_nonblock({0})", c);
		php.Syntax.code("socket_set_option({0}, SOL_TCP, TCP_NODELAY, 1)", c);
		return c;
	}

	public static function recv(s:Sock, buf:Bytes):Int {
		var r:Dynamic = php.Syntax.code("@socket_read({0}, {1}, PHP_BINARY_READ)", s, buf.length);
		if (php.Syntax.code("{0} === false", r))
			return wouldBlock(lastError(s)) ? 0 : -1;
		var data:String = r;
		var n:Int = php.Global.strlen(data);
		if (n == 0)
			return -1;
		buf.blit(0, Bytes.ofString(data), 0, n);
		return n;
	}

	public static function send(s:Sock, b:Bytes, pos:Int, len:Int):Int {
		var r:Dynamic = php.Syntax.code("@socket_write({0}, {1}, {2})", s, b.getString(pos, len), len);
		if (php.Syntax.code("{0} === false", r))
			return wouldBlock(lastError(s)) ? 0 : -1;
		return r;
	}

	public static function close(s:Sock)
		php.Syntax.code("@socket_close({0})", s);

	/** The indices of the readable and writable sockets; none when interrupted (a signal). **/
	public static function select(read:Array<Sock>, write:Array<Sock>, wait:Float):{read:Array<Int>, write:Array<Int>} {
		var sec = Std.int(wait);
		// socket_select refuses to be given no socket at all (at MAX_CONNS streams all waiting for their
		// due times, there is none to watch): then it is a sleep.
		var r:php.NativeIndexedArray<Dynamic> = php.Syntax.code("(function ($r, $w, $sec, $usec) { $e = null;
			if (!$r && !$w) { usleep($sec * 1000000 + $usec); return [[], []]; }
			$r = $r ?: null; $w = $w ?: null;
			return @socket_select($r, $w, $e, $sec, $usec) === false ? [[], []] : [$r ? array_keys($r) : [], $w ? array_keys($w) : []]; })({0}, {1}, {2}, {3})",
			php.Lib.toPhpArray(read), php.Lib.toPhpArray(write), sec, Std.int((wait - sec) * 1e6));
		var readIdx:Array<Int> = cast php.Lib.toHaxeArray(r[0]), writeIdx:Array<Int> = cast php.Lib.toHaxeArray(r[1]);
		return {read: readIdx, write: writeIdx};
	}
	#else
	public static function listen(port:Int):Sock {
		var s = new sys.net.Socket();
		s.bind(new sys.net.Host("127.0.0.1"), port);
		s.listen(1024);
		// On cs the sockets stay blocking and are read, accepted and written only when select says
		// they are ready: Haxe 4.2.5's cs Socket.accept wraps the new socket in a NetworkStream, which
		// refuses a non-blocking socket, and the accepted socket inherits the listener's mode. So there a
		// write larger than the socket's free buffer waits for the client instead of returning short.
		#if !cs
		s.setBlocking(false);
		#end
		return s;
	}

	public static function port(s:Sock):Int
		return s.host().port;

	public static function accept(l:Sock):Null<Sock> {
		var c = try l.accept() catch (e:Dynamic) null;
		if (c != null) {
			try {
				#if !cs
				c.setBlocking(false);
				#end
				c.setFastSend(true); // a stream's events must not wait for the client's delayed ACK
			} catch (e:Dynamic) {}
		}
		return c;
	}

	public static function recv(s:Sock, buf:Bytes):Int {
		try {
			var n = s.input.readBytes(buf, 0, buf.length);
			return n > 0 ? n : -1; // a readable socket with nothing to read has been closed
		} catch (e:haxe.io.Error) {
			return e == Blocked ? 0 : -1;
		} catch (e:Dynamic) {
			return -1; // Eof, a reset
		}
	}

	public static function send(s:Sock, b:Bytes, pos:Int, len:Int):Int {
		try {
			return s.output.writeBytes(b, pos, len);
		} catch (e:haxe.io.Error) {
			return e == Blocked ? 0 : -1;
		} catch (e:Dynamic) {
			return -1;
		}
	}

	public static function close(s:Sock)
		try s.close() catch (e:Dynamic) {};

	/** The indices of the readable and writable sockets; none when interrupted (a signal). **/
	public static function select(read:Array<Sock>, write:Array<Sock>, wait:Float):{read:Array<Int>, write:Array<Int>} {
		for (i in 0...read.length)
			read[i].custom = i;
		var r = try sys.net.Socket.select(read, write, [], wait) catch (e:Dynamic) return {read: [], write: []};
		var readIdx:Array<Int> = [for (s in r.read) s.custom];
		// A socket can be in both lists: its custom is renumbered for the second.
		for (i in 0...write.length)
			write[i].custom = i;
		return {read: readIdx, write: [for (s in r.write) s.custom]};
	}
	#end
}

/** Bytes received and not yet consumed: data[start, end). **/
class ByteQueue {
	public var data = Bytes.alloc(16384);
	public var start = 0;
	public var end = 0;

	public var length(get, never):Int;

	inline function get_length()
		return end - start;

	public function new() {}

	public function append(src:Bytes, len:Int) {
		if (end + len > data.length) {
			var n = end - start;
			if (n + len > data.length) {
				var grown = Bytes.alloc(Std.int(Math.max(data.length * 2, n + len)));
				grown.blit(0, data, start, n);
				data = grown;
			} else if (n > 0) {
				data.blit(0, data, start, n);
			}
			start = 0;
			end = n;
		}
		data.blit(end, src, 0, len);
		end += len;
	}

	/** The offset from start of the first CRLF CRLF, or -1. **/
	public function headEnd():Int {
		var i = start;
		while (i + 3 < end) {
			if (data.get(i) == 13 && data.get(i + 1) == 10 && data.get(i + 2) == 13 && data.get(i + 3) == 10)
				return i - start;
			i++;
		}
		return -1;
	}

	public function skip(n:Int) {
		start += n;
		if (start >= end)
			start = end = 0;
	}
}

/** A request whose head is parsed and whose body is awaited. **/
typedef Pending = {method:String, path:String, length:Int};

/** A stream in progress: the next event's index and when it is due. **/
typedef StreamState = {h:String, next:Int, tokens:Int, delayNs:Float, due:Float};

class Conn {
	public final sock:Sock;
	public final input = new ByteQueue();
	public var out:Bytes = null;
	public var outPos = 0;
	public var pending:Pending = null;
	public var stream:StreamState = null;

	/** Body bytes of an oversized request still to skip before its 413. **/
	public var discard = 0;

	/** Close once what is queued has been written. **/
	public var closing = false;

	public var dead = false;

	public function new(sock:Sock)
		this.sock = sock;
}

/** The sys targets' server: one thread, one select loop. **/
class SysServer {
	static inline var MAX_HEAD = 65536;

	/** The longest select wait: how soon a SIGTERM's flag is seen (python's select resumes after a handler). **/
	static inline var MAX_WAIT_S = 0.1;

	/**
		The most connections served at once: select(2) handles descriptors below FD_SETSIZE (1024) only
		(python raises, php refuses, OCaml's is undefined beyond), so past this the listening socket
		is not polled and further clients wait in its backlog until connections close.
	**/
	static inline var MAX_CONNS = 1000;

	static var stopping = false;

	static final REASONS = [
		200 => "OK", 400 => "Bad Request", 404 => "Not Found", 413 => "Payload Too Large", 429 => "Too Many Requests",
		500 => "Internal Server Error"
	];

	final listener:Sock;
	final conns:Array<Conn> = [];
	final buf = Bytes.alloc(65536);
	final origin = @:privateAccess Main.now();

	public function new(port:Int) {
		onSigterm();
		listener = Net.listen(port);
		Workload.print('#bm listening ${Net.port(listener)}\n');
	}

	/** Nanoseconds since the server started, on the runner's clock (monotonic where the target has one). **/
	inline function nowNs():Float
		return @:privateAccess Main.elapsedNs(origin, Main.now());

	static function onSigterm() {
		#if python
		python.Syntax.code("__import__('signal').signal(__import__('signal').SIGTERM, {0})", (_:Dynamic, _:Dynamic) -> stopping = true);
		#elseif php
		php.Syntax.code("pcntl_async_signals(true)");
		php.Syntax.code("pcntl_signal(SIGTERM, {0})", (_:Dynamic) -> stopping = true);
		#elseif ((cpp && !cppia) || cs)
		Workload.installSigterm();
		#end
	}

	public inline function loop()
		serveLoop();

	static inline function stopRequested():Bool {
		#if ((cpp && !cppia) || cs)
		if (Workload.sigterm())
			stopping = true;
		#end
		return stopping;
	}

	static inline var ACCEPTS_PER_TURN = #if cs 1 #else 64 #end;

	function serveLoop() {
		var reads:Array<Sock> = [], readConns:Array<Conn> = [];
		var writes:Array<Sock> = [], writeConns:Array<Conn> = [];
		while (!stopRequested()) {
			reads.resize(0);
			readConns.resize(0);
			writes.resize(0);
			writeConns.resize(0);
			if (conns.length < MAX_CONNS) {
				reads.push(listener);
				readConns.push(null);
			}
			var now = nowNs();
			var wait = MAX_WAIT_S;
			for (c in conns) {
				if (c.out != null) {
					writes.push(c.sock);
					writeConns.push(c);
				} else if (c.stream != null) {
					wait = Math.min(wait, Math.max(0, (c.stream.due - now) / 1e9));
				}
				// Read while a request is coming in, or until a Connection: close request is answered; not
				// while an answer waits for the kernel's buffer (the client is not reading either).
				if (c.out == null && c.stream == null && (!c.closing || c.pending != null || c.discard > 0)) {
					reads.push(c.sock);
					readConns.push(c);
				}
			}
			var ready = Net.select(reads, writes, wait);
			for (i in ready.read) {
				var c = readConns[i];
				if (c == null) {
					acceptSome();
					continue;
				}
				var n = Net.recv(c.sock, buf);
				if (n < 0)
					drop(c);
				else if (n > 0)
					c.input.append(buf, n);
			}
			for (i in ready.write) {
				var c = writeConns[i];
				if (!c.dead)
					flush(c);
			}
			now = nowNs();
			for (c in conns)
				if (!c.dead)
					step(c, now);
			var kept = 0;
			for (c in conns)
				if (!c.dead)
					conns[kept++] = c;
			conns.resize(kept);
		}
		Net.close(listener);
		Workload.print("#bm done\n");
		// Back to the runner, which exits 0; open connections go with the process.
	}

	function acceptSome() {
		// The listening socket is non-blocking, so accept returns null once none is waiting; on cs it
		// is blocking (Net.listen), so one connection per turn: the one select said is waiting.
		for (_ in 0...ACCEPTS_PER_TURN) {
			if (conns.length >= MAX_CONNS)
				return;
			var s = Net.accept(listener);
			if (s == null)
				return;
			conns.push(new Conn(s));
		}
	}

	function drop(c:Conn) {
		if (!c.dead) {
			c.dead = true;
			Net.close(c.sock);
		}
	}

	/** Writes what it can of c's queued bytes. **/
	function flush(c:Conn) {
		while (c.out != null) {
			var n = Net.send(c.sock, c.out, c.outPos, c.out.length - c.outPos);
			if (n < 0) {
				drop(c);
				return;
			}
			if (n == 0)
				return; // the kernel's buffer is full: select says when to go on
			c.outPos += n;
			if (c.outPos >= c.out.length) {
				c.out = null;
				c.outPos = 0;
			}
		}
	}

	function queue(c:Conn, s:String) {
		c.out = Bytes.ofString(s);
		c.outPos = 0;
		flush(c);
	}

	static function chunk(data:String):String
		return StringTools.hex(Bytes.ofString(data).length).toLowerCase() + "\r\n" + data + "\r\n";

	function reply(c:Conn, status:Int, type:String, body:String, ?extra:String) {
		var head = 'HTTP/1.1 $status ${REASONS.get(status)}\r\nContent-Type: $type\r\nContent-Length: ${Bytes.ofString(body).length}\r\n';
		if (extra != null)
			head += extra;
		if (c.closing)
			head += "Connection: close\r\n";
		queue(c, head + "\r\n" + body);
	}

	/** One turn for c: its stream's next event when due, else its next request if it is all in. **/
	function step(c:Conn, now:Float) {
		for (_ in 0...16) { // pipelined requests: a few per turn
			if (c.dead || c.out != null)
				return;
			var s = c.stream;
			if (s != null) {
				if (s.due > now)
					return;
				if (s.next < s.tokens) {
					queue(c, chunk(Chat.event(s.h, s.next)));
					s.next++;
					s.due = s.next < s.tokens ? now + s.delayNs : now; // the delay comes before each token, not the finish
				} else if (s.next == s.tokens) {
					queue(c, chunk(Chat.FINISH));
					s.next++;
				} else {
					c.stream = null;
					queue(c, chunk(Chat.DONE) + "0\r\n\r\n");
				}
				return; // one event per turn
			}
			if (c.discard > 0) {
				var n = Std.int(Math.min(c.discard, c.input.length));
				c.input.skip(n);
				c.discard -= n;
				if (c.discard > 0)
					return;
				c.closing = true;
				reply(c, 413, "application/json", Chat.error("request too large", "invalid_request_error"));
				return;
			}
			if (c.pending == null) {
				if (c.closing) { // the last answer is out
					drop(c);
					return;
				}
				if (!readHead(c))
					return;
			}
			var p = c.pending;
			if (c.input.length < p.length)
				return;
			var body = p.length == 0 ? "" : try c.input.data.getString(c.input.start, p.length) catch (e:Dynamic) null;
			c.input.skip(p.length);
			c.pending = null;
			route(c, p.method, p.path, body, now);
		}
	}

	/** Parses a request head if it is all in; false when more is needed (or c was dropped). **/
	function readHead(c:Conn):Bool {
		var end = c.input.headEnd();
		if (end < 0) {
			if (c.input.length > MAX_HEAD)
				drop(c);
			return false;
		}
		var head = c.input.data.getString(c.input.start, end);
		c.input.skip(end + 4);
		var lines = head.split("\r\n");
		var parts = lines[0].split(" ");
		if (parts.length != 3 || !StringTools.startsWith(parts[2], "HTTP/1.")) {
			drop(c);
			return false;
		}
		var length = 0.0;
		if (parts[2] == "HTTP/1.0")
			c.closing = true;
		for (k in 1...lines.length) {
			var colon = lines[k].indexOf(":");
			if (colon <= 0)
				continue;
			var name = StringTools.trim(lines[k].substr(0, colon)).toLowerCase();
			var value = StringTools.trim(lines[k].substr(colon + 1));
			if (name == "content-length") {
				var v = Params.parseInteger(value);
				if (v == null || v < 0) {
					c.closing = true;
					reply(c, 400, "application/json", Chat.error("malformed request", "invalid_request_error"));
					return false;
				}
				length = v;
			} else if (name == "connection") {
				c.closing = value.toLowerCase() == "close" || (parts[2] == "HTTP/1.0" && value.toLowerCase() != "keep-alive");
			} else if (name == "transfer-encoding") {
				// Only Content-Length bodies are read: a chunked body cannot be framed, so the connection ends.
				c.closing = true;
				reply(c, 400, "application/json", Chat.error("malformed request", "invalid_request_error"));
				return false;
			}
		}
		if (length > Workload.MAX_BODY) {
			if (length <= Workload.DISCARD_LIMIT) {
				c.discard = Std.int(length);
			} else {
				c.closing = true;
				reply(c, 413, "application/json", Chat.error("request too large", "invalid_request_error"));
			}
			return false;
		}
		var target = parts[1];
		var q = target.indexOf("?");
		c.pending = {method: parts[0], path: q < 0 ? target : target.substr(0, q), length: Std.int(length)};
		return true;
	}

	function route(c:Conn, method:String, path:String, body:String, now:Float) {
		if (method == "GET" && path == "/healthz")
			reply(c, 200, "text/plain", "ok");
		else if (method == "POST" && path == "/v1/chat/completions:rate")
			reply(c, 429, "application/json", Chat.error("rate limited", "rate_limit_error"), "Retry-After: 1\r\n");
		else if (method == "POST" && path == "/v1/chat/completions:error")
			reply(c, 500, "application/json", Chat.error("internal error", "server_error"));
		else if (method == "POST" && path == "/v1/chat/completions") {
			switch body == null ? Bad : Chat.answer(body) {
				case Bad:
					reply(c, 400, "application/json", Chat.error("malformed request", "invalid_request_error"));
				case Plain(json):
					reply(c, 200, "application/json", json);
				case Stream(h, tokens, delayUs):
					var delayNs = delayUs * 1000;
					c.stream = {h: h, next: 0, tokens: tokens, delayNs: delayNs, due: now + delayNs};
					queue(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n"
						+ (c.closing ? "Connection: close\r\n" : "") + "\r\n");
			}
		} else
			reply(c, 404, "application/json", Chat.error("not found", "not_found_error"));
	}
}
#end

#if js
/** The js server: Node's http module on the one event loop (as workloads/chat-service/node/main.js). **/
class NodeServer {
	public static function start(port:Int) {
		var http:Dynamic = js.Lib.require("http");
		var server:Dynamic = http.createServer(handle);
		server.keepAliveTimeout = 60000;
		server.on("connection", (s:Dynamic) -> s.setNoDelay(true));
		server.listen(port, "127.0.0.1", () -> Workload.print('#bm listening ${server.address().port}\n'));
		var proc:Dynamic = js.Syntax.code("process");
		proc.on("SIGTERM", () -> {
			server.close();
			Workload.print("#bm done\n"); // synchronous on a pipe (the runner's print), so it is out before exit
			proc.exit(0);
		});
	}

	static function reply(res:Dynamic, status:Int, type:String, body:String, ?extra:Dynamic) {
		var headers:Dynamic = {"Content-Type": type, "Content-Length": js.Syntax.code("Buffer.byteLength({0})", body)};
		if (extra != null)
			for (k in Reflect.fields(extra))
				Reflect.setField(headers, k, Reflect.field(extra, k));
		res.writeHead(status, headers);
		res.end(body);
	}

	static function handle(req:Dynamic, res:Dynamic) {
		var chunks:Array<Dynamic> = [];
		var size = 0;
		req.on("data", (c:Dynamic) -> {
			size += c.length;
			if (size <= Workload.MAX_BODY)
				chunks.push(c);
		});
		req.on("end", () -> {
			if (size > Workload.MAX_BODY) {
				reply(res, 413, "application/json", Chat.error("request too large", "invalid_request_error"));
				return;
			}
			var url:String = req.url;
			var path = url.split("?")[0];
			var method:String = req.method;
			if (method == "GET" && path == "/healthz")
				reply(res, 200, "text/plain", "ok");
			else if (method == "POST" && path == "/v1/chat/completions:rate")
				reply(res, 429, "application/json", Chat.error("rate limited", "rate_limit_error"), {"Retry-After": "1"});
			else if (method == "POST" && path == "/v1/chat/completions:error")
				reply(res, 500, "application/json", Chat.error("internal error", "server_error"));
			else if (method == "POST" && path == "/v1/chat/completions") {
				var body:String = js.Syntax.code("Buffer.concat({0}).toString('utf8')", chunks);
				switch Chat.answer(body) {
					case Bad:
						reply(res, 400, "application/json", Chat.error("malformed request", "invalid_request_error"));
					case Plain(json):
						reply(res, 200, "application/json", json);
					case Stream(h, tokens, delayUs):
						stream(res, h, tokens, delayUs);
				}
			} else
				reply(res, 404, "application/json", Chat.error("not found", "not_found_error"));
		});
	}

	/** The events one at a time: each after the delay, the next from a later turn of the event loop. **/
	static function stream(res:Dynamic, h:String, tokens:Int, delayUs:Float) {
		res.writeHead(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"});
		var i = 0;
		var later:() -> Void = null;
		function next() {
			if (res.destroyed)
				return;
			if (i < tokens) {
				res.write(Chat.event(h, i++));
				later();
			} else if (i == tokens) {
				i++;
				res.write(Chat.FINISH);
				later();
			} else {
				res.write(Chat.DONE);
				res.end();
			}
		}
		later = () -> {
			if (delayUs > 0 && i < tokens)
				js.Syntax.code("setTimeout({0}, {1})", next, delayUs / 1000);
			else
				js.Syntax.code("setImmediate({0})", next);
		};
		if (delayUs > 0)
			js.Syntax.code("setTimeout({0}, {1})", next, delayUs / 1000);
		else
			next();
	}
}
#end
