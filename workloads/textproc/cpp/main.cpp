// textproc workload in C++: normalise, tokenise and embed one document of a generated corpus
// per iteration (workloads/textproc/README.md).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runner.hpp"

namespace {

constexpr int DIM = 64;

// Park-Miller "minimal standard" generator; 64-bit state so the product never overflows.
struct Rng {
    uint64_t state;
    uint64_t next() { return state = state * 48271 % 2147483647; }
};

void check_generator() {
    Rng rng{42};
    const uint64_t expected[3] = {2027382, 1226992407, 551494037};
    for (uint64_t e : expected) {
        uint64_t got = rng.next();
        if (got != e)
            throw std::runtime_error("generator test vector mismatch: expected " + std::to_string(e) + ", got " +
                                     std::to_string(got));
    }
}

// Indexed by next() mod 16.
const char* const SEPARATORS[16] = {". ", ", ", "; ", "! ", "? ", " - ", "\n", "\n\n",
                                    "\t", "  ", "   ", "'", "-", " ", " ", " "};

char upper(char c) { return c >= 'a' && c <= 'z' ? char(c - 32) : c; }

std::string document(Rng& rng, const std::vector<std::string>& vocab, size_t chars) {
    uint64_t n = vocab.size();
    std::string text(rng.next() % 3, ' ');
    while (text.size() < chars) {
        if (rng.next() % 16 == 0) {
            text += std::to_string(rng.next() % 10000);
        } else {
            uint64_t r = rng.next() % n;
            uint64_t s = rng.next() % n;
            const std::string& w = vocab[r * s / n];
            switch (rng.next() % 8) {
                case 0:
                    for (char c : w) text += upper(c);
                    break;
                case 1:
                    text += upper(w[0]);
                    text.append(w, 1, std::string::npos);
                    break;
                case 2:
                    for (char c : w) text += rng.next() % 2 == 1 ? upper(c) : c;
                    break;
                default:
                    text += w;
            }
        }
        text += SEPARATORS[rng.next() % 16];
    }
    text.resize(chars);
    return text;
}

// FNV-1a, 32 bits: unsigned arithmetic wraps modulo 2^32.
uint32_t fnv1a(std::string_view s) {
    uint32_t h = 2166136261u;
    for (char c : s) {
        h ^= uint8_t(c);
        h *= 16777619u;
    }
    return h;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; }

struct Embedded {
    std::string normalised;
    size_t tokens;
    size_t vocabulary;
    double embedding[DIM];
};

// Everything the README's "per document" section does, for one document.
void embed(const std::string& doc, Embedded& e) {
    // Normalise: lowercase, whitespace runs to one space, trimmed (one pass).
    std::string& norm = e.normalised;
    norm.clear();
    norm.reserve(doc.size());
    bool pending = false;
    for (char c : doc) {
        if (is_space(c)) {
            pending = true;
        } else {
            if (pending && !norm.empty()) norm += ' ';
            pending = false;
            norm += lower(c);
        }
    }

    // Tokenise: maximal runs of [a-z0-9]; views into `norm`, which outlives them.
    std::vector<std::string_view> tokens;
    const char* p = norm.data();
    const char* end = p + norm.size();
    while (p < end) {
        if (!is_alnum(*p)) {
            ++p;
            continue;
        }
        const char* start = p;
        while (p < end && is_alnum(*p)) ++p;
        tokens.emplace_back(start, p - start);
    }

    std::unordered_map<std::string_view, int> counts;
    for (std::string_view t : tokens) ++counts[t];

    double* v = e.embedding;
    for (int b = 0; b < DIM; ++b) v[b] = 0.0;
    for (const auto& [token, n] : counts) {
        uint32_t h = fnv1a(token);
        v[h % DIM] += h >= 0x80000000u ? -double(n) : double(n);
    }
    double ss = 0.0;
    for (int b = 0; b < DIM; ++b) ss += v[b] * v[b];
    if (ss > 0.0) {
        double norm2 = std::sqrt(ss);
        for (int b = 0; b < DIM; ++b) v[b] = v[b] / norm2;
    }
    e.tokens = tokens.size();
    e.vocabulary = counts.size();
}

// The read-only input, built once per process on the first call (see the README).
struct Corpus {
    std::vector<std::string> docs;
    Embedded query;
};

const Corpus& corpus(uint64_t seed, size_t docs, size_t chars, size_t vocab_size) {
    static std::unique_ptr<Corpus> built;
    if (!built) {
        Rng rng{seed};
        std::vector<std::string> vocab(vocab_size);
        for (std::string& w : vocab) {
            uint64_t len = 1 + rng.next() % 9;
            for (uint64_t i = 0; i < len; ++i) w += char('a' + rng.next() % 26);
        }
        auto c = std::make_unique<Corpus>();
        std::string query = document(rng, vocab, chars);
        for (size_t d = 0; d < docs; ++d) c->docs.push_back(document(rng, vocab, chars));
        embed(query, c->query);
        built = std::move(c);
    }
    return *built;
}

std::string run(const bm::Params& params) {
    check_generator();
    int64_t seed = params.integer("seed"), docs = params.integer("docs");
    int64_t chars = params.integer("chars"), vocab = params.integer("vocab");
    if (seed < 1 || seed >= 2147483647 || docs < 1 || chars < 1 || vocab < 1 || vocab > 67108864)
        throw std::runtime_error("need 1 <= seed < 2^31-1, docs >= 1, chars >= 1, 1 <= vocab <= 2^26");
    const Corpus& c = corpus(uint64_t(seed), size_t(docs), size_t(chars), size_t(vocab));
    size_t unit = size_t(params.iteration() % docs);

    Embedded e;
    embed(c.docs[unit], e);
    double checksum = 0.0, cosine = 0.0;
    for (int b = 0; b < DIM; ++b) checksum += double(b + 1) * e.embedding[b];
    for (int b = 0; b < DIM; ++b) cosine += e.embedding[b] * c.query.embedding[b];

    char buf[256];
    std::snprintf(buf, sizeof buf, "doc %zu chars %zu tokens %zu vocab %zu checksum %.6f cosine %.6f\n", unit,
                  e.normalised.size(), e.tokens, e.vocabulary, checksum, cosine);
    return buf;
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
