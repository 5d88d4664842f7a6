//! Effective sample sizes: the basic estimator with Geyer's initial monotone sequence,
//! and its bulk, tail, mean and quantile variants.

use super::autocovariance::Autocov;
use super::rank_normalize::{rank_normalize, split_chains};
use super::{as_slices, mean, quantile, valid, var};

/// ESS of chains as given (no splitting), Geyer's initial monotone sequence estimator.
///
/// # Formula
///
/// With `m` chains of `n` draws, `W = mean_c γ̂_c(0) · n/(n−1)` and
/// `var⁺ = W (n−1)/n + B/n` (`B/n` the variance of the chain means, for `m > 1`):
///
/// ```text
/// ρ̂_k = 1 − (W − γ̂(k)) / var⁺
/// sum pairs P_t = ρ̂_{2t} + ρ̂_{2t+1} while positive (initial positive sequence),
/// made non-increasing (initial monotone sequence),
/// τ̂ = −1 + 2 Σ_{k ≤ K} ρ̂_k + ρ̂_{K+1}    (K the last lag kept; the last term only if ρ̂_{K+1} > 0)
/// ESS = m n / max(τ̂, 1/log₁₀(m n))
/// ```
///
/// Constant input gives `m n`.
pub fn ess_basic(chains: &[&[f64]]) -> f64 {
    if !valid(chains, 2) {
        return f64::NAN;
    }
    let m = chains.len();
    let n = chains[0].len();
    let (lo, hi) = chains
        .iter()
        .flat_map(|c| c.iter())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    let total = (m * n) as f64;
    if hi - lo < 1e-15 {
        return total;
    }
    let owned: Vec<Vec<f64>> = chains.iter().map(|c| c.to_vec()).collect();
    let acov = Autocov::new(&owned);
    let nf = n as f64;
    let mean_var = acov.at(0) * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
        var_plus += var(&means);
    }
    let rho_at = |k: usize| 1.0 - (mean_var - acov.at(k)) / var_plus;

    let mut rho = vec![0.0; n];
    rho[0] = 1.0;
    let mut rho_even = 1.0;
    let mut rho_odd = rho_at(1);
    rho[1] = rho_odd;
    // Initial positive sequence.
    let mut t: usize = 1;
    while t + 3 < n && rho_even + rho_odd > 0.0 {
        rho_even = rho_at(t + 1);
        rho_odd = rho_at(t + 2);
        if rho_even + rho_odd >= 0.0 {
            rho[t + 1] = rho_even;
            rho[t + 2] = rho_odd;
        }
        t += 2;
    }
    // max_t = t − 2 may be −1 (n < 4): then only ρ̂₀ is summed via the last term.
    let max_t = t as isize - 2;
    if rho_even > 0.0 {
        rho[(max_t + 1) as usize] = rho_even;
    }
    // Initial monotone sequence.
    let mut t: isize = 1;
    while t <= max_t - 2 {
        let (u, i) = (t as usize, t as usize);
        if rho[u + 1] + rho[u + 2] > rho[i - 1] + rho[i] {
            rho[u + 1] = (rho[i - 1] + rho[i]) / 2.0;
            rho[u + 2] = rho[u + 1];
        }
        t += 2;
    }
    let kept: f64 = rho[..(max_t + 1) as usize].iter().sum();
    let last = rho.get((max_t + 1) as usize).copied().unwrap_or(0.0);
    let tau = (-1.0 + 2.0 * kept + last).max(1.0 / total.log10());
    if rho.iter().any(|r| r.is_nan()) {
        return f64::NAN;
    }
    total / tau
}

/// Split-chain ESS of the mean: [`ess_basic`] on the split chains.
pub fn ess_mean(chains: &[&[f64]]) -> f64 {
    if !valid(chains, 4) {
        return f64::NAN;
    }
    let split = split_chains(chains);
    ess_basic(&as_slices(&split))
}

/// Bulk ESS: [`ess_basic`] of the rank-normalised split chains.
///
/// # Examples
///
/// ```
/// use ppl_samplers::diagnostics::ess_bulk;
/// let a: Vec<f64> = (0..100).map(|i| ((i * 37) % 101) as f64).collect();
/// let b: Vec<f64> = (0..100).map(|i| ((i * 53) % 103) as f64).collect();
/// let ess = ess_bulk(&[&a, &b]);
/// assert!(ess > 50.0);
/// ```
pub fn ess_bulk(chains: &[&[f64]]) -> f64 {
    if !valid(chains, 4) {
        return f64::NAN;
    }
    let split = split_chains(chains);
    let z = rank_normalize(&as_slices(&split));
    ess_basic(&as_slices(&z))
}

/// ESS of the quantile `p`: [`ess_basic`] of the split chains of the indicator
/// `x ≤ q_p` (`q_p` the type-7 quantile of the pooled draws).
pub fn ess_quantile(chains: &[&[f64]], p: f64) -> f64 {
    if !valid(chains, 4) {
        return f64::NAN;
    }
    let mut all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    all.sort_by(f64::total_cmp);
    let q = quantile(&all, p);
    let ind: Vec<Vec<f64>> = chains
        .iter()
        .map(|c| c.iter().map(|&x| if x <= q { 1.0 } else { 0.0 }).collect())
        .collect();
    let split = split_chains(&as_slices(&ind));
    ess_basic(&as_slices(&split))
}

/// Tail ESS: the smaller of the ESS of the 5% and 95% quantiles.
pub fn ess_tail(chains: &[&[f64]]) -> f64 {
    ess_quantile(chains, 0.05).min(ess_quantile(chains, 0.95))
}
