// alloctrees workload in C++: the Benchmarks Game's binary-trees (workloads/alloctrees/README.md).
// Every node is its own allocation through std::make_unique (operator new): no pool, arena or
// custom allocator, unlike the Benchmarks Game's fastest C++ entries (on purpose, see README).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "runner.hpp"

namespace {

constexpr int MIN_DEPTH = 4;

// A tree node: both children or none (a leaf). The unique_ptrs free the subtree.
struct Node {
    std::unique_ptr<Node> left, right;

    // The number of nodes in the tree.
    int64_t check() const { return left ? 1 + left->check() + right->check() : 1; }
};

// A perfect tree of the given depth (depth 0 is a single leaf), built bottom-up.
std::unique_ptr<Node> bottom_up_tree(int depth) {
    auto node = std::make_unique<Node>();
    if (depth > 0) {
        node->left = bottom_up_tree(depth - 1);
        node->right = bottom_up_tree(depth - 1);
    }
    return node;
}

std::string run(const bm::Params& params) {
    int64_t n = params.integer("depth");
    if (n < 0 || n > 25) throw std::runtime_error("depth must be in 0..25");
    int max_depth = n > MIN_DEPTH + 2 ? static_cast<int>(n) : MIN_DEPTH + 2;
    std::string out;
    char buf[128];

    int stretch_depth = max_depth + 1;
    int64_t stretch = bottom_up_tree(stretch_depth)->check();
    std::snprintf(buf, sizeof buf, "stretch tree of depth %d\t check: %lld\n", stretch_depth, (long long)stretch);
    out += buf;

    std::unique_ptr<Node> long_lived = bottom_up_tree(max_depth);

    for (int depth = MIN_DEPTH; depth <= max_depth; depth += 2) {
        int64_t iterations = int64_t{1} << (max_depth - depth + MIN_DEPTH);
        int64_t check = 0;
        for (int64_t i = 0; i < iterations; ++i) check += bottom_up_tree(depth)->check();
        std::snprintf(buf, sizeof buf, "%lld\t trees of depth %d\t check: %lld\n", (long long)iterations, depth,
                      (long long)check);
        out += buf;
    }

    std::snprintf(buf, sizeof buf, "long lived tree of depth %d\t check: %lld\n", max_depth,
                  (long long)long_lived->check());
    out += buf;
    return out;
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
