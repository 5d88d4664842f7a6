//! Convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021):
//! rank-normalised split R-hat, bulk and tail ESS, MCSE, and E-BFMI.
//!
//! Every function takes the draws of one quantity as chains (`&[&[f64]]`, equal lengths)
//! and returns NaN when the input is unusable (fewer than 4 draws per chain, unequal
//! lengths, or a non-finite draw). The formulas follow ArviZ (`arviz.rhat`, `ess`,
//! `mcse`, `bfmi`), against which they are tested; see each function.

mod autocovariance;
mod energy;
mod ess;
mod inv_normal_cdf;
mod mcse;
mod rank_normalize;
mod rhat;

pub use energy::e_bfmi;
pub use ess::{ess_basic, ess_bulk, ess_mean, ess_quantile, ess_tail};
pub use inv_normal_cdf::inv_normal_cdf;
pub use mcse::{mcse_mean, mcse_sd};
pub use rank_normalize::{fold, rank_normalize, split_chains};
pub use rhat::{rhat, rhat_basic};

/// Type-7 quantile (linear interpolation, numpy's default) of pooled draws.
///
/// ```text
/// h = (n − 1) p;  q = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎)     (x sorted, 0-based)
/// ```
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Whether the chains are usable: at least one, equal lengths ≥ `min_draws`, all finite.
pub(crate) fn valid(chains: &[&[f64]], min_draws: usize) -> bool {
    let Some(first) = chains.first() else {
        return false;
    };
    let n = first.len();
    n >= min_draws
        && chains
            .iter()
            .all(|c| c.len() == n && c.iter().all(|x| x.is_finite()))
}

pub(crate) fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample variance with `n − 1` in the denominator (two-pass).
pub(crate) fn var(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0)
}

pub(crate) fn as_slices(chains: &[Vec<f64>]) -> Vec<&[f64]> {
    chains.iter().map(|c| c.as_slice()).collect()
}
