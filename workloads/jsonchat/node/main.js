// jsonchat workload for Node.js with the built-in JSON: build, serialise, parse and walk an
// OpenAI-style chat-completion request and response (workloads/jsonchat/README.md).
'use strict';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;
const UNIT = 'Say "Hello, world!"\n';
const MODEL = 'gpt-4o-mini';
const CREATED = 1700000000;
const PAYLOADS = { S: [4, 1024], M: [16, 32768], L: [64, 262144] };

function checkGenerator() {
  let state = 42;
  for (const expected of [2027382, 1226992407, 551494037]) {
    state = (state * MULTIPLIER) % MODULUS;
    if (state !== expected) throw new Error(`generator test vector mismatch: expected ${expected}, got ${state}`);
  }
}

function buildRequest(seed, payload) {
  if (!Object.hasOwn(PAYLOADS, payload)) throw new Error(`parameter payload=${payload} must be S, M or L`);
  const [count, target] = PAYLOADS[payload];
  // Each message gets a weight 1..9 from the generator and its share of the target length,
  // in whole units: units_i = floor(floor(target / 20) * weight_i / (sum of weights)).
  // state * 48271 < 2^47, so double arithmetic and % are exact.
  let state = seed;
  const weights = [];
  for (let i = 0; i < count; i++) {
    state = (state * MULTIPLIER) % MODULUS;
    weights.push(1 + (state % 9));
  }
  const totalUnits = Math.floor(target / UNIT.length);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const messages = weights.map((w, i) => ({
    content: UNIT.repeat(Math.floor((totalUnits * w) / weightSum)),
    role: i === 0 ? 'system' : i % 2 === 1 ? 'user' : 'assistant',
  }));
  // Keys are written in ascending order, which JSON.stringify keeps (insertion order).
  return {
    max_tokens: 256,
    messages,
    metadata: { payload, trace_id: `bm-${seed}` },
    model: MODEL,
    stream: false,
    temperature: 0.7,
    tools: [
      {
        function: {
          description: 'Get the current weather in a city',
          name: 'get_weather',
          parameters: {
            properties: { city: { description: 'The name of the city', type: 'string' } },
            required: ['city'],
            type: 'object',
          },
        },
        type: 'function',
      },
    ],
  };
}

function fail(what) {
  throw new Error(`round trip check failed: ${what}`);
}

function run(params) {
  checkGenerator();
  const seed = params.int('seed');
  if (seed < 1 || seed >= MODULUS) throw new Error(`parameter seed=${seed} must be in 1..2147483646`);
  const payload = params.str('payload');

  const requestJson = JSON.stringify(buildRequest(seed, payload));
  const request = JSON.parse(requestJson);
  const tools = request.tools;
  if (request.model !== MODEL || request.temperature !== 0.7 || request.max_tokens !== 256 || request.stream !== false ||
      tools.length !== 1 || tools[0].function.name !== 'get_weather') fail('request fields');

  // The walk: count the messages and their characters, find the last user message.
  const messages = request.messages;
  let chars = 0;
  let last = -1;
  let checksum = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    chars += m.content.length;
    if (m.role === 'user') last = i;
    checksum = (checksum * 31 + m.content.length * 7 + m.role.length) % 1000000007;
  }
  if (last < 0) fail('no user message');
  const reply = 'You said:\n' + messages[last].content;
  const promptTokens = Math.floor((chars + 3) / 4);
  const completionTokens = Math.floor((reply.length + 3) / 4);
  const id = `chatcmpl-${seed}-${payload}`;

  const response = {
    choices: [{ finish_reason: 'stop', index: 0, message: { content: reply, role: 'assistant' } }],
    created: CREATED,
    id,
    model: request.model,
    object: 'chat.completion',
    usage: { completion_tokens: completionTokens, prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens },
  };
  const responseJson = JSON.stringify(response);
  const parsed = JSON.parse(responseJson);
  const choices = parsed.choices;
  const choice = choices[0];
  if (choices.length !== 1 || choice.message.content !== reply || choice.message.role !== 'assistant' ||
      choice.finish_reason !== 'stop' || choice.index !== 0) fail('response choice');
  if (parsed.id !== id || parsed.created !== CREATED || parsed.model !== MODEL || parsed.object !== 'chat.completion') {
    fail('response fields');
  }
  const usage = parsed.usage;
  if (usage.prompt_tokens !== promptTokens || usage.completion_tokens !== completionTokens ||
      usage.total_tokens !== promptTokens + completionTokens) fail('response usage');
  checksum = (checksum * 31 + choice.message.content.length) % 1000000007;
  checksum = (checksum * 31 + usage.total_tokens) % 1000000007;

  return `messages ${messages.length} chars ${chars} last_user ${last} ${messages[last].content.length}\n` +
    `request_bytes ${requestJson.length} response_bytes ${responseJson.length}\n` +
    `usage ${usage.prompt_tokens} ${usage.completion_tokens} ${usage.total_tokens}\n` +
    `checksum ${checksum}\n`;
}

require('./runner.js').main(run);
