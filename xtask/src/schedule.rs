//! The order of runs: every cell once per round, rounds shuffled with the session's seed,
//! so that machine moods (another process, thermal state) fall on all cells alike instead
//! of on whichever cell's block they coincide with.

use crate::stats::{self, Rng};

/// How many measured runs each cell gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Runs {
    pub min: u32,
    pub max: u32,
    /// Stop a cell once its median's 95 % interval is narrower than this fraction of it.
    pub target_ci: Option<f64>,
}

impl Runs {
    pub fn fixed(n: u32) -> Runs {
        Runs { min: n, max: n, target_ci: None }
    }
}

/// One round: the active cells in a shuffled order.
pub fn round<T: Clone>(active: &[T], rng: &mut Rng) -> Vec<T> {
    let mut order = active.to_vec();
    rng.shuffle(&mut order);
    order
}

/// Whether a cell with these measured wall times needs another run in round `done`.
pub fn wants_more(done: u32, wall_ms: &[f64], runs: &Runs, rng: &mut Rng) -> bool {
    if done < runs.min {
        return true;
    }
    if done >= runs.max {
        return false;
    }
    match runs.target_ci {
        None => true,
        Some(target) => stats::bootstrap(wall_ms, rng, stats::median).relative_width() > target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_are_permutations_reproducible_from_the_seed() {
        let cells: Vec<usize> = (0..8).collect();
        let (mut a, mut b) = (Rng::new(11), Rng::new(11));
        let rounds_a: Vec<Vec<usize>> = (0..5).map(|_| round(&cells, &mut a)).collect();
        let rounds_b: Vec<Vec<usize>> = (0..5).map(|_| round(&cells, &mut b)).collect();
        assert_eq!(rounds_a, rounds_b, "the same seed gives the same order");
        for r in &rounds_a {
            let mut sorted = r.clone();
            sorted.sort();
            assert_eq!(sorted, cells, "each round runs every active cell once");
        }
        assert!(rounds_a.windows(2).any(|w| w[0] != w[1]), "rounds are shuffled, not one fixed order");
        let other: Vec<Vec<usize>> = (0..5).map(|_| round(&cells, &mut Rng::new(12))).collect();
        assert_ne!(rounds_a, other);
    }

    #[test]
    fn adaptive_runs_stop_when_the_interval_is_narrow() {
        let runs = Runs { min: 3, max: 10, target_ci: Some(0.05) };
        let mut rng = Rng::new(1);
        assert!(wants_more(2, &[10.0, 10.0], &runs, &mut rng), "below the minimum");
        assert!(!wants_more(4, &[10.0, 10.01, 9.99, 10.0], &runs, &mut rng), "tight: stop");
        assert!(wants_more(4, &[10.0, 14.0, 7.0, 12.0], &runs, &mut rng), "wide: go on");
        assert!(!wants_more(10, &[10.0, 14.0, 7.0, 12.0], &runs, &mut rng), "the maximum ends it");
        assert!(wants_more(4, &[10.0; 4], &Runs::fixed(5), &mut rng) && !wants_more(5, &[10.0; 5], &Runs::fixed(5), &mut rng));
    }
}
