// noop workload in C++: the runtime floor (workloads/noop/README.md).
#include <string>

#include "runner.hpp"

static std::string run(const bm::Params& params) { return "noop " + std::to_string(params.integer("n")) + "\n"; }

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
