// nbody workload in C++: the 5-body Jovian simulation of workloads/nbody/README.md.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "runner.hpp"

namespace {

constexpr double PI = 3.141592653589793;
constexpr double SOLAR_MASS = 4 * PI * PI;
constexpr double DAYS_PER_YEAR = 365.24;
constexpr int N = 5;

struct Body {
    double x, y, z, vx, vy, vz, mass;
};

constexpr Body body(double x, double y, double z, double vx, double vy, double vz, double mass) {
    return {x, y, z, vx * DAYS_PER_YEAR, vy * DAYS_PER_YEAR, vz * DAYS_PER_YEAR, mass * SOLAR_MASS};
}

constexpr std::array<Body, N> initial = {{
    body(0, 0, 0, 0, 0, 0, 1),
    body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
         1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
         9.54791938424326609e-04),
    body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
         -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
         2.85885980666130812e-04),
    body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
         2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
         4.36624404335156298e-05),
    body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
         2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
         5.15138902046611451e-05),
}};

void offset_momentum(std::array<Body, N>& bodies) {
    double px = 0, py = 0, pz = 0;
    for (const Body& b : bodies) {
        px += b.vx * b.mass;
        py += b.vy * b.mass;
        pz += b.vz * b.mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

double energy(const std::array<Body, N>& bodies) {
    double e = 0;
    for (int i = 0; i < N; ++i) {
        const Body& b = bodies[i];
        e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
        for (int j = i + 1; j < N; ++j) {
            const Body& b2 = bodies[j];
            double dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
            e -= (b.mass * b2.mass) / std::sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

void advance(std::array<Body, N>& bodies, double dt) {
    for (int i = 0; i < N; ++i) {
        Body& b = bodies[i];
        for (int j = i + 1; j < N; ++j) {
            Body& b2 = bodies[j];
            double dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * std::sqrt(d2));
            b.vx -= dx * b2.mass * mag;
            b.vy -= dy * b2.mass * mag;
            b.vz -= dz * b2.mass * mag;
            b2.vx += dx * b.mass * mag;
            b2.vy += dy * b.mass * mag;
            b2.vz += dz * b.mass * mag;
        }
    }
    for (Body& b : bodies) {
        b.x += dt * b.vx;
        b.y += dt * b.vy;
        b.z += dt * b.vz;
    }
}

std::string run(const bm::Params& params) {
    int64_t steps = params.integer("steps");
    std::array<Body, N> bodies = initial;
    offset_momentum(bodies);
    double before = energy(bodies);
    for (int64_t s = 0; s < steps; ++s) advance(bodies, 0.01);
    double after = energy(bodies);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9f\n%.9f\n", before, after);
    return buf;
}

}  // namespace

int main(int argc, char** argv) { return bm::main(argc, argv, run); }
