// stream workload in C++: a toy decoder that emits every token as a server-sent event,
// flushed one by one or buffered until the end (workloads/stream/README.md).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "runner.hpp"

namespace {

constexpr uint64_t MODULUS = 2147483647;

// Park-Miller "minimal standard" generator; 64-bit state so the product never overflows.
struct Rng {
    uint64_t state;
    uint64_t next() { return state = state * 48271 % MODULUS; }
    // A uniform double in (-1, 1).
    double weight() { return 2.0 * (double(next()) / 2147483647.0) - 1.0; }
};

// The read-only model, built once per process (README: "The model").
struct Model {
    std::tuple<int64_t, int64_t, int64_t> key;
    std::vector<std::string> words;
    std::vector<double> w;   // vocab x dim, row-major
    std::vector<double> e;   // vocab x dim, row-major
    std::vector<double> h0;  // dim
    uint64_t decode_state;
};

std::unique_ptr<Model> build_model(int64_t seed, int64_t vocab, int64_t dim) {
    auto m = std::make_unique<Model>();
    m->key = {seed, vocab, dim};
    Rng rng{uint64_t(seed)};
    m->words.resize(vocab);
    for (std::string& word : m->words) {
        uint64_t len = 2 + rng.next() % 7;
        for (uint64_t k = 0; k < len; ++k) word += char('a' + rng.next() % 26);
    }
    m->w.resize(vocab * dim);
    for (double& x : m->w) x = rng.weight();
    m->e.resize(vocab * dim);
    for (double& x : m->e) x = rng.weight();
    m->h0.resize(dim);
    for (double& x : m->h0) x = rng.weight();
    m->decode_state = rng.state;
    return m;
}

const Model& model(int64_t seed, int64_t vocab, int64_t dim) {
    static std::unique_ptr<Model> cached;
    if (!cached || cached->key != std::make_tuple(seed, vocab, dim)) cached = build_model(seed, vocab, dim);
    return *cached;
}

void check_generator() {
    Rng rng{42};
    for (uint64_t expected : {2027382ull, 1226992407ull, 551494037ull}) {
        uint64_t got = rng.next();
        if (got != expected)
            throw std::runtime_error("generator test vector mismatch: expected " + std::to_string(expected) +
                                     ", got " + std::to_string(got));
    }
}

void write_out(const std::string& bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0)
        throw std::runtime_error("cannot write to stdout");
}

std::string run(const bm::Params& params) {
    check_generator();
    int64_t seed = params.integer("seed"), vocab = params.integer("vocab"), dim = params.integer("dim"),
            tokens = params.integer("tokens");
    const std::string& mode = params.str("mode");
    if (mode != "flushed" && mode != "buffered") bm::usage_error("parameter mode=" + mode + " must be flushed or buffered");
    if (seed < 1 || seed >= int64_t(MODULUS)) bm::usage_error("parameter seed must be in 1..2147483646");
    if (vocab < 1 || dim < 1 || tokens < 1) bm::usage_error("parameters vocab, dim and tokens must be >= 1");
    const bool flushed = mode == "flushed";
    const Model& m = model(seed, vocab, dim);

    Rng rng{m.decode_state};
    std::vector<double> h = m.h0;
    uint32_t checksum = 2166136261u;
    uint64_t bytes = 0;
    std::string buffer;
    int64_t last = 0;
    for (int64_t i = 0; i < tokens; ++i) {
        // logits = W h, each a dot product summed in order j = 0..dim; argmax, ties to the lowest index.
        int64_t best = 0;
        double best_logit = 0.0;
        for (int64_t v = 0; v < vocab; ++v) {
            const double* row = &m.w[v * dim];
            double s = 0.0;
            for (int64_t j = 0; j < dim; ++j) s += row[j] * h[j];
            if (v == 0 || s > best_logit) {
                best = v;
                best_logit = s;
            }
        }
        last = best;

        std::string event = "data: {\"index\":" + std::to_string(i) + ",\"token\":\"" + m.words[best] + "\"}\n\n";
        for (unsigned char b : event) checksum = (checksum ^ b) * 16777619u;
        bytes += event.size();
        if (flushed)
            write_out(event);
        else
            buffer += event;

        const double* emb = &m.e[best * dim];
        for (int64_t j = 0; j < dim; ++j) {
            double noise = double(rng.next()) / 2147483647.0 - 0.5;
            h[j] = 0.5 * ((h[j] + emb[j]) + noise);
        }
    }
    if (!flushed) write_out(buffer);
    return "tokens " + std::to_string(tokens) + "\nbytes " + std::to_string(bytes) + "\nchecksum " +
           std::to_string(checksum) + "\nlast " + m.words[last] + "\n";
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
