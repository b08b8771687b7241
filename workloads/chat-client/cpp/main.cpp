// chat-client workload in C++ (workloads/chat-client/README.md): an OpenAI-style chat-completions
// client on libcurl's multi interface, with nlohmann::json for the bodies.
//
// Concurrency model: one thread drives one multi handle with C reusable easy handles (one per
// "worker"); the multi handle's connection cache keeps at most C keep-alive connections
// (CURLMOPT_MAX_HOST_CONNECTIONS = C). A worker whose answer is complete takes the next request
// of the phase; a worker that got a 429 parks until its retry is due, without holding up the
// others (the loop polls curl no longer than the earliest due retry).
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

enum class Outcome { Ok, Status, Malformed, Timeout, Connect };

// One phase's requests and what came back.
struct Phase {
    std::string name;
    std::string url;
    std::string body;  // serialised once per phase, sent by every request of it
    bool stream = false;
    bool measured = false;
    int64_t count = 0;

    int64_t ok = 0, status = 0, malformed = 0, timeout = 0, connect = 0, retries = 0;
    uint64_t bytes = 0, tokens = 0;
    uint32_t checksum = 0;
    int64_t ns = 0;
    std::vector<int64_t> lat, ttfb;
};

// A worker: one easy handle, and the state of the request it is doing.
struct Worker {
    CURL* easy = nullptr;
    Phase* phase = nullptr;
    int64_t tokens = 0;  // T, for the stream check

    // The request (across its attempts).
    Clock::time_point start;
    int64_t retries = 0;
    bool waiting = false;  // parked after a 429
    Clock::time_point due;

    // The current attempt.
    long code = 0;
    std::string body;  // plain answers, and the bodies of non-200 stream answers
    bool have_retry_ms = false, have_retry_s = false;
    double retry_ms = 0, retry_s = 0;

    // The stream parser's state.
    std::string line;   // the incomplete line so far
    std::string data;   // the current event's data lines
    bool in_event = false;
    std::string content;  // the deltas concatenated
    bool done = false, bad = false, ttfb_seen = false;
    Clock::time_point first_token;

    void reset_attempt() {
        code = 0;
        body.clear();
        have_retry_ms = have_retry_s = false;
        line.clear();
        data.clear();
        in_event = false;
        content.clear();
        done = bad = ttfb_seen = false;
    }
};

int64_t micros(Clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); }

bool is_hex8(const std::string& s, size_t at) {
    if (s.size() < at + 8) return false;
    for (size_t i = at; i < at + 8; ++i)
        if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    return true;
}

// Header lines: the status line (every one, in case of an interim 1xx) and the two retry hints.
size_t on_header(char* ptr, size_t size, size_t nmemb, void* user) {
    auto* w = static_cast<Worker*>(user);
    size_t n = size * nmemb;
    std::string h(ptr, n);
    while (!h.empty() && (h.back() == '\n' || h.back() == '\r')) h.pop_back();
    if (h.rfind("HTTP/", 0) == 0) {
        size_t sp = h.find(' ');
        w->code = sp == std::string::npos ? 0 : std::strtol(h.c_str() + sp + 1, nullptr, 10);
        w->have_retry_ms = w->have_retry_s = false;
        return n;
    }
    size_t colon = h.find(':');
    if (colon == std::string::npos) return n;
    std::string name = h.substr(0, colon);
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::string value = h.substr(colon + 1);
    size_t b = value.find_first_not_of(" \t");
    value = b == std::string::npos ? "" : value.substr(b);
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    bool number = !value.empty() && end && *end == '\0' && v >= 0;
    if (name == "retry-after-ms" && number) {
        w->have_retry_ms = true, w->retry_ms = v;
    } else if (name == "retry-after" && number) {
        w->have_retry_s = true, w->retry_s = v;
    }
    return n;
}

// One complete SSE event's data: "[DONE]" ends the stream, anything else is a JSON chunk whose
// choices[0].delta.content (absent in the finish event) is appended.
void on_event(Worker* w) {
    if (w->done) {
        w->bad = true;  // nothing may follow [DONE]
        return;
    }
    if (w->data == "[DONE]") {
        w->done = true;
        return;
    }
    try {
        json event = json::parse(w->data);
        const json& delta = event.at("choices").at(0).at("delta");
        auto it = delta.find("content");
        if (it == delta.end()) return;
        const std::string& piece = it->get_ref<const std::string&>();
        if (!piece.empty() && !w->ttfb_seen) {
            w->ttfb_seen = true;
            w->first_token = Clock::now();
        }
        w->content += piece;
    } catch (const json::exception&) {
        w->bad = true;
    }
}

// A stream's body, parsed line by line as it arrives (lines end in \n, an optional \r before it
// is dropped; a blank line ends an event; only data: fields matter).
void feed_sse(Worker* w, const char* p, size_t n) {
    const char* end = p + n;
    while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
        if (!nl) {
            w->line.append(p, size_t(end - p));
            return;
        }
        w->line.append(p, size_t(nl - p));
        p = nl + 1;
        if (!w->line.empty() && w->line.back() == '\r') w->line.pop_back();
        if (w->line.empty()) {
            if (w->in_event) on_event(w);
            w->data.clear();
            w->in_event = false;
        } else if (w->line.rfind("data:", 0) == 0) {
            size_t from = w->line.size() > 5 && w->line[5] == ' ' ? 6 : 5;
            if (w->in_event) w->data += '\n';
            w->data.append(w->line, from, std::string::npos);
            w->in_event = true;
        }
        w->line.clear();
    }
}

size_t on_body(char* ptr, size_t size, size_t nmemb, void* user) {
    auto* w = static_cast<Worker*>(user);
    size_t n = size * nmemb;
    w->phase->bytes += n;
    if (w->phase->stream && w->code == 200) {
        feed_sse(w, ptr, n);
    } else {
        w->body.append(ptr, n);
    }
    return n;
}

// A plain answer: choices[0].message.content is "echo n=<n> fnv=<8 hex>"; returns h.
bool check_plain(const std::string& body, uint32_t& h) {
    try {
        json answer = json::parse(body);
        const std::string& content = answer.at("choices").at(0).at("message").at("content").get_ref<const std::string&>();
        const std::string prefix = "echo n=";
        if (content.rfind(prefix, 0) != 0) return false;
        size_t i = prefix.size(), digits = i;
        while (i < content.size() && std::isdigit(static_cast<unsigned char>(content[i]))) ++i;
        if (i == digits || content.compare(i, 5, " fnv=") != 0) return false;
        i += 5;
        if (!is_hex8(content, i) || content.size() != i + 8) return false;
        h = uint32_t(std::strtoul(content.substr(i).c_str(), nullptr, 16));
        return true;
    } catch (const json::exception&) {
        return false;
    }
}

// A finished stream: [DONE] seen, every event parsed, and the deltas are exactly
// "<h>:0 <h>:1 ... <h>:<T-1> "; returns h.
bool check_stream(const Worker& w, uint32_t& h) {
    if (w.bad || !w.done || !w.line.empty() || w.in_event) return false;
    if (!is_hex8(w.content, 0)) return false;
    const std::string hex = w.content.substr(0, 8);
    std::string expected;
    expected.reserve(w.content.size());
    for (int64_t i = 0; i < w.tokens; ++i) expected += hex + ":" + std::to_string(i) + " ";
    if (w.content != expected) return false;
    h = uint32_t(std::strtoul(hex.c_str(), nullptr, 16));
    return true;
}

class Client {
public:
    Client(int64_t concurrency, int64_t retries, int64_t timeout_ms, int64_t tokens)
        : retries_(retries), workers_(size_t(concurrency)) {
        multi_ = curl_multi_init();
        if (!multi_) throw std::runtime_error("curl_multi_init failed");
        curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, long(concurrency));
        curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, long(concurrency));
        headers_ = curl_slist_append(headers_, "Content-Type: application/json");
        // No "Expect: 100-continue" round trip for larger bodies: no other client waits for one.
        headers_ = curl_slist_append(headers_, "Expect:");
        for (Worker& w : workers_) {
            w.easy = curl_easy_init();
            if (!w.easy) throw std::runtime_error("curl_easy_init failed");
            w.tokens = tokens;
            curl_easy_setopt(w.easy, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1));
            curl_easy_setopt(w.easy, CURLOPT_HTTPHEADER, headers_);
            curl_easy_setopt(w.easy, CURLOPT_POST, 1L);
            curl_easy_setopt(w.easy, CURLOPT_TIMEOUT_MS, long(timeout_ms));
            curl_easy_setopt(w.easy, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(w.easy, CURLOPT_WRITEFUNCTION, on_body);
            curl_easy_setopt(w.easy, CURLOPT_WRITEDATA, &w);
            curl_easy_setopt(w.easy, CURLOPT_HEADERFUNCTION, on_header);
            curl_easy_setopt(w.easy, CURLOPT_HEADERDATA, &w);
            curl_easy_setopt(w.easy, CURLOPT_PRIVATE, &w);
        }
    }
    ~Client() {
        for (Worker& w : workers_) curl_easy_cleanup(w.easy);
        curl_multi_cleanup(multi_);
        curl_slist_free_all(headers_);
    }

    void run(Phase& phase) {
        phase_ = &phase;
        next_ = finished_ = 0;
        size_t active = size_t(std::min<int64_t>(phase.count, int64_t(workers_.size())));
        for (size_t i = 0; i < active; ++i) {
            Worker& w = workers_[i];
            w.phase = &phase;
            curl_easy_setopt(w.easy, CURLOPT_URL, phase.url.c_str());
            curl_easy_setopt(w.easy, CURLOPT_POSTFIELDS, phase.body.data());
            curl_easy_setopt(w.easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(phase.body.size()));
        }
        Clock::time_point first = Clock::now(), last = first;
        for (size_t i = 0; i < active; ++i) start_request(workers_[i]);
        while (finished_ < phase.count) {
            int running = 0;
            CURLMcode mc = curl_multi_perform(multi_, &running);
            if (mc != CURLM_OK) throw std::runtime_error(std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
            int left = 0;
            while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
                if (msg->msg != CURLMSG_DONE) continue;
                Worker* w = nullptr;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&w));
                CURLcode rc = msg->data.result;
                curl_multi_remove_handle(multi_, msg->easy_handle);
                if (finish_attempt(*w, rc)) last = Clock::now();
            }
            // Retries that are due go out now; the poll below waits no longer than the next one.
            Clock::time_point now = Clock::now();
            int wait_ms = 1000;
            for (Worker& w : workers_) {
                if (!w.waiting) continue;
                if (w.due <= now) {
                    w.waiting = false;
                    send(w);
                    wait_ms = 0;
                } else {
                    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(w.due - now).count() + 1;
                    wait_ms = std::min<int>(wait_ms, int(ms));
                }
            }
            if (finished_ >= phase.count) break;
            mc = curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr);
            if (mc != CURLM_OK) throw std::runtime_error(std::string("curl_multi_poll: ") + curl_multi_strerror(mc));
        }
        phase.ns = phase.count == 0 ? 0 : std::chrono::duration_cast<std::chrono::nanoseconds>(last - first).count();
    }

private:
    void send(Worker& w) {
        w.reset_attempt();
        CURLMcode mc = curl_multi_add_handle(multi_, w.easy);
        if (mc != CURLM_OK) throw std::runtime_error(std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
    }

    void start_request(Worker& w) {
        ++next_;
        w.retries = 0;
        w.waiting = false;
        w.start = Clock::now();
        send(w);
    }

    // Returns true when the request is finished (false when a retry was scheduled).
    bool finish_attempt(Worker& w, CURLcode rc) {
        Phase& p = *phase_;
        if (rc == CURLE_OK && w.code == 429 && w.retries < retries_) {
            ++w.retries;
            ++p.retries;
            double ms = w.have_retry_ms ? w.retry_ms : w.have_retry_s ? w.retry_s * 1000.0 : 0.0;
            w.waiting = true;
            w.due = Clock::now() + std::chrono::microseconds(int64_t(ms * 1000.0));
            return false;
        }
        Outcome outcome;
        uint32_t h = 0;
        if (rc == CURLE_OPERATION_TIMEDOUT) {
            outcome = Outcome::Timeout;
        } else if (rc != CURLE_OK) {
            outcome = Outcome::Connect;
        } else if (w.code != 200) {
            outcome = Outcome::Status;
        } else if (p.stream ? check_stream(w, h) : check_plain(w.body, h)) {
            outcome = Outcome::Ok;
        } else {
            outcome = Outcome::Malformed;
        }
        Clock::time_point end = Clock::now();
        switch (outcome) {
            case Outcome::Ok:
                ++p.ok;
                p.checksum += h;
                if (p.stream) p.tokens += uint64_t(w.tokens);
                if (p.measured) {
                    p.lat.push_back(micros(end - w.start));
                    if (p.stream) p.ttfb.push_back(micros(w.first_token - w.start));
                }
                break;
            case Outcome::Status: ++p.status; break;
            case Outcome::Malformed: ++p.malformed; break;
            case Outcome::Timeout: ++p.timeout; break;
            case Outcome::Connect: ++p.connect; break;
        }
        ++finished_;
        if (next_ < p.count) start_request(w);
        return true;
    }

    CURLM* multi_ = nullptr;
    curl_slist* headers_ = nullptr;
    int64_t retries_;
    std::vector<Worker> workers_;
    Phase* phase_ = nullptr;
    int64_t next_ = 0, finished_ = 0;
};

std::string request_body(const std::string& content, int64_t max_tokens, bool stream) {
    json body = {{"max_tokens", max_tokens},
                 {"messages", json::array({{{"content", "You are a benchmark."}, {"role", "system"}},
                                           {{"content", content}, {"role", "user"}}})},
                 {"model", "bm-echo"},
                 {"stream", stream}};
    return body.dump();
}

void numbers(std::string& out, const std::string& label, const std::vector<int64_t>& values) {
    // At most 1000 numbers per line; an empty list still gets its (empty) line.
    size_t i = 0;
    do {
        out += label;
        for (size_t end = std::min(values.size(), i + 1000); i < end; ++i) out += " " + std::to_string(values[i]);
        out += "\n";
    } while (i < values.size());
}

std::string run(const bm::Params& params) {
    const std::string base = params.str("base");
    const int64_t concurrency = params.integer("concurrency");
    const int64_t warmup = params.integer("warmup"), requests = params.integer("requests");
    const int64_t streams = params.integer("streams"), tokens = params.integer("tokens");
    const int64_t length = params.integer("content"), probe = params.integer("probe");
    const int64_t retries = params.integer("retries"), timeout_ms = params.integer("timeout_ms");
    if (concurrency < 1) throw std::runtime_error("concurrency must be >= 1");

    const std::string unit = "Hello, world! ";
    std::string content;
    content.reserve(size_t(length));
    while (content.size() < size_t(length)) content += unit;
    content.resize(size_t(length));

    const std::string chat = base + "/v1/chat/completions";
    struct Spec {
        const char* name;
        std::string url;
        bool stream, measured;
        int64_t count;
    };
    const std::vector<Spec> specs = {
        {"warmup", chat, false, false, warmup},           {"chat", chat, false, true, requests},
        {"stream", chat, true, true, streams},            {"rate", chat + ":rate", false, false, probe},
        {"error", chat + ":error", false, false, probe}, {"malformed", chat + ":malformed", false, false, probe},
    };

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    std::vector<Phase> phases;
    {
        Client client(concurrency, retries, timeout_ms, tokens);
        for (const Spec& s : specs) {
            Phase p;
            p.name = s.name;
            p.url = s.url;
            p.stream = s.stream;
            p.measured = s.measured;
            p.count = s.count;
            p.body = request_body(content, s.stream ? tokens : 16, s.stream);
            phases.push_back(std::move(p));
        }
        for (Phase& p : phases) client.run(p);
    }
    curl_global_cleanup();

    std::string out;
    char hex[16];
    for (const Phase& p : phases) {
        std::snprintf(hex, sizeof hex, "%08x", p.checksum);
        out += "phase " + p.name + " requests=" + std::to_string(p.count) + " ok=" + std::to_string(p.ok) +
               " status=" + std::to_string(p.status) + " malformed=" + std::to_string(p.malformed) +
               " timeout=" + std::to_string(p.timeout) + " connect=" + std::to_string(p.connect) +
               " retries=" + std::to_string(p.retries) + " bytes=" + std::to_string(p.bytes) +
               " tokens=" + std::to_string(p.tokens) + " checksum=" + hex + " ns=" + std::to_string(p.ns) + "\n";
    }
    numbers(out, "lat chat", phases[1].lat);
    numbers(out, "lat stream", phases[2].lat);
    numbers(out, "ttfb stream", phases[2].ttfb);
    return out;
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
