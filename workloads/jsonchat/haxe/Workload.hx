// jsonchat workload in Haxe (every Haxe target) with haxe.Json: build, serialise, parse and walk
// an OpenAI-style chat-completion request and response, as in ../README.md.
//
// The messages are anonymous structures typed by typedefs, which is how Haxe code handles JSON.
// haxe.Json writes an object's fields in the order the target keeps them: insertion order on
// js, python and php (the structures are built in ascending key order, as the README asks);
// neko, eval, hl, cpp, jvm and cs keep fields in hash order, so there the same members come
// out in another order: the same bytes in total, and nothing in the result depends on it.
import Params.ParamError;

typedef Message = {
	var content:String;
	var role:String;
}

typedef ChatRequest = {
	var max_tokens:Int;
	var messages:Array<Message>;
	var metadata:{payload:String, trace_id:String};
	var model:String;
	var stream:Bool;
	var temperature:Float;
	/** Each tool's `function` member is a Haxe keyword: read with Reflect.field. **/
	var tools:Array<Dynamic>;
}

typedef Choice = {
	var finish_reason:String;
	var index:Int;
	var message:Message;
}

typedef Usage = {
	var completion_tokens:Int;
	var prompt_tokens:Int;
	var total_tokens:Int;
}

typedef ChatResponse = {
	var choices:Array<Choice>;
	var created:Int;
	var id:String;
	var model:String;
	var object:String;
	var usage:Usage;
}

class Workload {
	static inline var MODULUS = 2147483647.0;
	static inline var MULTIPLIER = 48271.0;
	static inline var UNIT = "Say \"Hello, world!\"\n";
	static inline var MODEL = "gpt-4o-mini";
	static inline var CREATED = 1700000000;

	/**
		The Park-Miller step in Float arithmetic: state * 48271 reaches 2^47, beyond Haxe's
		32-bit Int (31-bit on neko) but exact in a double, and `%` on Floats is exact too.
	**/
	static inline function next(state:Float):Float
		return (state * MULTIPLIER) % MODULUS;

	static function checkGenerator() {
		var state = 42.0;
		for (expected in [2027382.0, 1226992407.0, 551494037.0]) {
			state = next(state);
			if (state != expected)
				throw new haxe.Exception('generator test vector mismatch: expected ${Std.int(expected)}, got ${Std.int(state)}');
		}
	}

	/** Params reads numbers only; the payload name is a string, read from its map directly. **/
	static function stringParam(p:Params, key:String):String {
		var value = @:privateAccess p.values.get(key);
		if (value == null)
			throw new ParamError('missing parameter $key');
		return value;
	}

	static function buildRequest(seed:Float, payload:String):ChatRequest {
		var count:Int, target:Int;
		switch payload {
			case "S":
				count = 4;
				target = 1024;
			case "M":
				count = 16;
				target = 32768;
			case "L":
				count = 64;
				target = 262144;
			case _:
				throw new ParamError('parameter payload=$payload must be S, M or L');
		}
		// Each message gets a weight 1..9 from the generator and its share of the target length,
		// in whole units: units_i = (target / 20) * weight_i / (sum of weights), integer division.
		var state = seed;
		var weights = [];
		var weightSum = 0;
		for (_ in 0...count) {
			state = next(state);
			var w = 1 + Std.int(state % 9);
			weights.push(w);
			weightSum += w;
		}
		var totalUnits = Std.int(target / UNIT.length);
		var messages:Array<Message> = [];
		for (i in 0...count) {
			var units = Std.int(totalUnits * weights[i] / weightSum);
			// Haxe has no String.repeat; a join is linear on every target (StringBuf is not on PHP).
			messages.push({content: [for (_ in 0...units) UNIT].join(""), role: i == 0 ? "system" : i % 2 == 1 ? "user" : "assistant"});
		}
		return {
			max_tokens: 256,
			messages: messages,
			metadata: {payload: payload, trace_id: 'bm-${Std.int(seed)}'},
			model: MODEL,
			stream: false,
			temperature: 0.7,
			tools: [
				{
					"function": {
						description: "Get the current weather in a city",
						name: "get_weather",
						parameters: {
							properties: {city: {description: "The name of the city", type: "string"}},
							required: ["city"],
							type: "object"
						}
					},
					type: "function"
				}
			]
		};
	}

	static function fail(what:String):Dynamic
		throw new haxe.Exception('round trip check failed: $what');

	public static function run(p:Params):String {
		checkGenerator();
		var seed = p.float("seed");
		if (seed < 1 || seed >= MODULUS)
			throw new ParamError('parameter seed=$seed must be in 1..2147483646');
		var payload = stringParam(p, "payload");

		var requestJson = haxe.Json.stringify(buildRequest(seed, payload));
		var request:ChatRequest = haxe.Json.parse(requestJson);
		var tools = request.tools;
		if (request.model != MODEL || request.temperature != 0.7 || request.max_tokens != 256 || request.stream != false || tools.length != 1
			|| Reflect.field(tools[0], "function").name != "get_weather")
			fail("request fields");

		// The walk: count the messages and their characters, find the last user message.
		var messages = request.messages;
		var chars = 0;
		var last = -1;
		// Float: checksum * 31 exceeds 32 bits before the modulo.
		var checksum = 0.0;
		for (i in 0...messages.length) {
			var m = messages[i];
			var length = m.content.length;
			chars += length;
			if (m.role == "user")
				last = i;
			checksum = (checksum * 31 + length * 7 + m.role.length) % 1000000007;
		}
		if (last < 0)
			fail("no user message");
		var reply = "You said:\n" + messages[last].content;
		var promptTokens = Std.int((chars + 3) / 4);
		var completionTokens = Std.int((reply.length + 3) / 4);
		var id = 'chatcmpl-${Std.int(seed)}-$payload';

		var response:ChatResponse = {
			choices: [{finish_reason: "stop", index: 0, message: {content: reply, role: "assistant"}}],
			created: CREATED,
			id: id,
			model: request.model,
			object: "chat.completion",
			usage: {completion_tokens: completionTokens, prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens}
		};
		var responseJson = haxe.Json.stringify(response);
		var parsed:ChatResponse = haxe.Json.parse(responseJson);
		var choices = parsed.choices;
		var choice = choices[0];
		if (choices.length != 1 || choice.message.content != reply || choice.message.role != "assistant" || choice.finish_reason != "stop"
			|| choice.index != 0)
			fail("response choice");
		if (parsed.id != id || parsed.created != CREATED || parsed.model != MODEL || parsed.object != "chat.completion")
			fail("response fields");
		var usage = parsed.usage;
		if (usage.prompt_tokens != promptTokens || usage.completion_tokens != completionTokens
			|| usage.total_tokens != promptTokens + completionTokens)
			fail("response usage");
		checksum = (checksum * 31 + choice.message.content.length) % 1000000007;
		checksum = (checksum * 31 + usage.total_tokens) % 1000000007;

		// The message count as printed. On Lua, haxe.Json.parse is hx-lua-simdjson, which stores an
		// array's length as a Lua float, and Lua 5.4 prints 4.0 as "4.0"; math.floor gives the integer.
		#if lua
		var count = lua.Math.floor(messages.length);
		#else
		var count = messages.length;
		#end
		return 'messages $count chars $chars last_user $last ${messages[last].content.length}\n'
			+ 'request_bytes ${byteLength(requestJson)} response_bytes ${byteLength(responseJson)}\n'
			+ 'usage ${usage.prompt_tokens} ${usage.completion_tokens} ${usage.total_tokens}\n'
			+ 'checksum ${Std.int(checksum)}\n';
	}

	/** The JSON texts are ASCII, so characters are bytes; PHP's String.length is mb_strlen. **/
	static inline function byteLength(s:String):Int {
		#if php
		return php.Global.strlen(s);
		#else
		return s.length;
		#end
	}
}
