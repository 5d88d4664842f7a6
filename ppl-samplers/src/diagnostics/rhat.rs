//! Potential scale reduction: the basic R-hat and the rank-normalised split R-hat.

use super::rank_normalize::{fold, rank_normalize, split_chains};
use super::{as_slices, mean, valid, var};

/// R-hat of chains as given (no splitting, no ranks).
///
/// # Formula
///
/// ```text
/// B/n = var(chain means),  W = mean(chain variances),
/// R̂ = √((n−1)/n + (B/n)/W)
/// ```
///
/// Needs at least 2 chains of 2 draws; NaN for constant chains (`W = 0`).
pub fn rhat_basic(chains: &[&[f64]]) -> f64 {
    if chains.len() < 2 || !valid(chains, 2) {
        return f64::NAN;
    }
    let n = chains[0].len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let between = n * var(&means);
    let within = chains.iter().map(|c| var(c)).sum::<f64>() / chains.len() as f64;
    if within == 0.0 {
        return f64::NAN;
    }
    ((between / within + n - 1.0) / n).sqrt()
}

/// Rank-normalised split R-hat (Vehtari et al. 2021): the larger of the R-hat of the
/// rank-normalised split chains (bulk) and of the rank-normalised split chains folded
/// around the median (tail).
///
/// Needs at least 4 draws per chain; works with a single chain (split in two), unlike
/// ArviZ which requires two chains.
///
/// # Examples
///
/// ```
/// use ppl_samplers::diagnostics::rhat;
/// let a: Vec<f64> = (0..100).map(|i| ((i * 37) % 101) as f64).collect();
/// let b: Vec<f64> = a.iter().map(|x| x + 1000.0).collect(); // not mixed
/// assert!(rhat(&[&a, &b]) > 1.5);
/// ```
pub fn rhat(chains: &[&[f64]]) -> f64 {
    if !valid(chains, 4) {
        return f64::NAN;
    }
    let split = split_chains(chains);
    let split = as_slices(&split);
    let bulk = rhat_basic(&as_slices(&rank_normalize(&split)));
    let folded = fold(&split);
    let tail = rhat_basic(&as_slices(&rank_normalize(&as_slices(&folded))));
    bulk.max(tail)
}
