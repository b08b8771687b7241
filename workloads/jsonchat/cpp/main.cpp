// jsonchat workload in C++ with nlohmann::json: build, serialise, parse and walk an
// OpenAI-style chat-completion request and response (workloads/jsonchat/README.md).
//
// The messages are typed structs mapped with nlohmann's NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE
// (to_json/from_json through nlohmann::json values, the library's documented way); its
// objects keep their keys sorted, which is the order the README asks for.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner.hpp"

namespace {

using nlohmann::json;

constexpr uint64_t MODULUS = 2147483647;
const std::string UNIT = "Say \"Hello, world!\"\n";
const std::string MODEL = "gpt-4o-mini";
constexpr uint64_t CREATED = 1700000000;

// Park-Miller "minimal standard" generator; 64-bit state so the product never overflows.
struct Rng {
    uint64_t state;
    uint64_t next() { return state = state * 48271 % MODULUS; }
};

void check_generator() {
    Rng rng{42};
    for (uint64_t expected : {2027382ull, 1226992407ull, 551494037ull}) {
        uint64_t got = rng.next();
        if (got != expected)
            throw std::runtime_error("generator test vector mismatch: expected " + std::to_string(expected) +
                                     ", got " + std::to_string(got));
    }
}

struct Message {
    std::string content, role;
};
struct Metadata {
    std::string payload, trace_id;
};
struct Property {
    std::string description, type;
};
struct Properties {
    Property city;
};
struct Parameters {
    Properties properties;
    std::vector<std::string> required;
    std::string type;
};
struct Function {
    std::string description, name;
    Parameters parameters;
};
struct Tool {
    Function function;
    std::string type;
};
struct ChatRequest {
    uint32_t max_tokens;
    std::vector<Message> messages;
    Metadata metadata;
    std::string model;
    bool stream;
    double temperature;
    std::vector<Tool> tools;
};
struct Choice {
    std::string finish_reason;
    uint32_t index;
    Message message;
};
struct Usage {
    uint64_t completion_tokens, prompt_tokens, total_tokens;
};
struct ChatResponse {
    std::vector<Choice> choices;
    uint64_t created;
    std::string id, model, object;
    Usage usage;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Message, content, role)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Metadata, payload, trace_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Property, description, type)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Properties, city)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Parameters, properties, required, type)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Function, description, name, parameters)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Tool, function, type)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ChatRequest, max_tokens, messages, metadata, model, stream, temperature, tools)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Choice, finish_reason, index, message)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Usage, completion_tokens, prompt_tokens, total_tokens)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ChatResponse, choices, created, id, model, object, usage)

std::string repeat(const std::string& unit, uint64_t times) {
    std::string s;
    s.reserve(unit.size() * times);
    for (uint64_t i = 0; i < times; ++i) s += unit;
    return s;
}

ChatRequest build_request(uint64_t seed, const std::string& payload) {
    uint64_t count, target;
    if (payload == "S") {
        count = 4, target = 1024;
    } else if (payload == "M") {
        count = 16, target = 32768;
    } else if (payload == "L") {
        count = 64, target = 262144;
    } else {
        throw std::runtime_error("parameter payload=" + payload + " must be S, M or L");
    }
    // Each message gets a weight 1..9 from the generator and its share of the target length,
    // in whole units: units_i = (target / 20) * weight_i / (sum of weights), integer division.
    Rng rng{seed};
    std::vector<uint64_t> weights;
    uint64_t weight_sum = 0;
    for (uint64_t i = 0; i < count; ++i) {
        weights.push_back(1 + rng.next() % 9);
        weight_sum += weights.back();
    }
    const uint64_t total_units = target / UNIT.size();
    ChatRequest request;
    for (uint64_t i = 0; i < count; ++i) {
        const char* role = i == 0 ? "system" : i % 2 == 1 ? "user" : "assistant";
        request.messages.push_back({repeat(UNIT, total_units * weights[i] / weight_sum), role});
    }
    request.max_tokens = 256;
    request.metadata = {payload, "bm-" + std::to_string(seed)};
    request.model = MODEL;
    request.stream = false;
    request.temperature = 0.7;
    request.tools.push_back({{"Get the current weather in a city", "get_weather",
                              {{{"The name of the city", "string"}}, {"city"}, "object"}},
                             "function"});
    return request;
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("round trip check failed: " + what); }

std::string run(const bm::Params& params) {
    check_generator();
    int64_t seed = params.integer("seed");
    if (seed < 1 || seed >= int64_t(MODULUS))
        throw std::runtime_error("parameter seed=" + std::to_string(seed) + " must be in 1..2147483646");
    const std::string& payload = params.str("payload");

    const std::string request_json = json(build_request(uint64_t(seed), payload)).dump();
    const ChatRequest request = json::parse(request_json).get<ChatRequest>();
    if (request.model != MODEL || request.temperature != 0.7 || request.max_tokens != 256 || request.stream ||
        request.tools.size() != 1 || request.tools[0].function.name != "get_weather")
        fail("request fields");

    // The walk: count the messages and their characters, find the last user message.
    uint64_t chars = 0, checksum = 0;
    int64_t last = -1;
    for (size_t i = 0; i < request.messages.size(); ++i) {
        const Message& m = request.messages[i];
        chars += m.content.size();
        if (m.role == "user") last = int64_t(i);
        checksum = (checksum * 31 + m.content.size() * 7 + m.role.size()) % 1000000007;
    }
    if (last < 0) fail("no user message");
    const std::string reply = "You said:\n" + request.messages[size_t(last)].content;
    const uint64_t prompt_tokens = (chars + 3) / 4;
    const uint64_t completion_tokens = (reply.size() + 3) / 4;
    const std::string id = "chatcmpl-" + std::to_string(seed) + "-" + payload;

    ChatResponse response{{{"stop", 0, {reply, "assistant"}}},
                          CREATED,
                          id,
                          request.model,
                          "chat.completion",
                          {completion_tokens, prompt_tokens, prompt_tokens + completion_tokens}};
    const std::string response_json = json(response).dump();
    const ChatResponse parsed = json::parse(response_json).get<ChatResponse>();
    if (parsed.choices.size() != 1) fail("response choices");
    const Choice& choice = parsed.choices[0];
    if (choice.message.content != reply || choice.message.role != "assistant" || choice.finish_reason != "stop" ||
        choice.index != 0)
        fail("response choice");
    if (parsed.id != id || parsed.created != CREATED || parsed.model != MODEL || parsed.object != "chat.completion")
        fail("response fields");
    const Usage& usage = parsed.usage;
    if (usage.prompt_tokens != prompt_tokens || usage.completion_tokens != completion_tokens ||
        usage.total_tokens != prompt_tokens + completion_tokens)
        fail("response usage");
    checksum = (checksum * 31 + choice.message.content.size()) % 1000000007;
    checksum = (checksum * 31 + usage.total_tokens) % 1000000007;

    return "messages " + std::to_string(request.messages.size()) + " chars " + std::to_string(chars) +
           " last_user " + std::to_string(last) + " " + std::to_string(request.messages[size_t(last)].content.size()) +
           "\nrequest_bytes " + std::to_string(request_json.size()) + " response_bytes " +
           std::to_string(response_json.size()) + "\nusage " + std::to_string(usage.prompt_tokens) + " " +
           std::to_string(usage.completion_tokens) + " " + std::to_string(usage.total_tokens) + "\nchecksum " +
           std::to_string(checksum) + "\n";
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
