// nbody workload in Haxe (every Haxe target): the 5-body simulation, in the order of operations of ../README.md.

private class Body {
	public var x:Float;
	public var y:Float;
	public var z:Float;
	public var vx:Float;
	public var vy:Float;
	public var vz:Float;
	public var mass:Float;

	public function new(x:Float, y:Float, z:Float, vx:Float, vy:Float, vz:Float, mass:Float) {
		this.x = x;
		this.y = y;
		this.z = z;
		this.vx = vx * Workload.DAYS_PER_YEAR;
		this.vy = vy * Workload.DAYS_PER_YEAR;
		this.vz = vz * Workload.DAYS_PER_YEAR;
		this.mass = mass * Workload.SOLAR_MASS;
	}
}

class Workload {
	public static inline var PI = 3.141592653589793;
	public static inline var SOLAR_MASS = 4 * PI * PI;
	public static inline var DAYS_PER_YEAR = 365.24;

	public static function run(p:Params):String {
		var steps = p.int("steps");
		var bodies = [
			new Body(0, 0, 0, 0, 0, 0, 1),
			new Body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03,
				7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04),
			new Body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03,
				4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04),
			new Body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03,
				2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05),
			new Body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03,
				1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05)
		];
		offsetMomentum(bodies);
		var before = energy(bodies);
		for (_ in 0...steps)
			advance(bodies, 0.01);
		var after = energy(bodies);
		return format9(before) + "\n" + format9(after) + "\n";
	}

	static function offsetMomentum(bodies:Array<Body>) {
		var px = 0.0, py = 0.0, pz = 0.0;
		for (b in bodies) {
			px += b.vx * b.mass;
			py += b.vy * b.mass;
			pz += b.vz * b.mass;
		}
		var sun = bodies[0];
		sun.vx = -px / SOLAR_MASS;
		sun.vy = -py / SOLAR_MASS;
		sun.vz = -pz / SOLAR_MASS;
	}

	static function energy(bodies:Array<Body>):Float {
		var e = 0.0;
		var n = bodies.length;
		for (i in 0...n) {
			var b = bodies[i];
			e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
			for (j in i + 1...n) {
				var b2 = bodies[j];
				var dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
				e -= (b.mass * b2.mass) / Math.sqrt(dx * dx + dy * dy + dz * dz);
			}
		}
		return e;
	}

	static function advance(bodies:Array<Body>, dt:Float) {
		var n = bodies.length;
		for (i in 0...n) {
			var b = bodies[i];
			for (j in i + 1...n) {
				var b2 = bodies[j];
				var dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
				var d2 = dx * dx + dy * dy + dz * dz;
				var mag = dt / (d2 * Math.sqrt(d2));
				b.vx -= dx * b2.mass * mag;
				b.vy -= dy * b2.mass * mag;
				b.vz -= dz * b2.mass * mag;
				b2.vx += dx * b.mass * mag;
				b2.vy += dy * b.mass * mag;
				b2.vz += dz * b.mass * mag;
			}
		}
		for (b in bodies) {
			b.x += dt * b.vx;
			b.y += dt * b.vy;
			b.z += dt * b.vz;
		}
	}

	/**
		C's "%.9f": the exact binary value of x rounded to 9 decimals, ties to even, the sign
		kept (also on -0 and on values that round to zero). Haxe has no printf, Std.string may
		use exponents, and rounding the product (a - floor(a)) * 1e9 is not enough: that product
		is itself rounded, which can move a value lying just below a half-way point onto it.
		So the product is computed exactly as p + err (Dekker's two-product, no FMA needed)
		and the rounding decision is taken on the exact remainder.
	**/
	public static function format9(x:Float):String {
		if (Math.isNaN(x))
			return "nan";
		// -0 is told apart by atan2 (-pi for -0, pi for +0): 1 / x throws on python and php, and
		// FPHelper drops the sign of zero there.
		var negative = x < 0 || (x == 0 && Math.atan2(x, -1) < 0);
		var a = Math.abs(x);
		if (!Math.isFinite(a))
			return negative ? "-inf" : "inf";
		var whole = Math.ffloor(a);
		var frac = a - whole; // exact
		var p = frac * 1e9;
		var err = twoProductError(frac, 1e9, p); // frac * 1e9 == p + err exactly
		var n = Math.ffloor(p);
		var d = p - n; // exact, in [0, 1)
		// The exact remainder is d + err, and |err| <= 2^-24 because p < 2^30.
		if (d >= 0.25) {
			var s = (d - 0.5) + err; // d - 0.5 is exact here; the sign of s is the sign of the exact sum
			if (s > 0 || (s == 0 && n % 2 == 1))
				n += 1;
		}
		if (n >= 1e9) {
			whole += 1;
			n -= 1e9;
		}
		return (negative ? "-" : "") + digits(whole) + "." + StringTools.lpad(digits(n), "0", 9);
	}

	/** The rounding error of p = a * b, exactly: a * b - p (Dekker 1971, with Veltkamp's split). **/
	static function twoProductError(a:Float, b:Float, p:Float):Float {
		var c = 134217729.0 * a; // 2^27 + 1
		var ah = c - (c - a), al = a - ah;
		c = 134217729.0 * b;
		var bh = c - (c - b), bl = b - bh;
		return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
	}

	/** The decimal digits of a non-negative integral Float, which may exceed Int's range (31 bits on neko). **/
	static function digits(v:Float):String {
		if (v < 1e9)
			return Std.string(Std.int(v));
		var s = "";
		while (v >= 1) {
			var d = v % 10;
			s = String.fromCharCode("0".code + Std.int(d)) + s;
			v = (v - d) / 10;
		}
		return s;
	}
}
