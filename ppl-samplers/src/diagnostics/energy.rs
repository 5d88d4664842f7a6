//! E-BFMI: how well momentum resampling explores the energy distribution.

/// Estimated Bayesian fraction of missing information of one chain's energies
/// (Betancourt 2016); values below 0.3 indicate poor exploration.
///
/// # Formula
///
/// ```text
/// E-BFMI = Σ_{t≥1} (E_t − E_{t−1})² / n  ÷  var(E)     (var with n − 1, as ArviZ)
/// ```
///
/// NaN for fewer than 2 energies or non-finite ones.
pub fn e_bfmi(energy: &[f64]) -> f64 {
    let n = energy.len();
    if n < 2 || energy.iter().any(|e| !e.is_finite()) {
        return f64::NAN;
    }
    let num = energy
        .windows(2)
        .map(|w| (w[1] - w[0]).powi(2))
        .sum::<f64>()
        / (n - 1) as f64;
    num / super::var(energy)
}
