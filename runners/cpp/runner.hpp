// bm runner for C++ (header-only, C++17): the protocol of runners/PROTOCOL.md around one workload function.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bm {

[[noreturn]] inline void usage_error(const std::string& message) {
    std::fprintf(stderr, "bm runner: %s\n", message.c_str());
    std::exit(2);
}

inline std::optional<int64_t> parse_int(const std::string& text) {
    int64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
    return value;
}

// The workload parameters (every key=value argument whose key does not start with "bm.").
class Params {
public:
    explicit Params(std::map<std::string, std::string> values) : values_(std::move(values)) {}

    // A missing parameter is fatal (exit 2).
    const std::string& str(const std::string& key) const {
        auto it = values_.find(key);
        if (it == values_.end()) usage_error("missing parameter " + key);
        return it->second;
    }

    // A missing or malformed integer parameter is fatal (exit 2).
    int64_t integer(const std::string& key) const {
        const std::string& text = str(key);
        auto value = parse_int(text);
        if (!value) usage_error("parameter " + key + "=" + text + " is not an integer");
        return *value;
    }

    // The index of the current iteration, 0-based, warm-ups included. With bm.cycle=D the
    // workload works on unit iteration() % D.
    int64_t iteration() const { return iteration_; }

    // Set by the runner before each iteration (the workload only ever sees a const Params&).
    void set_iteration(int64_t i) { iteration_ = i; }

private:
    std::map<std::string, std::string> values_;
    int64_t iteration_ = 0;
};

// Tells the optimiser that `value` is read and may have been written, so the work producing it
// can be neither discarded nor moved out of the timed region or hoisted out of the loop.
template <class T>
inline void keep(T& value) {
#if defined(__GNUC__)
    asm volatile("" : : "r"(&value) : "memory");
#else
    static const void* volatile sink;
    sink = &value;
#endif
}

inline int64_t count_arg(const std::string& key, const std::string& text, int64_t min) {
    auto value = parse_int(text);
    if (!value || *value < min)
        usage_error(key + "=" + text + ": expected an integer >= " + std::to_string(min));
    return *value;
}

inline void protocol_line(const std::string& line) {
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

// Runs the whole protocol around `run`; returns the process exit status.
inline int main(int argc, char** argv, std::string (*run)(const Params&)) {
    int64_t warmup = 0, iterations = 1, cycle = 1;
    std::map<std::string, std::string> values;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto eq = arg.find('=');
        if (eq == std::string::npos) usage_error("argument \"" + arg + "\" is not key=value");
        std::string key = arg.substr(0, eq), value = arg.substr(eq + 1);
        if (key == "bm.warmup") {
            warmup = count_arg(key, value, 0);
        } else if (key == "bm.iterations") {
            iterations = count_arg(key, value, 1);
        } else if (key == "bm.cycle") {
            cycle = count_arg(key, value, 1);
        } else if (key.rfind("bm.", 0) == 0) {
            // A mistyped runner option must not silently change what is measured.
            usage_error("unknown runner option " + key);
        } else {
            values[key] = value;
        }
    }
    if (cycle > warmup + iterations)
        usage_error("bm.cycle=" + std::to_string(cycle) + " is more than bm.warmup + bm.iterations = " +
                    std::to_string(warmup + iterations));
    Params params(std::move(values));

    protocol_line("#bm ready");
    // The results of iterations 0..cycle; every later one is compared with the one a cycle
    // before, which (by induction) equals units[i % cycle]. Only `cycle` results are kept.
    std::vector<std::string> units;
    for (int64_t i = 0; i < warmup + iterations; ++i) {
        params.set_iteration(i);
        auto start = std::chrono::steady_clock::now();
        keep(params);
        std::string result = run(params);
        keep(result);
        auto end = std::chrono::steady_clock::now();
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
        protocol_line("#bm iter " + std::to_string(i) + (i < warmup ? " warmup " : " measured ") +
                      std::to_string(ns));
        if (i < cycle) {
            units.push_back(std::move(result));
        } else if (result != units[static_cast<size_t>(i % cycle)]) {
            protocol_line("#bm error nondeterministic result at iteration " + std::to_string(i));
            return 3;
        }
    }
    for (const std::string& unit : units) {
        std::fwrite(unit.data(), 1, unit.size(), stdout);
        if (!unit.empty() && unit.back() != '\n') std::fputc('\n', stdout);
    }
    protocol_line("#bm done");
    return std::ferror(stdout) ? 1 : 0;
}

}  // namespace bm
