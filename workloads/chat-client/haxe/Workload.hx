// chat-client workload in Haxe (workloads/chat-client/README.md): an OpenAI-style chat-completions
// client, haxe.Json for JSON on every target.
//
// On the sys targets (eval, neko, php, python; cpp, cs and hl build the same code) this file
// carries its own small HTTP/1.1 client on sys.net.Socket, because Haxe has no pooled concurrent
// HTTP client: sys.Http is blocking, sends one request and closes its connection, and threads are
// not available on every target (Haxe's python and php have none). So: C workers on one thread,
// each owning one keep-alive connection (at most C), driven by sys.net.Socket.select; a worker
// sends its next request when its answer is complete; responses framed by Content-Length or
// chunked encoding are parsed as they arrive, and SSE streams event by event as they arrive.
// Sockets stay blocking (eval's setBlocking does nothing) and are read only when select says
// they are readable, so each read is one recv that does not wait. Writes are blocking, bounded by
// the socket timeout. Timing uses the runner's clock (Main.now: monotonic where the target has one).
//
// On js (haxe-js, haxe-js-es6: Node.js) it uses Node's http module with an
// http.Agent({keepAlive: true, maxSockets: C}), one event loop with C asynchronous workers; run
// returns a js.lib.Promise<String> that the runner (runners/haxe/Main.hx) awaits, timed.
import Params.ParamError;
import haxe.Json;

// Two sys targets lack what the socket client needs in Haxe 4.2.5's standard library; they
// fail at build time with the reason rather than at run time.
#if lua
#error "chat-client has no Haxe client on Lua: Haxe 4.2.5's Lua sys.net.Socket reads byte by byte until it has all the bytes asked for (it cannot return what has arrived) and its select returns new Socket wrappers; a Lua client would call luasocket directly"
#elseif (java || jvm)
#error "chat-client has no Haxe client on the JVM targets: Haxe 4.2.5's sys.net.Socket.select there throws NotImplementedException; a JVM client would use threads or java.net.http"
#end

#if !js
import haxe.io.Bytes;
import sys.net.Host;
import sys.net.Socket;
#end

#if js
typedef Clock = Dynamic;
#else
typedef Clock = Float;
#end

/** The settings of one run (README.md's parameters). **/
typedef Config = {
	var host:String;
	var port:Int;
	var concurrency:Int;
	var warmup:Int;
	var requests:Int;
	var streams:Int;
	var tokens:Int;
	var content:Int;
	var probe:Int;
	var retries:Int;
	var timeoutMs:Int;
}

/** One phase's tallies. **/
class Stats {
	public var requests = 0;
	public var ok = 0;
	public var status = 0;
	public var malformed = 0;
	public var timeout = 0;
	public var connect = 0;
	public var retries = 0;
	public var bytes = 0.0;
	public var tokens = 0;

	/** Unsigned 32-bit, kept in a Float: neko's Int has 31 bits and hxcpp's 32 are signed. **/
	public var checksum = 0.0;

	public var ns = 0.0;
	public var lat:Array<Int> = [];
	public var ttfb:Array<Int> = [];

	public function new() {}

	public function addChecksum(h:Float)
		checksum = (checksum + h) % 4294967296.0;

	public function line(name:String):String
		return 'phase $name requests=$requests ok=$ok status=$status malformed=$malformed timeout=$timeout connect=$connect '
			+ 'retries=$retries bytes=${Checks.integer(bytes)} tokens=$tokens checksum=${Checks.hex8(checksum)} ns=${@:privateAccess Main.formatNs(ns)}\n';
}

/** The answers' checks, shared by both clients. **/
class Checks {
	/** The value of s as 8 lowercase hex digits (unsigned, in a Float), or -1. **/
	public static function parseHex8(s:String, pos:Int):Float {
		if (s.length < pos + 8)
			return -1;
		var v = 0.0;
		for (i in pos...pos + 8) {
			var c = StringTools.fastCodeAt(s, i);
			var d = c >= "0".code && c <= "9".code ? c - "0".code : (c >= "a".code && c <= "f".code ? c - "a".code + 10 : -1);
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		return v;
	}

	public static function hex8(v:Float):String {
		var s = "";
		for (_ in 0...8) {
			s = "0123456789abcdef".charAt(Std.int(v % 16)) + s;
			v = Math.ffloor(v / 16);
		}
		return s;
	}

	/** A non-negative integral Float as decimal digits (Std.string may write 1e+21 or 12.0). **/
	public static function integer(v:Float):String {
		var s = "";
		do {
			s = Std.string(Std.int(v % 10)) + s;
			v = Math.ffloor(v / 10);
		} while (v > 0);
		return s;
	}

	/** o.name when o is a JSON object, else null. **/
	static function field(o:Dynamic, name:String):Dynamic
		return Type.typeof(o) == TObject ? Reflect.field(o, name) : null;

	/** a[0] when a is a non-empty JSON array, else null. **/
	static function first(a:Dynamic):Dynamic {
		if (!Std.isOfType(a, Array))
			return null;
		var arr:Array<Dynamic> = a;
		return arr.length > 0 ? arr[0] : null;
	}

	/** A plain answer's h, or -1 when it does not parse or its content is not `echo n=<n> fnv=<h>`. **/
	public static function plain(text:String):Float {
		var v:Dynamic;
		try {
			v = Json.parse(text);
		} catch (e:Dynamic) {
			return -1;
		}
		var c:Dynamic = field(field(first(field(v, "choices")), "message"), "content");
		if (!Std.isOfType(c, String))
			return -1;
		var s:String = c;
		if (!StringTools.startsWith(s, "echo n="))
			return -1;
		var i = 7;
		while (i < s.length && StringTools.fastCodeAt(s, i) >= "0".code && StringTools.fastCodeAt(s, i) <= "9".code)
			i++;
		if (i == 7 || s.substr(i, 5) != " fnv=" || s.length != i + 13)
			return -1;
		return parseHex8(s, i + 5);
	}

	/** A stream's h when its concatenated deltas are exactly `<h>:0 <h>:1 ... <h>:<T-1> `, else -1. **/
	public static function stream(text:String, tokens:Int):Float {
		var h = parseHex8(text, 0);
		if (h < 0)
			return -1;
		var prefix = text.substr(0, 8);
		var expected = new StringBuf();
		for (i in 0...tokens)
			expected.add('$prefix:$i ');
		return expected.toString() == text ? h : -1;
	}
}

/** A stream's SSE events, one at a time as they arrive: their deltas, the first one's time, [DONE]. **/
class Sse {
	public var done = false;
	public var bad = false;
	public var firstAt:Null<Clock> = null;

	final text = new StringBuf();

	public function new() {}

	/** One event (the text between two blank lines). **/
	public function event(ev:String) {
		if (done || bad)
			return; // the rest of the body is still read, so the connection stays reusable
		var data:String = null;
		for (line in ev.split("\n"))
			if (StringTools.startsWith(line, "data: "))
				data = data == null ? line.substr(6) : data + "\n" + line.substr(6);
		if (data == null)
			return; // a comment or a field other than data
		if (data == "[DONE]") {
			done = true;
			return;
		}
		var v:Dynamic;
		try {
			v = Json.parse(data);
		} catch (e:Dynamic) {
			bad = true;
			return;
		}
		var choices:Dynamic = Type.typeof(v) == TObject ? Reflect.field(v, "choices") : null;
		var choice:Dynamic = Std.isOfType(choices, Array) && (choices : Array<Dynamic>).length > 0 ? (choices : Array<Dynamic>)[0] : null;
		var delta:Dynamic = Type.typeof(choice) == TObject ? Reflect.field(choice, "delta") : null;
		if (Type.typeof(delta) != TObject) {
			bad = true;
			return;
		}
		var c:Dynamic = Reflect.field(delta, "content");
		if (c == null)
			return; // the finish event's empty delta
		if (!Std.isOfType(c, String)) {
			bad = true;
			return;
		}
		var s:String = c;
		if (s.length > 0 && firstAt == null)
			firstAt = Workload.now();
		text.add(s);
	}

	/** The concatenated deltas, or null when an event was bad or [DONE] never came. **/
	public function result():String
		return done && !bad ? text.toString() : null;
}

#if !js
/** Bytes received and not yet consumed: data[start, end). **/
class ByteQueue {
	public var data:Bytes;
	public var start = 0;
	public var end = 0;

	public var length(get, never):Int;

	inline function get_length()
		return end - start;

	public function new(capacity:Int)
		data = Bytes.alloc(capacity);

	public function append(src:Bytes, pos:Int, len:Int) {
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
		data.blit(end, src, pos, len);
		end += len;
	}

	/** The offset (from start) of the first occurrence of pattern, or -1. **/
	public function indexOf(pattern:Array<Int>):Int {
		var last = end - pattern.length;
		var i = start;
		while (i <= last) {
			var j = 0;
			while (j < pattern.length && data.get(i + j) == pattern[j])
				j++;
			if (j == pattern.length)
				return i - start;
			i++;
		}
		return -1;
	}

	/** The next n bytes as text, consumed. **/
	public function take(n:Int):String {
		var s = data.getString(start, n);
		skip(n);
		return s;
	}

	public function skip(n:Int) {
		start += n;
		if (start == end)
			start = end = 0;
	}

	public function clear()
		start = end = 0;
}

enum abstract ReadState(Int) {
	var Head;
	var Fixed;
	var ChunkSize;
	var ChunkData;
	var ChunkEnd;
	var Trailer;
	var UntilClose;
	var Complete;
}

/** One HTTP/1.1 response, parsed incrementally from its connection's bytes. **/
class Response {
	static final CRLF = [13, 10];
	static final HEAD_END = [13, 10, 13, 10];
	static inline var MAX_HEAD = 65536;

	public var status = 0;
	public var headers = new Map<String, String>();

	/** The connection cannot be reused after this response (Connection: close, or a body ended by close). **/
	public var close = false;

	var state = Head;
	var remaining = 0.0;
	final body:(Bytes, Int, Int) -> Void;

	/** body receives the response body's bytes (de-chunked) as they are parsed. **/
	public function new(body:(Bytes, Int, Int) -> Void)
		this.body = body;

	public var complete(get, never):Bool;

	inline function get_complete()
		return state == Complete;

	/** Consumes what it can of q; true when the response is complete. Throws on a protocol error. **/
	public function feed(q:ByteQueue):Bool {
		while (state != Complete) {
			switch state {
				case Head:
					var i = q.indexOf(HEAD_END);
					if (i < 0) {
						if (q.length > MAX_HEAD)
							throw "response head too long";
						return false;
					}
					var head = q.take(i);
					q.skip(4);
					parseHead(head);
				case Fixed | ChunkData:
					var n = Std.int(Math.min(remaining, q.length));
					if (n > 0) {
						body(q.data, q.start, n);
						q.skip(n);
						remaining -= n;
					}
					if (remaining > 0)
						return false;
					state = state == Fixed ? Complete : ChunkEnd;
				case ChunkSize:
					var i = q.indexOf(CRLF);
					if (i < 0)
						return false;
					var line = q.take(i);
					q.skip(2);
					var semi = line.indexOf(";");
					var size = parseHex(StringTools.trim(semi < 0 ? line : line.substr(0, semi)));
					if (size < 0)
						throw "bad chunk size";
					if (size == 0) {
						state = Trailer;
					} else {
						remaining = size;
						state = ChunkData;
					}
				case ChunkEnd:
					if (q.length < 2)
						return false;
					if (q.data.get(q.start) != 13 || q.data.get(q.start + 1) != 10)
						throw "bad chunk end";
					q.skip(2);
					state = ChunkSize;
				case Trailer:
					var i = q.indexOf(CRLF);
					if (i < 0)
						return false;
					q.skip(i + 2);
					if (i == 0)
						state = Complete;
				case UntilClose:
					if (q.length > 0) {
						body(q.data, q.start, q.length);
						q.clear();
					}
					return false;
				case Complete:
			}
		}
		return true;
	}

	/** The connection closed: completes a body that runs to the close, else false (closed early). **/
	public function closed():Bool {
		if (state != UntilClose)
			return false;
		state = Complete;
		return true;
	}

	function parseHead(head:String) {
		var lines = head.split("\r\n");
		var parts = lines[0].split(" ");
		if (parts.length < 2 || !StringTools.startsWith(parts[0], "HTTP/1."))
			throw "bad status line";
		var code = Params.parseInteger(parts[1]);
		if (code == null)
			throw "bad status";
		status = Std.int(code);
		for (k in 1...lines.length) {
			var colon = lines[k].indexOf(":");
			if (colon > 0)
				headers.set(lines[k].substr(0, colon).toLowerCase(), StringTools.trim(lines[k].substr(colon + 1)));
		}
		var connection = headers.get("connection");
		close = connection != null && connection.toLowerCase() == "close" || parts[0] == "HTTP/1.0";
		var te = headers.get("transfer-encoding");
		var cl = headers.get("content-length");
		if (te != null && te.toLowerCase().indexOf("chunked") >= 0) {
			state = ChunkSize;
		} else if (cl != null) {
			var n = Params.parseInteger(cl);
			if (n == null || n < 0)
				throw "bad content-length";
			remaining = n;
			state = Fixed;
		} else if (status == 204 || status == 304 || (status >= 100 && status < 200)) {
			state = Complete;
		} else {
			state = UntilClose;
			close = true;
		}
	}

	static function parseHex(s:String):Float {
		if (s.length == 0 || s.length > 12)
			return -1;
		var v = 0.0;
		for (i in 0...s.length) {
			var c = StringTools.fastCodeAt(s, i) | 0x20;
			var d = c >= "0".code && c <= "9".code ? c - "0".code : (c >= "a".code && c <= "f".code ? c - "a".code + 10 : -1);
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		return v;
	}
}

/** A keep-alive connection, opened on first use and again after an error or a close. **/
class Conn {
	public var sock:Socket = null;
	public final input = new ByteQueue(65536);

	public function new() {}

	public function drop() {
		if (sock != null) {
			try {
				sock.close();
			} catch (e:Dynamic) {}
			sock = null;
		}
		input.clear();
	}
}

enum abstract Outcome(Int) {
	var Ok;
	var Status;
	var Malformed;
	var Timeout;
	var Connect;
}

/** A worker: one request at a time on its connection, its 429 retries, its outcome. **/
class Worker {
	final loop:SysClient;
	final conn:Conn;
	final st:Stats;
	final route:String;
	final body:Bytes;
	final stream:Bool;

	var t0:Clock;
	var attempt = 0;

	/** The current attempt's deadline, or the retry's wake-up time while sleeping (SysClient.nowNs). **/
	public var deadline = 0.0;

	public var wake = -1.0;

	/** The response being read, null when none is. **/
	public var response:Response = null;

	var sse:Sse = null;
	var sseBytes:ByteQueue = null;
	var plainBody:haxe.io.BytesBuffer = null;

	public var busy(default, null) = false;

	public function new(loop:SysClient, conn:Conn, st:Stats, route:String, body:Bytes, stream:Bool) {
		this.loop = loop;
		this.conn = conn;
		this.st = st;
		this.route = route;
		this.body = body;
		this.stream = stream;
	}

	public var socket(get, never):Socket;

	inline function get_socket()
		return conn.sock;

	/** Starts a request: its clock runs from here, retries included. **/
	public function begin() {
		busy = true;
		attempt = 0;
		t0 = Workload.now();
		send();
	}

	function send() {
		wake = -1;
		deadline = loop.nowNs() + loop.cfg.timeoutMs * 1e6;
		try {
			if (conn.sock == null) {
				var s = new Socket();
				// Bounds the blocking connect and writes; reads happen only once select says they will not wait.
				s.setTimeout(loop.cfg.timeoutMs / 1000);
				conn.sock = s;
				s.connect(loop.host, loop.cfg.port);
			}
			conn.sock.custom = this;
			var head = Bytes.ofString('POST /v1/chat/completions$route HTTP/1.1\r\nHost: ${loop.hostHeader}\r\n'
				+ 'Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n');
			var req = Bytes.alloc(head.length + body.length);
			req.blit(0, head, 0, head.length);
			req.blit(head.length, body, 0, body.length);
			conn.sock.output.writeFullBytes(req, 0, req.length);
		} catch (e:Dynamic) {
			end(Connect);
			return;
		}
		sse = null;
		sseBytes = null;
		plainBody = null;
		response = new Response(onBody);
	}

	function onBody(data:Bytes, pos:Int, len:Int) {
		st.bytes += len;
		if (stream && response.status == 200) {
			if (sse == null) {
				sse = new Sse();
				sseBytes = new ByteQueue(4096);
			}
			sseBytes.append(data, pos, len);
			while (true) {
				var i = sseBytes.indexOf([10, 10]);
				if (i < 0)
					break;
				var ev = sseBytes.take(i);
				sseBytes.skip(2);
				sse.event(ev);
			}
		} else {
			if (plainBody == null)
				plainBody = new haxe.io.BytesBuffer();
			plainBody.addBytes(data, pos, len);
		}
	}

	/** The socket is readable: one read, parsed. **/
	public function readable(buf:Bytes) {
		var n = 0;
		try {
			n = conn.sock.input.readBytes(buf, 0, buf.length);
		} catch (e:haxe.io.Eof) {
			n = -1;
		} catch (e:haxe.io.Error) {
			switch e {
				case Blocked:
				case _:
					end(Connect);
			}
			return;
		} catch (e:Dynamic) {
			end(Connect);
			return;
		}
		var done = false;
		try {
			if (n < 0) {
				if (!response.closed()) {
					end(Connect);
					return;
				}
				conn.drop();
				done = true;
			} else {
				conn.input.append(buf, 0, n);
				done = response.feed(conn.input);
			}
		} catch (e:Dynamic) {
			end(Connect); // not HTTP: the connection cannot be trusted further
			return;
		}
		if (done)
			answered();
	}

	/** The whole answer is in. **/
	function answered() {
		var r = response;
		response = null;
		// Bytes beyond the answer (none is asked for) or a close make the connection unusable.
		if (r.close || conn.input.length > 0)
			conn.drop();
		if (loop.nowNs() > deadline) {
			end(Timeout);
			return;
		}
		if (r.status == 429 && attempt < loop.cfg.retries) {
			attempt++;
			st.retries++;
			wake = loop.nowNs() + retryDelayMs(r.headers) * 1e6;
			return;
		}
		if (r.status != 200) {
			end(Status);
			return;
		}
		var h = if (stream) {
			var text = sse == null ? null : sse.result();
			text == null ? -1 : Checks.stream(text, loop.cfg.tokens);
		} else {
			Checks.plain(plainBody == null ? "" : plainBody.getBytes().toString());
		}
		if (h < 0) {
			end(Malformed);
			return;
		}
		var t1 = Workload.now();
		st.ok++;
		st.addChecksum(h);
		st.lat.push(Workload.micros(t0, t1));
		if (stream) {
			st.tokens += loop.cfg.tokens;
			st.ttfb.push(Workload.micros(t0, sse.firstAt));
		}
		end(Ok);
	}

	/** Called by the loop: a deadline or a retry's wake-up time has passed. **/
	public function tick(now:Float) {
		if (response != null && now > deadline) {
			end(Timeout);
		} else if (response == null && wake >= 0 && now >= wake) {
			send();
		}
	}

	function end(outcome:Outcome) {
		switch outcome {
			case Ok:
			case Status:
				st.status++;
			case Malformed:
				st.malformed++;
			case Timeout:
				conn.drop();
				st.timeout++;
			case Connect:
				conn.drop();
				st.connect++;
		}
		response = null;
		wake = -1;
		busy = false; // the loop hands the worker its next request (no recursion when requests fail at once)
	}

	/** The wait a 429 asks for, in ms: retry-after-ms if present, else Retry-After seconds. **/
	static function retryDelayMs(headers:Map<String, String>):Float {
		for (pair in [["retry-after-ms", "1"], ["retry-after", "1000"]]) {
			var value = headers.get(pair[0]);
			if (value != null) {
				var v = Std.parseFloat(value);
				if (!Math.isNaN(v) && Math.isFinite(v))
					return Math.max(0, v * Std.parseFloat(pair[1]));
			}
		}
		return 0;
	}
}

/** The sys targets' client: C connections and one select loop. **/
class SysClient {
	public final cfg:Config;
	public final host:Host;
	public final hostHeader:String;

	final conns:Array<Conn> = [];
	final origin:Clock;
	final readBuf = Bytes.alloc(65536);

	var remaining = 0;

	public function new(cfg:Config) {
		this.cfg = cfg;
		host = new Host(cfg.host);
		hostHeader = '${cfg.host}:${cfg.port}';
		origin = Workload.now();
		for (_ in 0...cfg.concurrency)
			conns.push(new Conn());
	}

	/** Nanoseconds since the client was made, for deadlines. **/
	public inline function nowNs():Float
		return @:privateAccess Main.elapsedNs(origin, Workload.now());

	/** count requests at concurrency C (all at once when fewer than C). **/
	public function phase(route:String, count:Int, payload:String, stream:Bool):Stats {
		var st = new Stats();
		st.requests = count;
		var body = Bytes.ofString(payload);
		var workers = [for (i in 0...Std.int(Math.min(cfg.concurrency, count))) new Worker(this, conns[i], st, route, body, stream)];
		remaining = count;
		var t0 = Workload.now();
		var reads:Array<Socket> = [];
		while (true) {
			// Idle workers take the next requests; one whose send fails at once is idle again.
			for (w in workers)
				while (!w.busy && remaining > 0) {
					remaining--;
					w.begin();
				}
			reads.resize(0);
			var soonest = Math.POSITIVE_INFINITY;
			var busy = false;
			for (w in workers) {
				if (!w.busy)
					continue;
				busy = true;
				if (w.response != null) {
					reads.push(w.socket);
					soonest = Math.min(soonest, w.deadline);
				} else if (w.wake >= 0) {
					soonest = Math.min(soonest, w.wake);
				}
			}
			if (!busy)
				break;
			var wait = Math.max(0, (soonest - nowNs()) / 1e9);
			if (reads.length == 0) {
				Sys.sleep(wait);
			} else {
				for (s in readable(reads, wait)) {
					var w:Worker = s.custom;
					if (w.response != null && w.socket == s)
						w.readable(readBuf);
				}
			}
			var now = nowNs();
			for (w in workers)
				if (w.busy)
					w.tick(now);
		}
		st.ns = @:privateAccess Main.elapsedNs(t0, Workload.now());
		return st;
	}

	public function close() {
		for (c in conns)
			c.drop();
	}

	/** The sockets of socks that are readable, waiting at most wait seconds. **/
	static function readable(socks:Array<Socket>, wait:Float):Array<Socket> {
		#if php
		// Haxe 4.2's php Socket.select reads socket_select's answer by position, but socket_select
		// keeps the keys of the sockets it returns, so any readable socket but the first comes back
		// as null. The same call, keeping the keys: indices into socks.
		var raw = php.Lib.toPhpArray([for (s in socks) @:privateAccess s.__s]);
		var sec = Std.int(wait);
		var keys:php.NativeIndexedArray<Int> = php.Syntax.code("(function ($r, $sec, $usec) { $w = null; $e = null;
			return socket_select($r, $w, $e, $sec, $usec) === false ? [] : array_keys($r); })({0}, {1}, {2})", raw, sec,
			Std.int((wait - sec) * 1e6));
		return [for (k in php.Lib.toHaxeArray(keys)) socks[k]];
		#else
		return Socket.select(socks, [], [], wait).read;
		#end
	}
}
#end

#if js
/** The js client: Node's http module, one keep-alive Agent of at most C sockets. **/
class NodeClient {
	static final http:Dynamic = js.Lib.require("http");

	final cfg:Config;
	final agent:Dynamic;

	public function new(cfg:Config) {
		this.cfg = cfg;
		agent = js.Syntax.code("new {0}.Agent({1})", http, {keepAlive: true, maxSockets: cfg.concurrency});
	}

	/** count requests at concurrency C: min(C, count) workers, each taking the next when its answer is complete. **/
	public function phase(route:String, count:Int, payload:String, stream:Bool, done:Stats->Void) {
		var st = new Stats();
		st.requests = count;
		var body:Dynamic = js.Syntax.code("Buffer.from({0}, 'utf8')", payload);
		var left = count;
		var running = Std.int(Math.min(cfg.concurrency, count));
		var t0 = Workload.now();
		if (running == 0) {
			st.ns = 0;
			done(st);
			return;
		}
		function worker() {
			if (left == 0) {
				if (--running == 0) {
					st.ns = @:privateAccess Main.elapsedNs(t0, Workload.now());
					done(st);
				}
				return;
			}
			left--;
			request(route, body, stream, st, worker);
		}
		for (_ in 0...running)
			worker();
	}

	/** One request with its 429 retries; adds its outcome to st, then calls next. **/
	function request(route:String, body:Dynamic, stream:Bool, st:Stats, next:() -> Void) {
		var t0 = Workload.now();
		var attempt = 0;
		function send() {
			var settled = false;
			var timedOut = false;
			var req:Dynamic = null;
			var timer = js.Syntax.code("setTimeout({0}, {1})", () -> {
				timedOut = true;
				req.destroy();
			}, cfg.timeoutMs);
			function fail() {
				if (settled)
					return;
				settled = true;
				js.Syntax.code("clearTimeout({0})", timer);
				if (timedOut)
					st.timeout++;
				else
					st.connect++;
				next();
			}
			var options = {
				hostname: cfg.host,
				port: cfg.port,
				path: "/v1/chat/completions" + route,
				method: "POST",
				agent: agent,
				headers: {"Content-Type": "application/json", "Content-Length": body.length}
			};
			req = http.request(options, (res:Dynamic) -> {
				var status:Int = res.statusCode;
				var sse = stream && status == 200 ? new Sse() : null;
				var decoder:Dynamic = js.Syntax.code("new TextDecoder()");
				var pending = "";
				var chunks:Array<Dynamic> = [];
				res.on("data", (chunk:Dynamic) -> {
					st.bytes += chunk.length;
					if (sse == null) {
						chunks.push(chunk);
						return;
					}
					pending += decoder.decode(chunk, {stream: true});
					var sep;
					while ((sep = pending.indexOf("\n\n")) >= 0) {
						var ev = pending.substr(0, sep);
						pending = pending.substr(sep + 2);
						sse.event(ev);
					}
				});
				res.on("error", (_) -> fail());
				res.on("close", () -> {
					if (!res.complete)
						fail();
				});
				res.on("end", () -> {
					if (settled)
						return;
					settled = true;
					js.Syntax.code("clearTimeout({0})", timer);
					if (status == 429 && attempt < cfg.retries) {
						attempt++;
						st.retries++;
						js.Syntax.code("setTimeout({0}, {1})", send, retryDelayMs(res.headers));
						return;
					}
					if (status != 200) {
						st.status++;
						next();
						return;
					}
					var h = if (stream) {
						var text = sse.result();
						text == null ? -1 : Checks.stream(text, cfg.tokens);
					} else {
						Checks.plain(js.Syntax.code("Buffer.concat({0}).toString('utf8')", chunks));
					}
					if (h < 0) {
						st.malformed++;
						next();
						return;
					}
					var t1 = Workload.now();
					st.ok++;
					st.addChecksum(h);
					st.lat.push(Workload.micros(t0, t1));
					if (stream) {
						st.tokens += cfg.tokens;
						st.ttfb.push(Workload.micros(t0, sse.firstAt));
					}
					next();
				});
			});
			req.on("error", (_) -> fail());
			req.end(body);
		}
		send();
	}

	/** The wait a 429 asks for, in ms: retry-after-ms if present, else Retry-After seconds. **/
	static function retryDelayMs(headers:Dynamic):Float {
		for (pair in [["retry-after-ms", "1"], ["retry-after", "1000"]]) {
			var value:String = Reflect.field(headers, pair[0]);
			if (value != null) {
				var v = Std.parseFloat(value);
				if (!Math.isNaN(v) && Math.isFinite(v))
					return Math.max(0, v * Std.parseFloat(pair[1]));
			}
		}
		return 0;
	}

	public function close()
		agent.destroy();
}
#end

class Workload {
	static final PHASES:Array<{name:String, route:String, stream:Bool}> = [
		{name: "warmup", route: "", stream: false},
		{name: "chat", route: "", stream: false},
		{name: "stream", route: "", stream: true},
		{name: "rate", route: ":rate", stream: false},
		{name: "error", route: ":error", stream: false},
		{name: "malformed", route: ":malformed", stream: false},
	];

	/** The runner's clock (runners/haxe/Main.hx): monotonic where the target has one. **/
	public static inline function now():Clock
		return @:privateAccess Main.now();

	/** Whole microseconds from t0 to t1. **/
	public static inline function micros(t0:Clock, t1:Clock):Int
		return Std.int(Math.ffloor(@:privateAccess Main.elapsedNs(t0, t1) / 1000));

	/** "Hello, world! " repeated and cut to exactly n bytes (ASCII, so characters are bytes). **/
	static function content(n:Int):String {
		var unit = "Hello, world! ";
		var b = new StringBuf();
		for (_ in 0...Std.int(n / unit.length) + 1)
			b.add(unit);
		return b.toString().substr(0, n);
	}

	/** The request body, serialised once per phase with haxe.Json and reused by its requests. **/
	static function payload(len:Int, maxTokens:Int, stream:Bool):String
		return Json.stringify({
			max_tokens: maxTokens,
			messages: [
				{content: "You are a benchmark.", role: "system"},
				{content: content(len), role: "user"}
			],
			model: "bm-echo",
			stream: stream
		});

	static function config(p:Params):Config {
		var base = @:privateAccess p.values.get("base");
		if (base == null)
			throw new ParamError("missing parameter base");
		var rest = StringTools.startsWith(base, "http://") ? base.substr(7) : null;
		if (rest != null) {
			var slash = rest.indexOf("/");
			if (slash >= 0)
				rest = rest.substr(0, slash);
		}
		var colon = rest == null ? -1 : rest.lastIndexOf(":");
		var port = colon < 0 ? null : Params.parseInteger(rest.substr(colon + 1));
		if (colon <= 0 || port == null || port < 1 || port > 65535)
			throw new ParamError('malformed parameter base=$base (expected http://host:port)');
		var cfg:Config = {
			host: rest.substr(0, colon),
			port: Std.int(port),
			concurrency: p.int("concurrency"),
			warmup: p.int("warmup"),
			requests: p.int("requests"),
			streams: p.int("streams"),
			tokens: p.int("tokens"),
			content: p.int("content"),
			probe: p.int("probe"),
			retries: p.int("retries"),
			timeoutMs: p.int("timeout_ms"),
		};
		if (cfg.concurrency < 1)
			throw new ParamError("concurrency must be >= 1");
		return cfg;
	}

	static function count(cfg:Config, name:String):Int
		return switch name {
			case "warmup": cfg.warmup;
			case "chat": cfg.requests;
			case "stream": cfg.streams;
			case _: cfg.probe;
		}

	static function body(cfg:Config, stream:Bool):String
		return stream ? payload(cfg.content, cfg.tokens, true) : payload(cfg.content, 16, false);

	/** "<tag> <us> <us> ...", at most 1000 numbers a line; nothing when there are none. **/
	static function latLines(tag:String, values:Array<Int>):String {
		var out = new StringBuf();
		var i = 0;
		while (i < values.length) {
			out.add(tag + " " + values.slice(i, i + 1000).join(" ") + "\n");
			i += 1000;
		}
		return out.toString();
	}

	static function report(results:Map<String, Stats>):String {
		var out = new StringBuf();
		for (ph in PHASES)
			out.add(results.get(ph.name).line(ph.name));
		out.add(latLines("lat chat", results.get("chat").lat));
		out.add(latLines("lat stream", results.get("stream").lat));
		out.add(latLines("ttfb stream", results.get("stream").ttfb));
		return out.toString();
	}

	#if js
	public static function run(p:Params):js.lib.Promise<String> {
		var cfg = config(p);
		return new js.lib.Promise((resolve, reject) -> {
			var client = new NodeClient(cfg);
			var results = new Map<String, Stats>();
			function step(i:Int) {
				if (i == PHASES.length) {
					client.close();
					resolve(report(results));
					return;
				}
				var ph = PHASES[i];
				client.phase(ph.route, count(cfg, ph.name), body(cfg, ph.stream), ph.stream, st -> {
					results.set(ph.name, st);
					step(i + 1);
				});
			}
			step(0);
		});
	}
	#else
	public static function run(p:Params):String {
		var cfg = config(p);
		var client = new SysClient(cfg);
		var results = new Map<String, Stats>();
		for (ph in PHASES)
			results.set(ph.name, client.phase(ph.route, count(cfg, ph.name), body(cfg, ph.stream), ph.stream));
		client.close();
		return report(results);
	}
	#end
}
