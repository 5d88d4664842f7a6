//! The checks of CmdStan's `diagnose` on a fit: divergences, tree-depth saturation,
//! E-BFMI, R-hat and ESS, with a warning for each problem.

use super::summary::SummaryRow;
use super::Fit;
use std::fmt;

/// E-BFMI below this suggests poor exploration of the energy distribution (Betancourt
/// 2016; Stan's threshold).
pub const E_BFMI_THRESHOLD: f64 = 0.3;
/// R-hat above this says the chains disagree (Vehtari et al. 2021).
pub const RHAT_THRESHOLD: f64 = 1.01;
/// Bulk or tail ESS below this many per chain makes the R-hat and MCSE estimates
/// unreliable (Vehtari et al. 2021 recommend 100 per chain: 400 for 4 chains).
pub const ESS_PER_CHAIN_THRESHOLD: f64 = 100.0;

/// Sampler diagnostics of a fit (post-warm-up transitions of the finished chains).
///
/// `Display` prints one paragraph per check, like CmdStan's `diagnose`: a short "ok"
/// line when the check passes, otherwise what was found, what it means and what to try.
///
/// # Examples
///
/// ```no_run
/// # fn f(fit: &ppl_samplers::Fit) {
/// let d = fit.diagnose();
/// if d.has_problems() {
///     eprintln!("{d}");
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostics {
    /// Number of post-warm-up transitions checked.
    pub transitions: usize,
    /// How many of them diverged.
    pub divergent: usize,
    /// The maximum tree depth (NUTS), `None` for static HMC (no tree-depth check).
    pub max_depth: Option<usize>,
    /// How many transitions reached the maximum tree depth.
    pub max_depth_hits: usize,
    /// E-BFMI of each finished chain: `(chain index, value)`.
    pub e_bfmi: Vec<(usize, f64)>,
    /// Quantities with R-hat above [`RHAT_THRESHOLD`]: `(name, R-hat)`.
    pub high_rhat: Vec<(String, f64)>,
    /// Quantities with bulk or tail ESS below `ess_threshold`: `(name, min(bulk, tail))`.
    pub low_ess: Vec<(String, f64)>,
    /// The ESS threshold used: [`ESS_PER_CHAIN_THRESHOLD`] × number of chains.
    pub ess_threshold: f64,
    /// Chains that failed (their draws are missing).
    pub failed_chains: usize,
    /// Chains run.
    pub chains: usize,
}

impl Diagnostics {
    pub(crate) fn compute(fit: &Fit, rows: &[SummaryRow]) -> Self {
        let stats = || fit.chains().iter().flat_map(|c| c.stats.iter());
        let max_depth = fit.settings().max_depth();
        let n_chains = fit.chains().len();
        let ess_threshold = ESS_PER_CHAIN_THRESHOLD * n_chains as f64;
        Self {
            transitions: stats().count(),
            divergent: stats().filter(|s| s.divergent).count(),
            max_depth,
            max_depth_hits: max_depth.map_or(0, |d| fit.num_max_depth(d)),
            e_bfmi: fit
                .chains()
                .iter()
                .map(|c| c.chain)
                .zip(fit.e_bfmi())
                .collect(),
            high_rhat: rows
                .iter()
                .filter(|r| r.r_hat > RHAT_THRESHOLD)
                .map(|r| (r.name.clone(), r.r_hat))
                .collect(),
            low_ess: rows
                .iter()
                .filter(|r| r.ess_bulk < ess_threshold || r.ess_tail < ess_threshold)
                .map(|r| (r.name.clone(), r.ess_bulk.min(r.ess_tail)))
                .collect(),
            ess_threshold,
            failed_chains: fit.failed_chains().len(),
            chains: n_chains + fit.failed_chains().len(),
        }
    }

    /// The chains whose E-BFMI is below [`E_BFMI_THRESHOLD`].
    pub fn low_e_bfmi(&self) -> Vec<(usize, f64)> {
        self.e_bfmi
            .iter()
            .copied()
            .filter(|(_, b)| *b < E_BFMI_THRESHOLD)
            .collect()
    }

    /// One message per failed check (empty when all pass).
    pub fn warnings(&self) -> Vec<String> {
        let n = self.transitions.max(1) as f64;
        let mut w = Vec::new();
        if self.failed_chains > 0 {
            w.push(format!(
                "{} of {} chains failed; their draws are missing from these results \
                 (see Fit::failed_chains for why).",
                self.failed_chains, self.chains
            ));
        }
        if self.divergent > 0 {
            w.push(format!(
                "{} of {} transitions ({:.1}%) diverged after warm-up. Where the sampler \
                 diverges it cannot follow the posterior's curvature, so the draws may be \
                 biased. Try a higher target_accept (e.g. 0.95); if divergences remain, \
                 reparameterise the model (e.g. non-centred hierarchies). Each chain's \
                 `divergences` records where they started.",
                self.divergent,
                self.transitions,
                100.0 * self.divergent as f64 / n
            ));
        }
        if let (Some(d), true) = (self.max_depth, self.max_depth_hits > 0) {
            w.push(format!(
                "{} of {} transitions ({:.1}%) hit the maximum tree depth of {d}: their \
                 trajectories were cut short, which makes sampling slow (not biased). \
                 Raise max_depth, or reparameterise the model if the posterior is badly \
                 scaled or strongly correlated (a dense metric may help).",
                self.max_depth_hits,
                self.transitions,
                100.0 * self.max_depth_hits as f64 / n
            ));
        }
        for (chain, b) in self.low_e_bfmi() {
            w.push(format!(
                "Chain {} has an E-BFMI of {b:.3}, below {E_BFMI_THRESHOLD}: momentum \
                 resampling explores the energy distribution poorly (often heavy tails or \
                 a funnel). Reparameterise the model if possible.",
                chain + 1
            ));
        }
        if let Some((name, r)) = worst(&self.high_rhat, true) {
            w.push(format!(
                "{} a split R-hat above {RHAT_THRESHOLD} (worst: {name}, {r:.3}): the \
                 chains have not mixed. Run longer chains, or look for multimodality or a \
                 problem in the model.",
                quantities_have(self.high_rhat.len())
            ));
        }
        if let Some((name, e)) = worst(&self.low_ess, false) {
            w.push(format!(
                "{} a bulk or tail ESS below {:.0} ({:.0} per chain) (worst: {name}, \
                 {e:.0}): their estimates and diagnostics are unreliable. Run more draws.",
                quantities_have(self.low_ess.len()),
                self.ess_threshold,
                ESS_PER_CHAIN_THRESHOLD
            ));
        }
        w
    }

    /// Whether any check failed.
    pub fn has_problems(&self) -> bool {
        !self.warnings().is_empty()
    }
}

fn quantities_have(n: usize) -> String {
    if n == 1 {
        "1 quantity has".to_string()
    } else {
        format!("{n} quantities have")
    }
}

/// The entry with the largest (`max`) or smallest value.
fn worst(v: &[(String, f64)], max: bool) -> Option<(&str, f64)> {
    v.iter()
        .max_by(|a, b| {
            if max {
                a.1.total_cmp(&b.1)
            } else {
                b.1.total_cmp(&a.1)
            }
        })
        .map(|(n, x)| (n.as_str(), *x))
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let warnings = self.warnings();
        if warnings.is_empty() {
            let depth = match self.max_depth {
                Some(d) => format!(", none at the maximum tree depth {d}"),
                None => String::new(),
            };
            return writeln!(
                f,
                "Diagnostics: no divergences{depth}, E-BFMI ≥ {E_BFMI_THRESHOLD} in every \
                 chain, R-hat ≤ {RHAT_THRESHOLD} and ESS ≥ {:.0} for every quantity.",
                self.ess_threshold
            );
        }
        writeln!(f, "Diagnostics: {} problem(s) found.", warnings.len())?;
        for w in warnings {
            writeln!(f, "  * {w}")?;
        }
        Ok(())
    }
}
