// mlp workload in C++: one request through a dense 256-512-256-10 network (workloads/mlp/README.md).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "runner.hpp"

namespace {

constexpr int SIZES[4] = {256, 512, 256, 10};
// Weights are (2u - 1) * WEIGHT_SCALE[layer], biases (2u - 1) * BIAS_SCALE, inputs 2u - 1.
constexpr double WEIGHT_SCALE[3] = {0.15, 0.1, 0.15};
constexpr double BIAS_SCALE = 0.01;
// The batch: iteration i serves request i mod BATCH.
constexpr int BATCH = 8;

// Park-Miller "minimal standard" generator, exact in 64-bit integers.
class Rng {
public:
    explicit Rng(int64_t seed) : state_(seed) {}
    int64_t next() {
        state_ = state_ * 48271 % 2147483647;
        return state_;
    }
    // A float in (0, 1).
    double uniform() { return static_cast<double>(next()) / 2147483647.0; }
    // (2u - 1) * scale: uniform in (-scale, scale).
    double symmetric(double scale) { return (2.0 * uniform() - 1.0) * scale; }

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

// One dense layer: inputs -> outputs, weights row-major (one row of `inputs` weights per output).
struct Layer {
    int inputs, outputs;
    std::vector<double> weights, biases;
};

// The read-only model and its batch of inputs, built once per process (README: "Data").
struct Model {
    int64_t seed;
    std::vector<Layer> layers;
    std::vector<std::vector<double>> requests;

    explicit Model(int64_t seed_) : seed(seed_) {
        Rng rng(seed);
        for (int l = 0; l < 3; ++l) {
            Layer layer{SIZES[l], SIZES[l + 1], {}, {}};
            layer.weights.reserve(static_cast<size_t>(layer.inputs) * layer.outputs);
            for (int k = 0; k < layer.inputs * layer.outputs; ++k) layer.weights.push_back(rng.symmetric(WEIGHT_SCALE[l]));
            for (int k = 0; k < layer.outputs; ++k) layer.biases.push_back(rng.symmetric(BIAS_SCALE));
            layers.push_back(std::move(layer));
        }
        for (int r = 0; r < BATCH; ++r) {
            std::vector<double> x;
            for (int k = 0; k < SIZES[0]; ++k) x.push_back(rng.symmetric(1.0));
            requests.push_back(std::move(x));
        }
    }
};

// y = W x + b, each dot product summed in index order; ReLU unless it is the last layer.
std::vector<double> dense(const Layer& layer, const std::vector<double>& x, bool relu) {
    std::vector<double> y(layer.outputs);
    for (int o = 0; o < layer.outputs; ++o) {
        const double* row = layer.weights.data() + static_cast<size_t>(o) * layer.inputs;
        double acc = 0.0;
        for (int i = 0; i < layer.inputs; ++i) acc += row[i] * x[i];
        double z = acc + layer.biases[o];
        y[o] = relu && !(z > 0.0) ? 0.0 : z;
    }
    return y;
}

std::string run(const bm::Params& params) {
    check_generator();
    int64_t seed = params.integer("seed");
    if (seed < 1 || seed >= 2147483647) throw std::runtime_error("seed must be in 1..2147483646");
    static const Model model(seed);  // built on first use, read-only afterwards
    if (model.seed != seed) throw std::runtime_error("the seed changed within the process");
    int request = static_cast<int>(params.iteration() % BATCH);

    std::vector<double> x = dense(model.layers[0], model.requests[request], true);
    x = dense(model.layers[1], x, true);
    std::vector<double> logits = dense(model.layers[2], x, false);

    double max = logits[0];
    for (size_t k = 1; k < logits.size(); ++k)
        if (logits[k] > max) max = logits[k];
    std::vector<double> probs(logits.size());
    double sum = 0.0;
    for (size_t k = 0; k < logits.size(); ++k) {
        probs[k] = std::exp(logits[k] - max);
        sum += probs[k];
    }
    for (double& p : probs) p /= sum;

    size_t cls = 0;
    for (size_t k = 1; k < probs.size(); ++k)
        if (probs[k] > probs[cls]) cls = k;
    double checksum = 0.0;
    for (size_t k = 0; k < probs.size(); ++k) checksum += static_cast<double>(k + 1) * probs[k];

    char buf[128];
    std::snprintf(buf, sizeof buf, "request %d class %zu p %.9f checksum %.9f\n", request, cls, probs[cls], checksum);
    return buf;
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
