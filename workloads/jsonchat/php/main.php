<?php
// jsonchat workload for the PHP CLI with json_encode/json_decode: build, serialise, parse and
// walk an OpenAI-style chat-completion request and response (workloads/jsonchat/README.md).

declare(strict_types=1);

require __DIR__ . '/runner.php';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;
const UNIT = "Say \"Hello, world!\"\n";
const MODEL = 'gpt-4o-mini';
const CREATED = 1700000000;
const PAYLOADS = ['S' => [4, 1024], 'M' => [16, 32768], 'L' => [64, 262144]];

function check_generator(): void
{
    $state = 42;
    foreach ([2027382, 1226992407, 551494037] as $expected) {
        $state = $state * MULTIPLIER % MODULUS;
        if ($state !== $expected) {
            throw new RuntimeException("generator test vector mismatch: expected $expected, got $state");
        }
    }
}

function build_request(int $seed, string $payload): array
{
    if (!isset(PAYLOADS[$payload])) {
        throw new InvalidArgumentException("parameter payload=$payload must be S, M or L");
    }
    [$count, $target] = PAYLOADS[$payload];
    // Each message gets a weight 1..9 from the generator and its share of the target length,
    // in whole units: units_i = intdiv(intdiv(target, 20) * weight_i, sum of weights).
    $state = $seed;
    $weights = [];
    for ($i = 0; $i < $count; $i++) {
        $state = $state * MULTIPLIER % MODULUS;
        $weights[] = 1 + $state % 9;
    }
    $totalUnits = intdiv($target, strlen(UNIT));
    $weightSum = array_sum($weights);
    $messages = [];
    foreach ($weights as $i => $w) {
        $role = $i === 0 ? 'system' : ($i % 2 === 1 ? 'user' : 'assistant');
        $messages[] = ['content' => str_repeat(UNIT, intdiv($totalUnits * $w, $weightSum)), 'role' => $role];
    }
    // Keys are written in ascending order, which json_encode keeps (insertion order).
    return [
        'max_tokens' => 256,
        'messages' => $messages,
        'metadata' => ['payload' => $payload, 'trace_id' => "bm-$seed"],
        'model' => MODEL,
        'stream' => false,
        'temperature' => 0.7,
        'tools' => [
            [
                'function' => [
                    'description' => 'Get the current weather in a city',
                    'name' => 'get_weather',
                    'parameters' => [
                        'properties' => ['city' => ['description' => 'The name of the city', 'type' => 'string']],
                        'required' => ['city'],
                        'type' => 'object',
                    ],
                ],
                'type' => 'function',
            ],
        ],
    ];
}

function fail(string $what): never
{
    throw new RuntimeException("round trip check failed: $what");
}

function run(BmParams $params): string
{
    check_generator();
    $seed = $params->int('seed');
    if ($seed < 1 || $seed >= MODULUS) {
        throw new InvalidArgumentException("parameter seed=$seed must be in 1..2147483646");
    }
    $payload = $params->str('payload');

    // json_encode's defaults: compact; the text has no '/' or non-ASCII characters, the two
    // things whose escaping its defaults would change. Decoded into associative arrays.
    $requestJson = json_encode(build_request($seed, $payload), JSON_THROW_ON_ERROR);
    $request = json_decode($requestJson, true, 512, JSON_THROW_ON_ERROR);
    $tools = $request['tools'];
    if ($request['model'] !== MODEL || $request['temperature'] !== 0.7 || $request['max_tokens'] !== 256
        || $request['stream'] !== false || count($tools) !== 1 || $tools[0]['function']['name'] !== 'get_weather') {
        fail('request fields');
    }

    // The walk: count the messages and their characters, find the last user message.
    $messages = $request['messages'];
    $chars = 0;
    $last = -1;
    $checksum = 0;
    foreach ($messages as $i => $m) {
        $length = strlen($m['content']);
        $chars += $length;
        if ($m['role'] === 'user') {
            $last = $i;
        }
        $checksum = ($checksum * 31 + $length * 7 + strlen($m['role'])) % 1000000007;
    }
    if ($last < 0) {
        fail('no user message');
    }
    $reply = "You said:\n" . $messages[$last]['content'];
    $promptTokens = intdiv($chars + 3, 4);
    $completionTokens = intdiv(strlen($reply) + 3, 4);
    $id = "chatcmpl-$seed-$payload";

    $response = [
        'choices' => [['finish_reason' => 'stop', 'index' => 0, 'message' => ['content' => $reply, 'role' => 'assistant']]],
        'created' => CREATED,
        'id' => $id,
        'model' => $request['model'],
        'object' => 'chat.completion',
        'usage' => ['completion_tokens' => $completionTokens, 'prompt_tokens' => $promptTokens,
            'total_tokens' => $promptTokens + $completionTokens],
    ];
    $responseJson = json_encode($response, JSON_THROW_ON_ERROR);
    $parsed = json_decode($responseJson, true, 512, JSON_THROW_ON_ERROR);
    $choices = $parsed['choices'];
    $choice = $choices[0];
    if (count($choices) !== 1 || $choice['message']['content'] !== $reply || $choice['message']['role'] !== 'assistant'
        || $choice['finish_reason'] !== 'stop' || $choice['index'] !== 0) {
        fail('response choice');
    }
    if ($parsed['id'] !== $id || $parsed['created'] !== CREATED || $parsed['model'] !== MODEL
        || $parsed['object'] !== 'chat.completion') {
        fail('response fields');
    }
    $usage = $parsed['usage'];
    if ($usage['prompt_tokens'] !== $promptTokens || $usage['completion_tokens'] !== $completionTokens
        || $usage['total_tokens'] !== $promptTokens + $completionTokens) {
        fail('response usage');
    }
    $checksum = ($checksum * 31 + strlen($choice['message']['content'])) % 1000000007;
    $checksum = ($checksum * 31 + $usage['total_tokens']) % 1000000007;

    return 'messages ' . count($messages) . " chars $chars last_user $last " . strlen($messages[$last]['content']) . "\n"
        . 'request_bytes ' . strlen($requestJson) . ' response_bytes ' . strlen($responseJson) . "\n"
        . "usage {$usage['prompt_tokens']} {$usage['completion_tokens']} {$usage['total_tokens']}\n"
        . "checksum $checksum\n";
}

bm_main('run');
