//! Request bodies built once per level (SERVICE.md's payloads) and what each answer must be.

use super::{RequestSpec, Route};
use bytes::Bytes;

pub const SYSTEM: &str = "You are a benchmark.";
pub const MODEL: &str = "bm-echo";

/// FNV-1a 32-bit, as SERVICE.md defines it.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(2166136261u32, |h, b| (h ^ *b as u32).wrapping_mul(16777619))
}

/// What a correct answer to a prepared request looks like.
#[derive(Debug, Clone)]
pub enum Expect {
    Healthz,
    Chat {
        content: String,
        prompt_tokens: u64,
    },
    /// The concatenated deltas, exactly.
    Stream {
        tokens: String,
        max_tokens: u32,
    },
    Error {
        status: u16,
        kind: &'static str,
        retry_after: bool,
    },
    Status(u16),
}

/// One request, preallocated: sending it clones a reference-counted buffer.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub get: bool,
    pub path: &'static str,
    pub body: Bytes,
    pub expect: Expect,
}

fn chat_body(content: &str, spec: &RequestSpec) -> String {
    let mut v = serde_json::json!({
        "max_tokens": spec.max_tokens, "model": MODEL, "stream": spec.stream,
        "messages": [{"content": SYSTEM, "role": "system"}, {"content": content, "role": "user"}],
    });
    if spec.delay_us > 0 {
        v["bm_delay_us"] = spec.delay_us.into();
    }
    v.to_string()
}

pub fn prepare(spec: &RequestSpec) -> Prepared {
    // The user content fills the body to payload_bytes (ASCII: no JSON escaping changes it).
    let overhead = chat_body("", spec).len();
    let n = spec.payload_bytes.saturating_sub(overhead);
    let content: String = "Hello, world! ".chars().cycle().take(n).collect();
    let body = Bytes::from(chat_body(&content, spec));
    let h = fnv1a(content.as_bytes());
    let err = |path, status, kind, retry_after| Prepared {
        get: false,
        path,
        body: body.clone(),
        expect: Expect::Error { status, kind, retry_after },
    };
    match spec.route {
        Route::Healthz => Prepared { get: true, path: "/healthz", body: Bytes::new(), expect: Expect::Healthz },
        Route::Rate => err("/v1/chat/completions:rate", 429, "rate_limit_error", true),
        Route::Error => err("/v1/chat/completions:error", 500, "server_error", false),
        Route::Malformed => Prepared {
            get: false,
            path: "/v1/chat/completions",
            body: Bytes::from(format!("{{\"messages\":[{{\"content\":\"{content}\"")),
            expect: Expect::Error { status: 400, kind: "invalid_request_error", retry_after: false },
        },
        Route::Chat if spec.stream => {
            let mut tokens = String::new();
            for i in 0..spec.max_tokens {
                tokens.push_str(&format!("{h:08x}:{i} "));
            }
            Prepared { get: false, path: "/v1/chat/completions", body, expect: Expect::Stream { tokens, max_tokens: spec.max_tokens } }
        }
        Route::Chat => {
            let chars = (SYSTEM.len() + content.len()) as u64;
            Prepared {
                get: false,
                path: "/v1/chat/completions",
                body,
                expect: Expect::Chat { content: format!("echo n={} fnv={h:08x}", content.len()), prompt_tokens: chars.div_ceil(4) },
            }
        }
    }
}
