// jsonchat workload in Rust with serde_json: build, serialise, parse and walk an OpenAI-style
// chat-completion request and response (workloads/jsonchat/README.md).
//
// The messages are typed structs mapped by serde's derive, as a Rust API client declares
// them; fields are declared in ascending key order, which is the order serde writes them.

use bm_runner::Params;
use serde::{Deserialize, Serialize};

const MODULUS: u64 = 2147483647;
const UNIT: &str = "Say \"Hello, world!\"\n";
const MODEL: &str = "gpt-4o-mini";
const CREATED: u64 = 1700000000;

/// Park-Miller "minimal standard" generator; 64-bit state so the product never overflows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0 * 48271 % MODULUS;
        self.0
    }
}

fn check_generator() {
    let mut rng = Rng(42);
    for expected in [2027382, 1226992407, 551494037] {
        let got = rng.next();
        if got != expected {
            panic!("generator test vector mismatch: expected {expected}, got {got}");
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Message {
    content: String,
    role: String,
}

#[derive(Serialize, Deserialize)]
struct Metadata {
    payload: String,
    trace_id: String,
}

#[derive(Serialize, Deserialize)]
struct Property {
    description: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Serialize, Deserialize)]
struct Properties {
    city: Property,
}

#[derive(Serialize, Deserialize)]
struct Parameters {
    properties: Properties,
    required: Vec<String>,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Serialize, Deserialize)]
struct Function {
    description: String,
    name: String,
    parameters: Parameters,
}

#[derive(Serialize, Deserialize)]
struct Tool {
    function: Function,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Serialize, Deserialize)]
struct ChatRequest {
    max_tokens: u32,
    messages: Vec<Message>,
    metadata: Metadata,
    model: String,
    stream: bool,
    temperature: f64,
    tools: Vec<Tool>,
}

#[derive(Serialize, Deserialize)]
struct Choice {
    finish_reason: String,
    index: u32,
    message: Message,
}

#[derive(Serialize, Deserialize)]
struct Usage {
    completion_tokens: u64,
    prompt_tokens: u64,
    total_tokens: u64,
}

#[derive(Serialize, Deserialize)]
struct ChatResponse {
    choices: Vec<Choice>,
    created: u64,
    id: String,
    model: String,
    object: String,
    usage: Usage,
}

fn build_request(seed: u64, payload: &str) -> ChatRequest {
    let (count, target): (u64, u64) = match payload {
        "S" => (4, 1024),
        "M" => (16, 32768),
        "L" => (64, 262144),
        _ => panic!("parameter payload={payload} must be S, M or L"),
    };
    // Each message gets a weight 1..9 from the generator and its share of the target length,
    // in whole units: units_i = (target / 20) * weight_i / (sum of weights), integer division.
    let mut rng = Rng(seed);
    let weights: Vec<u64> = (0..count).map(|_| 1 + rng.next() % 9).collect();
    let total_units = target / UNIT.len() as u64;
    let weight_sum: u64 = weights.iter().sum();
    let messages = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let role = if i == 0 { "system" } else if i % 2 == 1 { "user" } else { "assistant" };
            Message { content: UNIT.repeat((total_units * w / weight_sum) as usize), role: role.to_string() }
        })
        .collect();
    ChatRequest {
        max_tokens: 256,
        messages,
        metadata: Metadata { payload: payload.to_string(), trace_id: format!("bm-{seed}") },
        model: MODEL.to_string(),
        stream: false,
        temperature: 0.7,
        tools: vec![Tool {
            function: Function {
                description: "Get the current weather in a city".to_string(),
                name: "get_weather".to_string(),
                parameters: Parameters {
                    properties: Properties {
                        city: Property { description: "The name of the city".to_string(), kind: "string".to_string() },
                    },
                    required: vec!["city".to_string()],
                    kind: "object".to_string(),
                },
            },
            kind: "function".to_string(),
        }],
    }
}

fn fail(what: &str) -> ! {
    panic!("round trip check failed: {what}")
}

fn run(params: &Params) -> String {
    check_generator();
    let seed = params.int("seed");
    if !(1..MODULUS as i64).contains(&seed) {
        panic!("parameter seed={seed} must be in 1..2147483646");
    }
    let payload = params.str("payload");

    let request_json = serde_json::to_string(&build_request(seed as u64, payload)).unwrap();
    let request: ChatRequest = serde_json::from_str(&request_json).unwrap();
    if request.model != MODEL || request.temperature != 0.7 || request.max_tokens != 256 || request.stream || request.tools.len() != 1 || request.tools[0].function.name != "get_weather" {
        fail("request fields");
    }

    // The walk: count the messages and their characters, find the last user message.
    let mut chars = 0;
    let mut last_user = None;
    let mut checksum = 0u64;
    for (i, m) in request.messages.iter().enumerate() {
        chars += m.content.len();
        if m.role == "user" {
            last_user = Some(i);
        }
        checksum = (checksum * 31 + m.content.len() as u64 * 7 + m.role.len() as u64) % 1_000_000_007;
    }
    let last = last_user.unwrap_or_else(|| fail("no user message"));
    let reply = format!("You said:\n{}", request.messages[last].content);
    let prompt_tokens = (chars as u64 + 3) / 4;
    let completion_tokens = (reply.len() as u64 + 3) / 4;
    let id = format!("chatcmpl-{seed}-{payload}");

    let response = ChatResponse {
        choices: vec![Choice { finish_reason: "stop".to_string(), index: 0, message: Message { content: reply, role: "assistant".to_string() } }],
        created: CREATED,
        id,
        model: request.model.clone(),
        object: "chat.completion".to_string(),
        usage: Usage { completion_tokens, prompt_tokens, total_tokens: prompt_tokens + completion_tokens },
    };
    let response_json = serde_json::to_string(&response).unwrap();
    let parsed: ChatResponse = serde_json::from_str(&response_json).unwrap();
    let choice = &parsed.choices[0];
    if parsed.choices.len() != 1 || choice.message.content != response.choices[0].message.content || choice.message.role != "assistant" || choice.finish_reason != "stop" || choice.index != 0 {
        fail("response choice");
    }
    if parsed.id != response.id || parsed.created != CREATED || parsed.model != MODEL || parsed.object != "chat.completion" {
        fail("response fields");
    }
    let usage = &parsed.usage;
    if usage.prompt_tokens != prompt_tokens || usage.completion_tokens != completion_tokens || usage.total_tokens != prompt_tokens + completion_tokens {
        fail("response usage");
    }
    checksum = (checksum * 31 + choice.message.content.len() as u64) % 1_000_000_007;
    checksum = (checksum * 31 + usage.total_tokens) % 1_000_000_007;

    format!(
        "messages {} chars {chars} last_user {last} {}\nrequest_bytes {} response_bytes {}\nusage {} {} {}\nchecksum {checksum}\n",
        request.messages.len(),
        request.messages[last].content.len(),
        request_json.len(),
        response_json.len(),
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.total_tokens
    )
}

fn main() {
    bm_runner::main(run)
}
