// Runner conformance fixture (xtask/tests/runners.rs): returns "unit <iteration mod m>" (README.md).
class Workload {
	public static function run(p:Params):String {
		var m = p.int("m");
		var i = p.iteration;
		return "unit " + (m == 0 ? i : i % m) + (p.int("nl") == 1 ? "\n" : "");
	}
}
