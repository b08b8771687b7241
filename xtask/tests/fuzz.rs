//! A bounded fuzz run on stable: the shipped workload and target files and a protocol
//! transcript, mutated thousands of times (bytes flipped, cut, duplicated, TOML fragments
//! spliced in), through the same checks `fuzz/` runs under libFuzzer. A panic or an error
//! that does not name its file and fix fails the test, with the input that caused it.

use xtask::fuzz;
use xtask::paths::{project_root, targets_dir, workloads_dir};
use xtask::stats::Rng;

/// Fragments that reach the loaders' deeper checks once spliced into a valid file.
const FRAGMENTS: &[&str] = &[
    "\n[axis]\nparam = \"n\"\nvalues = [\"1\", \"1\"]\n",
    "\ncycle = 0\n",
    "\nkind = \"service\"\n",
    "\n[[budgets]]\ndescription = \"x\"\nsize = \"quick\"\nmetric = \"peak_rss_mib\"\nmax = -1\n",
    "\n[[ratios]]\ndescription = \"x\"\nnumerator = \"a\"\ndenominator = \"a\"\nmetric = \"wall_ms\"\n",
    "\n[sizes.quick.load]\nconcurrency = []\nwarmup_s = 1\nmeasure_s = 1\npayload = \"S\"\n",
    "\ntimeout_secs = 1e309\n",
    "\niterations = 7\n",
    "\"\u{1b}[31m\"",
    "{out}/{source}/{missing}",
    "\n#bm iter 0 warmup 18446744073709551615\n",
    "\n#bm iter x 5\n#bm ready\n#bm done\n#bm error \u{0}\n",
    "\n#bm \u{85}\u{85}\u{85}error x\n",
];

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = if data.is_empty() { 0 } else { rng.below(data.len()) };
        match rng.below(5) {
            0 if !data.is_empty() => data[at] ^= 1 << rng.below(8),
            1 => {
                let end = (at + rng.below(64)).min(data.len());
                data.drain(at..end);
            }
            2 => {
                let end = (at + rng.below(64)).min(data.len());
                let piece = data[at..end].to_vec();
                data.splice(at..at, piece);
            }
            3 => {
                let f = FRAGMENTS[rng.below(FRAGMENTS.len())].as_bytes();
                data.splice(at..at, f.iter().copied());
            }
            _ => data.truncate(at),
        }
    }
    data
}

fn run(name: &str, seeds: &[Vec<u8>], rounds: usize, check: fn(&[u8])) {
    let mut rng = Rng::new(0x5eed ^ name.len() as u64);
    let started = std::time::Instant::now();
    for round in 0..rounds {
        // Bounded in time as well as count: a slow machine runs fewer rounds, never longer.
        if started.elapsed() > std::time::Duration::from_secs(20) {
            eprintln!("{name}: stopped after {round} rounds (20 s)");
            break;
        }
        let seed = &seeds[round % seeds.len()];
        let input = mutate(seed, &mut rng);
        let outcome = std::panic::catch_unwind(|| check(&input));
        assert!(outcome.is_ok(), "{name}: round {round} failed on input:\n{}", String::from_utf8_lossy(&input));
    }
}

fn files(dir: &std::path::Path, pick: impl Fn(&std::path::Path) -> Option<std::path::PathBuf>) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> =
        std::fs::read_dir(dir).unwrap().flatten().filter_map(|e| pick(&e.path())).map(|p| std::fs::read(p).unwrap()).collect();
    out.sort();
    out
}

#[test]
fn workload_files_survive_mutation() {
    let seeds = files(&workloads_dir(&project_root()), |p| Some(p.join("workload.toml")).filter(|f| f.is_file()));
    assert!(seeds.len() >= 10);
    run("workload", &seeds, 30_000, fuzz::workload_toml);
}

#[test]
fn target_files_survive_mutation() {
    let seeds = files(&targets_dir(&project_root()), |p| (p.extension().is_some_and(|e| e == "toml")).then(|| p.to_path_buf()));
    assert!(seeds.len() >= 10);
    run("target", &seeds, 30_000, fuzz::target_toml);
}

#[test]
fn protocol_transcripts_survive_mutation() {
    let seed = b"#bm ready\n#bm iter 0 warmup 1200\n#bm iter 1 3400\nresult 42\n#bm error something\n#bm done\n".to_vec();
    run("protocol", &[seed], 100_000, fuzz::protocol_lines);
}
