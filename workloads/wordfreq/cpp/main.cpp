// wordfreq workload in C++: generate a pseudo-random text and count its words (workloads/wordfreq/README.md).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runner.hpp"

namespace {

// Park-Miller "minimal standard" generator; 64-bit state so the product never overflows.
struct Rng {
    uint64_t state;
    uint64_t next() { return state = state * 48271 % 2147483647; }
};

char upper(char c) { return c >= 'a' && c <= 'z' ? char(c - 32) : c; }
char to_lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; }
bool is_letter(char c) { return c >= 'a' && c <= 'z'; }

std::string generate(uint64_t seed, uint64_t vocab, uint64_t words) {
    Rng rng{seed};
    std::vector<std::string> dictionary(vocab);
    for (std::string& w : dictionary) {
        uint64_t len = 2 + rng.next() % 7;
        for (uint64_t i = 0; i < len; ++i) w += char('a' + rng.next() % 26);
    }
    std::string text;
    text.reserve(words * 8);
    for (uint64_t k = 0; k < words; ++k) {
        uint64_t r = rng.next() % vocab;
        uint64_t s = rng.next() % vocab;
        const std::string& w = dictionary[r * s / vocab];
        switch (rng.next() % 10) {
            case 0:
                for (char c : w) text += upper(c);
                break;
            case 1:
                text += upper(w[0]);
                text.append(w, 1, std::string::npos);
                break;
            default:
                text += w;
        }
        switch (rng.next() % 20) {
            case 0: text += ". "; break;
            case 1: text += ", "; break;
            case 2: text += '\n'; break;
            default: text += ' ';
        }
    }
    return text;
}

// The generated text is the read-only input: made on the first call, kept for the next calls
// with the same parameters (README: "What is measured").
const std::string& corpus(uint64_t seed, uint64_t vocab, uint64_t words) {
    static struct {
        bool made = false;
        uint64_t seed, vocab, words;
        std::string text;
    } cache;
    if (!cache.made || cache.seed != seed || cache.vocab != vocab || cache.words != words) {
        cache.text = generate(seed, vocab, words);
        cache.made = true, cache.seed = seed, cache.vocab = vocab, cache.words = words;
    }
    return cache.text;
}

std::string run(const bm::Params& params) {
    const std::string& text = corpus(params.integer("seed"), params.integer("vocab"), params.integer("words"));
    std::string lower(text.size(), '\0');
    std::transform(text.begin(), text.end(), lower.begin(), to_lower);

    // Keys are views into `lower`, which outlives the map: no string is copied per word
    // (README: allowed where the standard map takes such keys).
    std::unordered_map<std::string_view, uint64_t> counts;
    uint64_t total = 0;
    const char* p = lower.data();
    const char* end = p + lower.size();
    while (p < end) {
        if (!is_letter(*p)) {
            ++p;
            continue;
        }
        const char* start = p;
        while (p < end && is_letter(*p)) ++p;
        ++counts[std::string_view(start, p - start)];
        ++total;
    }

    std::vector<std::pair<std::string_view, uint64_t>> ranked(counts.begin(), counts.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    size_t top = std::min<size_t>(10, ranked.size());
    uint64_t checksum = 0;
    for (const auto& [w, n] : counts) {
        uint64_t h = 0;
        for (size_t i = 0; i < w.size(); ++i) h += (i + 1) * uint64_t(w[i] - 96);
        checksum = (checksum + n * h) % 1000000007;
    }

    std::string out;
    for (size_t i = 0; i < top; ++i) {
        out.append(ranked[i].first);
        out += ' ' + std::to_string(ranked[i].second) + '\n';
    }
    out += "distinct " + std::to_string(counts.size()) + "\ntotal " + std::to_string(total) +
           "\nchecksum " + std::to_string(checksum) + '\n';
    return out;
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
