//! The summary table: mean, sd, quantiles, MCSE, ESS and R-hat of every quantity.

use super::diagnose::Diagnostics;
use crate::diagnostics::{ess_bulk, ess_tail, mcse_mean, mcse_sd, quantile, rhat};
use std::fmt;

/// One quantity's line of the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// The quantity's name.
    pub name: String,
    /// Mean of the pooled draws.
    pub mean: f64,
    /// Standard deviation (`n − 1`).
    pub sd: f64,
    /// 5% quantile (type 7).
    pub q5: f64,
    /// Median.
    pub q50: f64,
    /// 95% quantile.
    pub q95: f64,
    /// MCSE of the mean.
    pub mcse_mean: f64,
    /// MCSE of the sd.
    pub mcse_sd: f64,
    /// Bulk ESS.
    pub ess_bulk: f64,
    /// Tail ESS.
    pub ess_tail: f64,
    /// Rank-normalised split R-hat.
    pub r_hat: f64,
}

impl SummaryRow {
    /// Computes every column from the chains of one quantity.
    pub fn compute(name: &str, chains: &[&[f64]]) -> Self {
        let mut all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
        let n = all.len() as f64;
        let mean = all.iter().sum::<f64>() / n;
        let sd = (all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        all.sort_by(f64::total_cmp);
        Self {
            name: name.to_string(),
            mean,
            sd,
            q5: quantile(&all, 0.05),
            q50: quantile(&all, 0.5),
            q95: quantile(&all, 0.95),
            mcse_mean: mcse_mean(chains),
            mcse_sd: mcse_sd(chains),
            ess_bulk: ess_bulk(chains),
            ess_tail: ess_tail(chains),
            r_hat: rhat(chains),
        }
    }
}

/// The summary table; `Display` prints it aligned, then the sampler diagnostics
/// (divergence, tree-depth, E-BFMI, R-hat and ESS warnings) when present.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// One row per quantity.
    pub rows: Vec<SummaryRow>,
    /// The sampler's diagnostics (MCMC fits).
    pub diagnostics: Option<Diagnostics>,
}

impl Summary {
    pub(crate) fn new(rows: Vec<SummaryRow>) -> Self {
        Self {
            rows,
            diagnostics: None,
        }
    }
    pub(crate) fn with_diagnostics(mut self, diagnostics: Diagnostics) -> Self {
        self.diagnostics = Some(diagnostics);
        self
    }
    /// The row of `name`.
    pub fn row(&self, name: &str) -> Option<&SummaryRow> {
        self.rows.iter().find(|r| r.name == name)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self
            .rows
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            f,
            "{:<w$} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>6}",
            "name", "mean", "sd", "5%", "50%", "95%", "mcse_mean", "ess_bulk", "ess_tail", "r_hat"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<w$} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.4} {:>8.0} {:>8.0} {:>6.3}",
                r.name,
                r.mean,
                r.sd,
                r.q5,
                r.q50,
                r.q95,
                r.mcse_mean,
                r.ess_bulk,
                r.ess_tail,
                r.r_hat
            )?;
        }
        if let Some(d) = &self.diagnostics {
            writeln!(f)?;
            write!(f, "{d}")?;
        }
        Ok(())
    }
}
