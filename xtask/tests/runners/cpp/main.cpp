// Runner conformance fixture (xtask/tests/runners.rs): returns "unit <iteration mod m>" (README.md).
#include <string>

#include "runner.hpp"

static std::string run(const bm::Params& p) {
    int64_t m = p.integer("m"), i = p.iteration();
    std::string result = "unit " + std::to_string(m == 0 ? i : i % m);
    if (p.integer("nl") == 1) result += "\n";
    return result;
}

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
