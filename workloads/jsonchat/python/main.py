# jsonchat workload for CPython with the json module: build, serialise, parse and walk an
# OpenAI-style chat-completion request and response (workloads/jsonchat/README.md).
import json

from runner import main

MODULUS = 2147483647
MULTIPLIER = 48271
UNIT = 'Say "Hello, world!"\n'
MODEL = "gpt-4o-mini"
CREATED = 1700000000
PAYLOADS = {"S": (4, 1024), "M": (16, 32768), "L": (64, 262144)}


def check_generator():
    state = 42
    for expected in (2027382, 1226992407, 551494037):
        state = state * MULTIPLIER % MODULUS
        if state != expected:
            raise RuntimeError(f"generator test vector mismatch: expected {expected}, got {state}")


def build_request(seed, payload):
    if payload not in PAYLOADS:
        raise ValueError(f"parameter payload={payload} must be S, M or L")
    count, target = PAYLOADS[payload]
    # Each message gets a weight 1..9 from the generator and its share of the target length,
    # in whole units: units_i = (target // 20) * weight_i // (sum of weights).
    state = seed
    weights = []
    for _ in range(count):
        state = state * MULTIPLIER % MODULUS
        weights.append(1 + state % 9)
    total_units = target // len(UNIT)
    weight_sum = sum(weights)
    messages = []
    for i, w in enumerate(weights):
        role = "system" if i == 0 else "user" if i % 2 == 1 else "assistant"
        messages.append({"content": UNIT * (total_units * w // weight_sum), "role": role})
    # Keys are inserted in ascending order, which json.dumps keeps.
    return {
        "max_tokens": 256,
        "messages": messages,
        "metadata": {"payload": payload, "trace_id": f"bm-{seed}"},
        "model": MODEL,
        "stream": False,
        "temperature": 0.7,
        "tools": [
            {
                "function": {
                    "description": "Get the current weather in a city",
                    "name": "get_weather",
                    "parameters": {
                        "properties": {"city": {"description": "The name of the city", "type": "string"}},
                        "required": ["city"],
                        "type": "object",
                    },
                },
                "type": "function",
            }
        ],
    }


def fail(what):
    raise RuntimeError(f"round trip check failed: {what}")


def run(params):
    check_generator()
    seed = params.int("seed")
    if not 1 <= seed < MODULUS:
        raise ValueError(f"parameter seed={seed} must be in 1..2147483646")
    payload = params.str("payload")

    # Compact JSON: no spaces after the separators. ensure_ascii stays on (the text is ASCII).
    request_json = json.dumps(build_request(seed, payload), separators=(",", ":"))
    request = json.loads(request_json)
    tools = request["tools"]
    if (request["model"] != MODEL or request["temperature"] != 0.7 or request["max_tokens"] != 256
            or request["stream"] is not False or len(tools) != 1 or tools[0]["function"]["name"] != "get_weather"):
        fail("request fields")

    # The walk: count the messages and their characters, find the last user message.
    messages = request["messages"]
    chars = 0
    last = -1
    checksum = 0
    for i, m in enumerate(messages):
        content = m["content"]
        chars += len(content)
        if m["role"] == "user":
            last = i
        checksum = (checksum * 31 + len(content) * 7 + len(m["role"])) % 1000000007
    if last < 0:
        fail("no user message")
    reply = "You said:\n" + messages[last]["content"]
    prompt_tokens = (chars + 3) // 4
    completion_tokens = (len(reply) + 3) // 4
    response_id = f"chatcmpl-{seed}-{payload}"

    response = {
        "choices": [{"finish_reason": "stop", "index": 0, "message": {"content": reply, "role": "assistant"}}],
        "created": CREATED,
        "id": response_id,
        "model": request["model"],
        "object": "chat.completion",
        "usage": {"completion_tokens": completion_tokens, "prompt_tokens": prompt_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }
    response_json = json.dumps(response, separators=(",", ":"))
    parsed = json.loads(response_json)
    choices = parsed["choices"]
    choice = choices[0]
    message = choice["message"]
    if (len(choices) != 1 or message["content"] != reply or message["role"] != "assistant"
            or choice["finish_reason"] != "stop" or choice["index"] != 0):
        fail("response choice")
    if (parsed["id"] != response_id or parsed["created"] != CREATED or parsed["model"] != MODEL
            or parsed["object"] != "chat.completion"):
        fail("response fields")
    usage = parsed["usage"]
    if (usage["prompt_tokens"] != prompt_tokens or usage["completion_tokens"] != completion_tokens
            or usage["total_tokens"] != prompt_tokens + completion_tokens):
        fail("response usage")
    checksum = (checksum * 31 + len(message["content"])) % 1000000007
    checksum = (checksum * 31 + usage["total_tokens"]) % 1000000007

    return (f"messages {len(messages)} chars {chars} last_user {last} {len(messages[last]['content'])}\n"
            f"request_bytes {len(request_json)} response_bytes {len(response_json)}\n"
            f"usage {usage['prompt_tokens']} {usage['completion_tokens']} {usage['total_tokens']}\n"
            f"checksum {checksum}\n")


if __name__ == "__main__":
    main(run)
