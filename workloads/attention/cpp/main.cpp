// attention workload in C++: one head of scaled dot-product attention (workloads/attention/README.md).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "runner.hpp"

namespace {

// The head dimension: Q, K and V are [seq, D], row-major.
constexpr int D = 64;

// Park-Miller "minimal standard" generator, exact in 64-bit integers.
class Rng {
public:
    explicit Rng(int64_t seed) : state_(seed) {}
    int64_t next() {
        state_ = state_ * 48271 % 2147483647;
        return state_;
    }
    // 2u - 1 with u = next() / 2147483647: uniform in (-1, 1).
    double symmetric() { return 2.0 * (static_cast<double>(next()) / 2147483647.0) - 1.0; }

private:
    int64_t state_;
};

void check_generator() {
    Rng rng(42);
    for (int64_t expected : {2027382, 1226992407, 551494037}) {
        int64_t got = rng.next();
        if (got != expected)
            throw std::runtime_error("generator test vector mismatch: expected " + std::to_string(expected) +
                                     ", got " + std::to_string(got));
    }
}

// The read-only inputs, generated once per process (README: "Data").
struct Inputs {
    int64_t seed;
    int seq;
    std::vector<double> q, k, v;

    Inputs(int64_t seed_, int seq_) : seed(seed_), seq(seq_) {
        Rng rng(seed);
        for (std::vector<double>* m : {&q, &k, &v})
            for (int n = 0; n < seq * D; ++n) m->push_back(rng.symmetric());
    }
};

// softmax(Q K^T / sqrt(D)) V, one query row at a time, in the summation orders of the README.
std::vector<double> attention(int seq, const std::vector<double>& q, const std::vector<double>& k,
                              const std::vector<double>& v) {
    const double scale = std::sqrt(static_cast<double>(D));
    std::vector<double> out(static_cast<size_t>(seq) * D, 0.0);
    std::vector<double> scores(seq);
    for (int i = 0; i < seq; ++i) {
        const double* qi = &q[static_cast<size_t>(i) * D];
        for (int j = 0; j < seq; ++j) {
            const double* kj = &k[static_cast<size_t>(j) * D];
            double dot = 0.0;
            for (int d = 0; d < D; ++d) dot += qi[d] * kj[d];
            scores[j] = dot / scale;
        }
        double max = scores[0];
        for (int j = 1; j < seq; ++j)
            if (scores[j] > max) max = scores[j];
        double sum = 0.0;
        for (int j = 0; j < seq; ++j) {
            scores[j] = std::exp(scores[j] - max);
            sum += scores[j];
        }
        // out[i][d] = sum over j (ascending) of p[j] * V[j][d]; each element starts at 0.0.
        double* oi = &out[static_cast<size_t>(i) * D];
        for (int j = 0; j < seq; ++j) {
            double p = scores[j] / sum;
            const double* vj = &v[static_cast<size_t>(j) * D];
            for (int d = 0; d < D; ++d) oi[d] += p * vj[d];
        }
    }
    return out;
}

std::string run(const bm::Params& params) {
    check_generator();
    int64_t seed = params.integer("seed");
    if (seed < 1 || seed >= 2147483647) throw std::runtime_error("seed must be in 1..2147483646");
    int64_t seq = params.integer("seq");
    if (seq < 1 || seq > 65536) throw std::runtime_error("seq must be in 1..65536");
    static const Inputs inputs(seed, static_cast<int>(seq));  // generated on first use, read-only afterwards
    if (inputs.seed != seed || inputs.seq != seq) throw std::runtime_error("the parameters changed within the process");

    std::vector<double> out = attention(inputs.seq, inputs.q, inputs.k, inputs.v);

    double sum = 0.0, sumsq = 0.0;
    for (double x : out) {
        sum += x;
        sumsq += x * x;
    }
    char buf[256];
    int n = std::snprintf(buf, sizeof buf, "seq %d\nsum %.9f\nsumsq %.9f\n", inputs.seq, sum, sumsq);
    std::string text(buf, n);
    const int cells[3][2] = {{0, 0}, {inputs.seq / 2, D / 2}, {inputs.seq - 1, D - 1}};
    for (const auto& rc : cells) {
        n = std::snprintf(buf, sizeof buf, "out %d %d %.9f\n", rc[0], rc[1], out[static_cast<size_t>(rc[0]) * D + rc[1]]);
        text.append(buf, n);
    }
    return text;
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
