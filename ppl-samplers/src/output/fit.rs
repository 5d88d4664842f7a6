//! `Fit`: the draws of all chains that finished, by parameter name, with sampler
//! statistics, adapted step sizes and metrics, and the failures of the others.

use super::Summary;
use crate::diagnostics;
use crate::dynamics::Metric;
use crate::error::ChainError;
use crate::sampler_stats::SamplerStats;

/// The output of one chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainDraws {
    /// Chain index.
    pub chain: usize,
    /// Constrained draws, row-major: draw `i`, parameter `j` at `i · n_params + j`, in
    /// [`Fit::param_names`] order.
    pub draws: Vec<f64>,
    /// Unconstrained positions, row-major (`i · dim + k`).
    pub unconstrained: Vec<f64>,
    /// Statistics of each kept draw.
    pub stats: Vec<SamplerStats>,
    /// Statistics of each warm-up iteration.
    pub warmup_stats: Vec<SamplerStats>,
    /// The step size used after warm-up.
    pub step_size: f64,
    /// The metric used after warm-up.
    pub metric: Metric,
}

/// Draws of a run.
///
/// # Examples
///
/// See [`Nuts`](crate::Nuts).
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    names: Vec<String>,
    chains: Vec<ChainDraws>,
    failed: Vec<ChainError>,
    num_warmup: usize,
    num_draws: usize,
}

impl Fit {
    pub(crate) fn new(
        names: Vec<String>,
        chains: Vec<ChainDraws>,
        failed: Vec<ChainError>,
        num_warmup: usize,
        num_draws: usize,
    ) -> Self {
        Self {
            names,
            chains,
            failed,
            num_warmup,
            num_draws,
        }
    }

    /// Names of the constrained quantities (`Model::param_names`).
    pub fn param_names(&self) -> &[String] {
        &self.names
    }
    /// The chains that finished, in chain order.
    pub fn chains(&self) -> &[ChainDraws] {
        &self.chains
    }
    /// The chains that failed, with the reason.
    pub fn failed_chains(&self) -> &[ChainError] {
        &self.failed
    }
    /// Warm-up iterations per chain.
    pub fn num_warmup(&self) -> usize {
        self.num_warmup
    }
    /// Kept draws per chain.
    pub fn num_draws(&self) -> usize {
        self.num_draws
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Draws of `name` per chain, or `None` if the model has no such quantity.
    pub fn chain_draws(&self, name: &str) -> Option<Vec<Vec<f64>>> {
        let j = self.index(name)?;
        let p = self.names.len();
        Some(
            self.chains
                .iter()
                .map(|c| c.draws.chunks_exact(p).map(|row| row[j]).collect())
                .collect(),
        )
    }

    /// Draws of `name` from all chains, chain after chain; empty if the model has no such
    /// quantity (see [`Fit::chain_draws`] to tell the cases apart).
    pub fn draws(&self, name: &str) -> Vec<f64> {
        self.chain_draws(name)
            .map(|c| c.concat())
            .unwrap_or_default()
    }

    /// Number of divergent transitions after warm-up, over all chains.
    pub fn num_divergences(&self) -> usize {
        self.chains
            .iter()
            .map(|c| c.stats.iter().filter(|s| s.divergent).count())
            .sum()
    }

    /// Number of draws after warm-up that hit `max_depth`, over all chains.
    pub fn num_max_depth(&self, max_depth: usize) -> usize {
        self.chains
            .iter()
            .map(|c| c.stats.iter().filter(|s| s.tree_depth >= max_depth).count())
            .sum()
    }

    /// E-BFMI of each finished chain.
    pub fn e_bfmi(&self) -> Vec<f64> {
        self.chains
            .iter()
            .map(|c| {
                let e: Vec<f64> = c.stats.iter().map(|s| s.energy).collect();
                diagnostics::e_bfmi(&e)
            })
            .collect()
    }

    /// The summary table of every quantity.
    pub fn summary(&self) -> Summary {
        Summary::new(
            self.names
                .iter()
                .filter_map(|n| {
                    let c = self.chain_draws(n)?;
                    let s: Vec<&[f64]> = c.iter().map(|v| v.as_slice()).collect();
                    Some(super::summary::SummaryRow::compute(n, &s))
                })
                .collect(),
        )
    }
}
