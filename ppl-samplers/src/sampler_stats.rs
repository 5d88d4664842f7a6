//! Per-draw sampler statistics (Stan's `lp__`, `accept_stat__`, `stepsize__`, …).

/// Statistics of one transition.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SamplerStats {
    /// `log π(q)` at the draw, on the unconstrained space with log-Jacobians (`lp__`).
    pub log_density: f64,
    /// Mean Metropolis acceptance probability `min(1, exp(H₀ − H))` over the trajectory's
    /// points (NUTS) or of the proposal (HMC) (`accept_stat__`).
    pub accept_stat: f64,
    /// Step size used (`stepsize__`).
    pub step_size: f64,
    /// Number of doublings of the NUTS tree; 0 for HMC (`treedepth__`).
    pub tree_depth: usize,
    /// Leapfrog steps taken (`n_leapfrog__`).
    pub n_leapfrog: usize,
    /// Whether the trajectory diverged: energy error above the limit, or a numerical
    /// failure of the model (`divergent__`).
    pub divergent: bool,
    /// Hamiltonian `H = −log π(q) + ½ pᵀ M⁻¹ p` at the draw (`energy__`), for E-BFMI.
    pub energy: f64,
}

/// Where a divergent trajectory crossed the divergence threshold, as found by a
/// transition (the constrained values are added by the runner).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DivergenceStart {
    /// The unconstrained position of the first trajectory point whose energy error
    /// exceeded the limit, or at which the model failed numerically.
    pub(crate) position: Vec<f64>,
    /// Why it diverged.
    pub(crate) reason: crate::dynamics::Divergence,
}

/// The result of one transition: its statistics and, if it diverged, where.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Transition {
    pub(crate) stats: SamplerStats,
    pub(crate) divergence: Option<DivergenceStart>,
}
