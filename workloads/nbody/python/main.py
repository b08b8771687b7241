# nbody workload for CPython (see workloads/nbody/README.md).
from itertools import combinations
from math import sqrt

from runner import main

PI = 3.141592653589793
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24

INITIAL = (
    (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
    (4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
     9.54791938424326609e-04),
    (8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
     2.85885980666130812e-04),
    (1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
     4.36624404335156298e-05),
    (1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
     5.15138902046611451e-05),
)


def create_bodies():
    # Each body is ([x, y, z], [vx, vy, vz], mass): the mutable lists are shared
    # by the pair list below, so the hot loop updates them in place.
    return [
        ([x, y, z], [vx * DAYS_PER_YEAR, vy * DAYS_PER_YEAR, vz * DAYS_PER_YEAR], m * SOLAR_MASS)
        for (x, y, z, vx, vy, vz, m) in INITIAL
    ]


def offset_momentum(bodies):
    px = py = pz = 0.0
    for _, (vx, vy, vz), m in bodies:
        px += vx * m
        py += vy * m
        pz += vz * m
    v = bodies[0][1]
    v[0] = -px / SOLAR_MASS
    v[1] = -py / SOLAR_MASS
    v[2] = -pz / SOLAR_MASS


def energy(bodies):
    e = 0.0
    for i, ((x, y, z), (vx, vy, vz), m) in enumerate(bodies):
        e += 0.5 * m * (vx * vx + vy * vy + vz * vz)
        for (x2, y2, z2), _, m2 in bodies[i + 1:]:
            dx = x - x2
            dy = y - y2
            dz = z - z2
            e -= (m * m2) / sqrt(dx * dx + dy * dy + dz * dz)
    return e


def advance(bodies, pairs, steps, dt, sqrt=sqrt):
    # combinations() yields pairs in the README's (i, j > i) order; unpacking
    # into locals and binding sqrt as a local avoid repeated lookups in the
    # interpreter loop.
    for _ in range(steps):
        for ([x1, y1, z1], v1, m1, [x2, y2, z2], v2, m2) in pairs:
            dx = x1 - x2
            dy = y1 - y2
            dz = z1 - z2
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * sqrt(d2))
            v1[0] -= dx * m2 * mag
            v1[1] -= dy * m2 * mag
            v1[2] -= dz * m2 * mag
            v2[0] += dx * m1 * mag
            v2[1] += dy * m1 * mag
            v2[2] += dz * m1 * mag
        for (r, [vx, vy, vz], m) in bodies:
            r[0] += dt * vx
            r[1] += dt * vy
            r[2] += dt * vz


def run(params):
    steps = params.int("steps")
    bodies = create_bodies()
    pairs = [(r1, v1, m1, r2, v2, m2) for ((r1, v1, m1), (r2, v2, m2)) in combinations(bodies, 2)]
    offset_momentum(bodies)
    before = energy(bodies)
    advance(bodies, pairs, steps, 0.01)
    after = energy(bodies)
    return f"{before:.9f}\n{after:.9f}\n"


if __name__ == "__main__":
    main(run)
