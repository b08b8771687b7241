// noop workload in Haxe (every Haxe target): the runtime floor, as in ../README.md.
class Workload {
	public static function run(p:Params):String {
		return "noop " + p.int("n") + "\n";
	}
}
