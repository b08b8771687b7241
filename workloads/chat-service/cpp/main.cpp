// chat-service in C++: epoll with non-blocking sockets, one thread per core, each with its own
// epoll instance (level-triggered) sharing the listening socket (EPOLLEXCLUSIVE), nlohmann::json
// for the bodies. A stream writes one event per turn of its thread's loop and makes the next only
// once that one is out; a turn touches only the connections with an event or a due stream timer
// (a heap of timers), so 10,000 held streams cost what their events cost. The protocol: runners/SERVICE.md; what is computed:
// workloads/chat-service/README.md. The runner header is not used: no timed iterations.

#include <algorithm>
#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <vector>

using nlohmann::json;

static const size_t MAX_BODY = 1 << 20;

static long long now_ns() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static std::string fnv1a(const std::string &s) {
    uint32_t h = 2166136261u;
    for (unsigned char b : s) h = (h ^ b) * 16777619u;
    char buf[9];
    snprintf(buf, sizeof buf, "%08x", h);
    return buf;
}

static const char *reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    default: return "Internal Server Error";
    }
}

static std::string plain(int status, const std::string &type, const std::string &body, const std::string &extra = "") {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

static std::string error_reply(int status, const char *message, const char *type, const std::string &extra = "") {
    json e = {{"error", {{"message", message}, {"type", type}}}};
    return plain(status, "application/json", e.dump(), extra);
}

static std::string chunk(const std::string &data) {
    char size[32];
    snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

static std::string event(json delta, bool finish) {
    json e = {{"choices", json::array({{{"delta", delta}, {"finish_reason", finish ? json("stop") : json(nullptr)}, {"index", 0}}})},
              {"id", "chatcmpl-bm"},
              {"object", "chat.completion.chunk"}};
    return chunk("data: " + e.dump() + "\n\n");
}

struct Stream {
    std::string h;
    long long i = 0, tokens = 0, delay_us = 0, due = 0;
};

struct Conn {
    std::string in, out;
    bool streaming = false, close = false;
    Stream s;
    /// The epoll interest registered now.
    uint32_t mask = EPOLLIN;
    /// The arming of this connection's pending stream timer (0: none).
    unsigned long long armed = 0;
};

// The reply to a chat request; a stream sets c.s and c.streaming instead.
static std::string chat(Conn &c, const std::string &body) {
    json req = json::parse(body, nullptr, false);
    if (req.is_discarded() || !req.is_object() || !req.contains("messages") || !req["messages"].is_array() || req["messages"].empty())
        return error_reply(400, "malformed request", "invalid_request_error");
    const json &messages = req["messages"];
    const json &last = messages.back();
    if (!last.is_object() || !last.contains("content") || !last["content"].is_string())
        return error_reply(400, "malformed request", "invalid_request_error");
    size_t chars = 0;
    for (const auto &m : messages)
        if (m.is_object() && m.contains("content") && m["content"].is_string()) chars += m["content"].get_ref<const std::string &>().size();
    long long prompt = (long long)(chars + 3) / 4;
    const std::string &content = last["content"].get_ref<const std::string &>();
    std::string h = fnv1a(content);
    if (req.contains("stream") && req["stream"].is_boolean() && req["stream"].get<bool>()) {
        c.streaming = true;
        c.s = Stream{};
        c.s.h = h;
        c.s.tokens = req.contains("max_tokens") && req["max_tokens"].is_number_integer() ? req["max_tokens"].get<long long>() : 16;
        c.s.delay_us = req.contains("bm_delay_us") && req["bm_delay_us"].is_number_integer() ? req["bm_delay_us"].get<long long>() : 0;
        c.s.due = now_ns() + c.s.delay_us * 1000;
        return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";
    }
    std::string model = req.contains("model") && req["model"].is_string() ? req["model"].get<std::string>() : "";
    json resp = {
        {"choices", json::array({{{"finish_reason", "stop"}, {"index", 0}, {"message", {{"content", "echo n=" + std::to_string(content.size()) + " fnv=" + h}, {"role", "assistant"}}}}})},
        {"created", 1700000000},
        {"id", "chatcmpl-bm"},
        {"model", model},
        {"object", "chat.completion"},
        {"usage", {{"completion_tokens", 3}, {"prompt_tokens", prompt}, {"total_tokens", prompt + 3}}},
    };
    return plain(200, "application/json", resp.dump());
}

static std::string route(Conn &c, const std::string &method, const std::string &path, const std::string &body) {
    if (method == "GET" && path == "/healthz") return plain(200, "text/plain", "ok");
    if (method == "POST" && path == "/v1/chat/completions:rate") return error_reply(429, "rate limited", "rate_limit_error", "Retry-After: 1\r\n");
    if (method == "POST" && path == "/v1/chat/completions:error") return error_reply(500, "internal error", "server_error");
    if (method == "POST" && path == "/v1/chat/completions") return chat(c, body);
    return error_reply(404, "not found", "not_found_error");
}

static std::string lower(std::string s) {
    for (auto &ch : s) ch = (char)tolower((unsigned char)ch);
    return s;
}

// Parses every complete request in c.in (while no stream is running); false: close the connection.
static bool parse(Conn &c) {
    while (!c.streaming && c.out.empty() && !c.close) {
        size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos) return c.in.size() <= 65536;
        size_t line_end = c.in.find("\r\n");
        std::string first = c.in.substr(0, line_end);
        size_t sp1 = first.find(' '), sp2 = first.find(' ', sp1 + 1);
        if (sp1 == std::string::npos || sp2 == std::string::npos) return false;
        std::string method = first.substr(0, sp1), target = first.substr(sp1 + 1, sp2 - sp1 - 1);
        size_t length = 0;
        size_t pos = line_end + 2;
        while (pos < end) {
            size_t e = c.in.find("\r\n", pos);
            std::string line = c.in.substr(pos, e - pos);
            pos = e + 2;
            size_t colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string k = lower(line.substr(0, colon)), v = line.substr(colon + 1);
            while (!v.empty() && v.front() == ' ') v.erase(0, 1);
            while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.pop_back();
            if (k == "content-length") length = (size_t)strtoull(v.c_str(), nullptr, 10);
            if (k == "connection" && lower(v) == "close") c.close = true;
        }
        if (length > MAX_BODY) {
            c.out = error_reply(413, "request too large", "invalid_request_error", "Connection: close\r\n");
            c.close = true;
            return true;
        }
        if (c.in.size() < end + 4 + length) return true;
        std::string body = c.in.substr(end + 4, length);
        c.in.erase(0, end + 4 + length);
        std::string path = target.substr(0, target.find('?'));
        c.out = route(c, method, path, body);
    }
    return true;
}

static void worker(int listener) {
    int ep = epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.fd = listener;
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    std::unordered_map<int, Conn> conns;
    std::vector<epoll_event> events(256);
    // Streams waiting for their next event: (due, fd, arming). A connection is armed at most
    // once (Conn::armed); an entry whose arming no longer matches is stale (the stream moved
    // on, or the fd was closed and reused) and is skipped.
    using Timer = std::tuple<long long, int, unsigned long long>;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers;
    unsigned long long armings = 0;
    auto drop = [&](int fd) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        conns.erase(fd);
    };
    // Changes the epoll interest only when it changes: one system call per change, not per turn.
    auto want = [&](int fd, Conn &c) {
        uint32_t mask = (c.out.empty() ? 0 : EPOLLOUT) | (c.streaming ? 0 : EPOLLIN);
        if (mask == c.mask) return;
        c.mask = mask;
        epoll_event e{};
        e.events = mask;
        e.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
    };
    // Moves one connection on as far as it can go now: its stream's next event once the one
    // before is out and its delay has passed (one per turn), the requests in its buffer, a write.
    auto service = [&](int fd) {
        auto it = conns.find(fd);
        if (it == conns.end()) return;
        Conn &c = it->second;
        long long now = now_ns();
        if (c.out.empty() && c.streaming && c.s.due <= now) {
            if (c.s.i < c.s.tokens) {
                c.out = event({{"content", c.s.h + ":" + std::to_string(c.s.i) + " "}}, false);
                c.s.due = now + c.s.delay_us * 1000;
            } else if (c.s.i == c.s.tokens) {
                c.out = event(json::object(), true);
            } else {
                c.out = chunk("data: [DONE]\n\n") + "0\r\n\r\n";
                c.streaming = false;
            }
            c.s.i++;
        }
        if ((c.out.empty() && !c.streaming && c.close) || !parse(c)) {
            drop(fd);
            return;
        }
        if (!c.out.empty()) {
            // Try the write at once; what does not fit waits for EPOLLOUT.
            ssize_t w = write(fd, c.out.data(), c.out.size());
            if (w > 0) c.out.erase(0, (size_t)w);
        }
        if (c.out.empty() && !c.streaming && c.close) {
            drop(fd);
            return;
        }
        if (c.out.empty() && c.streaming && !c.armed) {
            c.armed = ++armings;
            timers.emplace(c.s.due, fd, c.armed);
        }
        want(fd, c);
    };
    std::vector<int> ready;
    for (;;) {
        long long now = now_ns();
        int timeout_ms = -1;
        if (!timers.empty()) {
            long long due = std::get<0>(timers.top());
            timeout_ms = due > now ? (int)((due - now + 999999) / 1000000) : 0;
        }
        int n = epoll_wait(ep, events.data(), (int)events.size(), timeout_ms);
        ready.clear();
        for (int k = 0; k < n; k++) {
            int fd = events[k].data.fd;
            if (fd == listener) {
                // Up to 64 at a time: a burst of connections is taken in a few turns.
                for (int a = 0; a < 64; a++) {
                    int cfd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
                    if (cfd < 0) break;
                    int one = 1;
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conns[cfd] = Conn{};
                    epoll_event e{};
                    e.events = EPOLLIN;
                    e.data.fd = cfd;
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &e);
                }
                continue;
            }
            auto it = conns.find(fd);
            if (it == conns.end()) continue;
            Conn &c = it->second;
            if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                char buf[65536];
                ssize_t r = read(fd, buf, sizeof buf);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    drop(fd);
                    continue;
                }
                if (r > 0) c.in.append(buf, (size_t)r);
            }
            if ((events[k].events & EPOLLOUT) && !c.out.empty()) {
                ssize_t w = write(fd, c.out.data(), c.out.size());
                if (w < 0 && errno != EAGAIN && errno != EINTR) {
                    drop(fd);
                    continue;
                }
                if (w > 0) c.out.erase(0, (size_t)w);
            }
            ready.push_back(fd);
        }
        // The streams whose next event is due (taken before any is served, so an event due at
        // once still waits for the next turn).
        now = now_ns();
        while (!timers.empty() && std::get<0>(timers.top()) <= now) {
            auto [due, fd, arming] = timers.top();
            timers.pop();
            auto it = conns.find(fd);
            if (it != conns.end() && it->second.armed == arming) {
                it->second.armed = 0;
                ready.push_back(fd);
            }
        }
        // A connection with both an event and a due timer is served once this turn.
        std::sort(ready.begin(), ready.end());
        ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
        for (int fd : ready) service(fd);
    }
}

int main(int argc, char **argv) {
    long port = -1;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        size_t eq = arg.find('=');
        if (eq == std::string::npos) {
            fprintf(stderr, "chat-service: argument `%s` is not key=value\n", argv[i]);
            return 2;
        }
        if (arg.substr(0, eq) == "port") {
            std::string v = arg.substr(eq + 1);
            port = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos && v.size() < 6 ? std::stol(v) : -1;
        }
    }
    if (port < 0 || port > 65535) {
        fprintf(stderr, "chat-service: missing or bad parameter port\n");
        return 2;
    }
    // SIGTERM is taken by sigwait in main; every thread inherits the blocked mask.
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, nullptr);
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 4096) != 0) {
        fprintf(stderr, "chat-service: cannot listen on 127.0.0.1:%ld: %s\n", port, strerror(errno));
        return 1;
    }
    socklen_t len = sizeof addr;
    getsockname(listener, (sockaddr *)&addr, &len);
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < cores; i++) std::thread(worker, listener).detach();
    printf("#bm listening %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    int sig = 0;
    sigwait(&term, &sig);
    close(listener);
    printf("#bm done\n");
    fflush(stdout);
    // The workers and their connections go with the process.
    _exit(0);
}
