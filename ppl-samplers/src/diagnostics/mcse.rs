//! Monte Carlo standard errors of the mean and of the standard deviation.

use super::ess::ess_mean;
use super::{mean, valid, var};

/// MCSE of the mean: `sd / √ESS_mean` (`sd` of the pooled draws, `n − 1` denominator).
pub fn mcse_mean(chains: &[&[f64]]) -> f64 {
    if !valid(chains, 4) {
        return f64::NAN;
    }
    let all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    var(&all).sqrt() / ess_mean(chains).sqrt()
}

/// MCSE of the standard deviation (ArviZ's delta-method estimator).
///
/// # Formula
///
/// With `s_i = (x_i − x̄)²` over the pooled draws and `ESS = ess_mean(s)`:
///
/// ```text
/// E = mean(s),  Var(E) ≈ (mean(s²) − E²) / ESS,   MCSE(sd) = √(Var(E) / (4E))
/// ```
pub fn mcse_sd(chains: &[&[f64]]) -> f64 {
    if !valid(chains, 4) {
        return f64::NAN;
    }
    let all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    let m = mean(&all);
    let sq: Vec<Vec<f64>> = chains
        .iter()
        .map(|c| c.iter().map(|x| (x - m) * (x - m)).collect())
        .collect();
    let sq_slices: Vec<&[f64]> = sq.iter().map(|c| c.as_slice()).collect();
    let ess = ess_mean(&sq_slices);
    let flat: Vec<f64> = sq.iter().flat_map(|c| c.iter().copied()).collect();
    let e = mean(&flat);
    let e2 = flat.iter().map(|s| s * s).sum::<f64>() / flat.len() as f64;
    let varvar = (e2 - e * e) / ess;
    (varvar / e / 4.0).sqrt()
}
