// bpe workload in C++: learn byte-pair-encoding merges from a generated corpus, then encode a
// held-out text with them (workloads/bpe/README.md).
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runner.hpp"

namespace {

constexpr uint64_t CHECKSUM_MODULUS = 1000000007;
constexpr int SHOWN_MERGES = 8;
const std::string CONSONANTS = "bcdfghjklmnprstvwz";
const std::string VOWELS = "aeiou";

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

std::string make_word(Rng& rng) {
    std::string w;
    uint64_t syllables = 1 + rng.next() % 3;
    for (uint64_t k = 0; k < syllables; ++k) {
        w += CONSONANTS[rng.next() % CONSONANTS.size()];
        w += VOWELS[rng.next() % VOWELS.size()];
        if (rng.next() % 4 == 0) w += CONSONANTS[rng.next() % CONSONANTS.size()];
    }
    return w;
}

// `count` words of `vocab`, skewed towards its start, joined by single spaces.
std::string text_of(Rng& rng, const std::vector<std::string>& vocab, uint64_t count, bool with_new_words) {
    uint64_t n = vocab.size();
    std::string text;
    for (uint64_t k = 0; k < count; ++k) {
        if (k > 0) text += ' ';
        if (with_new_words && rng.next() % 10 == 0) {
            text += make_word(rng);
        } else {
            uint64_t r = rng.next() % n;
            uint64_t s = rng.next() % n;
            text += vocab[r * s / n];
        }
    }
    return text;
}

// The read-only input, built once per process on the first call (see the README).
struct Texts {
    std::string corpus, heldout;
};

const Texts& texts(const bm::Params& params) {
    static std::unique_ptr<Texts> built;
    if (!built) {
        int64_t seed = params.integer("seed"), vocab_size = params.integer("vocab"), words = params.integer("words");
        int64_t test_seed = params.integer("test_seed"), test_words = params.integer("test_words");
        if (seed < 1 || seed >= 2147483647 || test_seed < 1 || test_seed >= 2147483647 || vocab_size < 1 ||
            vocab_size > 67108864 || words < 1 || test_words < 1)
            throw std::runtime_error("need 1 <= seed, test_seed < 2^31-1, 1 <= vocab <= 2^26, words, test_words >= 1");
        Rng rng{uint64_t(seed)};
        std::vector<std::string> vocab;
        for (int64_t i = 0; i < vocab_size; ++i) vocab.push_back(make_word(rng));
        auto t = std::make_unique<Texts>();
        t->corpus = text_of(rng, vocab, uint64_t(words), false);
        Rng test{uint64_t(test_seed)};
        t->heldout = text_of(test, vocab, uint64_t(test_words), true);
        built = std::move(t);
    }
    return *built;
}

// Pre-tokenisation: each chunk is a word with the space before it (none for the first word).
template <class F>
void for_each_chunk(std::string_view text, F f) {
    size_t start = 0;
    for (size_t i = 1; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ' ') {
            f(text.substr(start, i - start));
            start = i;
        }
    }
}

uint32_t key(uint32_t a, uint32_t b) { return a << 16 | b; }

// Replaces every occurrence of (a, b), left to right and not overlapping, by `id`, in place.
void merge(std::vector<uint32_t>& s, uint32_t a, uint32_t b, uint32_t id) {
    size_t n = s.size(), j = 0;
    for (size_t i = 0; i < n; ++j) {
        if (i + 1 < n && s[i] == a && s[i + 1] == b) {
            s[j] = id;
            i += 2;
        } else {
            s[j] = s[i];
            i += 1;
        }
    }
    s.resize(j);
}

struct Merge {
    uint32_t a, b;
    uint64_t count;
};

std::string run(const bm::Params& params) {
    check_generator();
    int64_t merges_wanted = params.integer("merges");
    if (merges_wanted < 0 || merges_wanted > 32768 - 256)
        throw std::runtime_error("need 0 <= merges <= 32512");
    const Texts& t = texts(params);

    // Learn: the distinct chunks with their counts, each as a sequence of symbols (bytes first).
    std::unordered_map<std::string_view, uint64_t> chunk_counts;
    for_each_chunk(t.corpus, [&](std::string_view c) { ++chunk_counts[c]; });
    std::vector<std::pair<std::vector<uint32_t>, uint64_t>> words;
    words.reserve(chunk_counts.size());
    for (const auto& [chunk, count] : chunk_counts)
        words.emplace_back(std::vector<uint32_t>(chunk.begin(), chunk.end()), count);

    std::vector<Merge> merges;
    std::unordered_map<uint32_t, uint64_t> pairs;
    for (int64_t m = 0; m < merges_wanted; ++m) {
        pairs.clear();
        for (const auto& [s, count] : words)
            for (size_t i = 0; i + 1 < s.size(); ++i) pairs[key(s[i], s[i + 1])] += count;
        if (pairs.empty()) break;
        uint32_t best = 0;
        uint64_t best_count = 0;
        for (const auto& [k, count] : pairs)
            if (count > best_count || (count == best_count && k < best)) {
                best = k;
                best_count = count;
            }
        uint32_t a = best >> 16, b = best & 0xFFFF, id = uint32_t(256 + m);
        merges.push_back({a, b, best_count});
        for (auto& word : words)
            if (word.first.size() >= 2) merge(word.first, a, b, id);
    }

    // Encode: in each chunk, merge the adjacent pair of lowest rank until none has a rank.
    std::unordered_map<uint32_t, uint32_t> ranks;
    for (size_t r = 0; r < merges.size(); ++r) ranks.emplace(key(merges[r].a, merges[r].b), uint32_t(r));
    uint64_t tokens = 0, checksum = 0;
    std::vector<uint32_t> ids;
    for_each_chunk(t.heldout, [&](std::string_view chunk) {
        ids.assign(chunk.begin(), chunk.end());
        while (ids.size() >= 2) {
            uint32_t best_rank = UINT32_MAX;
            for (size_t i = 0; i + 1 < ids.size(); ++i) {
                auto it = ranks.find(key(ids[i], ids[i + 1]));
                if (it != ranks.end() && it->second < best_rank) best_rank = it->second;
            }
            if (best_rank == UINT32_MAX) break;
            merge(ids, merges[best_rank].a, merges[best_rank].b, 256 + best_rank);
        }
        for (uint32_t id : ids) checksum = (checksum * 31 + id) % CHECKSUM_MODULUS;
        tokens += ids.size();
    });

    uint64_t merges_checksum = 0;
    for (const Merge& m : merges) {
        merges_checksum = (merges_checksum * 31 + m.a) % CHECKSUM_MODULUS;
        merges_checksum = (merges_checksum * 31 + m.b) % CHECKSUM_MODULUS;
    }
    std::string out = "merges " + std::to_string(merges.size()) + "\nvocab " + std::to_string(256 + merges.size()) + '\n';
    for (size_t r = 0; r < merges.size() && r < SHOWN_MERGES; ++r)
        out += "merge " + std::to_string(256 + r) + " = " + std::to_string(merges[r].a) + " " +
               std::to_string(merges[r].b) + " count " + std::to_string(merges[r].count) + '\n';
    out += "merges_checksum " + std::to_string(merges_checksum) + "\nheldout_bytes " + std::to_string(t.heldout.size()) +
           "\ntokens " + std::to_string(tokens) + "\nchecksum " + std::to_string(checksum) + '\n';
    return out;
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
