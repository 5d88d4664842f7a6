//! `Fit`: the draws of all chains that finished, by parameter name, with sampler
//! statistics, adapted step sizes and metrics, and the failures of the others.

use super::diagnose::Diagnostics;
use super::records::{ChainTiming, DivergentTransition, WarmupReport};
use super::settings::RunSettings;
use super::stan_csv::{chain_path, StanCsvWriter};
use super::Summary;
use crate::diagnostics;
use crate::dynamics::Metric;
use crate::error::{ChainError, Result};
use crate::sampler_stats::SamplerStats;
use std::path::{Path, PathBuf};

/// The output of one chain.
///
/// Two chains compare equal when everything but their [`timing`](ChainDraws::timing)
/// is equal, so that runs can be compared for reproducibility.
#[derive(Clone, Debug)]
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
    /// Constrained warm-up draws, row-major as `draws`; empty unless `.save_warmup(true)`.
    pub warmup_draws: Vec<f64>,
    /// Unconstrained warm-up positions, row-major; empty unless `.save_warmup(true)`.
    pub warmup_unconstrained: Vec<f64>,
    /// Every divergent transition, warm-up included, with where it diverged.
    pub divergences: Vec<DivergentTransition>,
    /// How the warm-up adapted step size and metric.
    pub warmup: WarmupReport,
    /// The step size used after warm-up.
    pub step_size: f64,
    /// The metric used after warm-up.
    pub metric: Metric,
    /// Time spent in warm-up and sampling (not compared by `==`).
    pub timing: ChainTiming,
    /// The first error writing this chain's streamed CSV file (`.output_csv`), if any;
    /// the chain kept sampling and its draws here are complete.
    pub output_error: Option<String>,
}

impl PartialEq for ChainDraws {
    fn eq(&self, other: &Self) -> bool {
        // Destructured so that a new field cannot be forgotten here.
        let ChainDraws {
            chain,
            draws,
            unconstrained,
            stats,
            warmup_stats,
            warmup_draws,
            warmup_unconstrained,
            divergences,
            warmup,
            step_size,
            metric,
            timing: _,
            output_error,
        } = self;
        *chain == other.chain
            && *draws == other.draws
            && *unconstrained == other.unconstrained
            && *stats == other.stats
            && *warmup_stats == other.warmup_stats
            && *warmup_draws == other.warmup_draws
            && *warmup_unconstrained == other.warmup_unconstrained
            && *divergences == other.divergences
            && *warmup == other.warmup
            && *step_size == other.step_size
            && *metric == other.metric
            && *output_error == other.output_error
    }
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
    settings: RunSettings,
}

impl Fit {
    pub(crate) fn new(
        names: Vec<String>,
        chains: Vec<ChainDraws>,
        failed: Vec<ChainError>,
        settings: RunSettings,
    ) -> Self {
        Self {
            names,
            chains,
            failed,
            settings,
        }
    }

    /// The settings of the run.
    pub fn settings(&self) -> &RunSettings {
        &self.settings
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
        self.settings.warmup
    }
    /// Kept draws per chain.
    pub fn num_draws(&self) -> usize {
        self.settings.draws
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

    /// Warm-up draws of `name` per chain (empty chains unless the run kept them with
    /// `.save_warmup(true)`), or `None` if the model has no such quantity.
    pub fn chain_warmup_draws(&self, name: &str) -> Option<Vec<Vec<f64>>> {
        let j = self.index(name)?;
        let p = self.names.len();
        Some(
            self.chains
                .iter()
                .map(|c| c.warmup_draws.chunks_exact(p).map(|row| row[j]).collect())
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

    /// The summary table of every quantity, followed by the sampler diagnostics
    /// ([`Fit::diagnose`]).
    pub fn summary(&self) -> Summary {
        let rows = self.summary_rows();
        let diagnostics = Diagnostics::compute(self, &rows);
        Summary::new(rows).with_diagnostics(diagnostics)
    }

    fn summary_rows(&self) -> Vec<super::summary::SummaryRow> {
        self.names
            .iter()
            .filter_map(|n| {
                let c = self.chain_draws(n)?;
                let s: Vec<&[f64]> = c.iter().map(|v| v.as_slice()).collect();
                Some(super::summary::SummaryRow::compute(n, &s))
            })
            .collect()
    }

    /// The checks of CmdStan's `diagnose`: divergences, tree-depth saturation, E-BFMI,
    /// R-hat and ESS (see [`Diagnostics`]); `Display` prints them.
    pub fn diagnose(&self) -> Diagnostics {
        Diagnostics::compute(self, &self.summary_rows())
    }

    /// Writes one Stan CSV file per finished chain, `<prefix>_<chain + 1>.csv` (CmdStan's
    /// format, see [`StanCsv`](crate::StanCsv)), creating missing directories, and returns
    /// the paths written. Warm-up draws are included when the run kept them.
    ///
    /// # Errors
    ///
    /// [`SamplerError::Io`](crate::SamplerError::Io) when a file cannot be created or written.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn f(fit: &ppl_samplers::Fit) -> ppl_samplers::Result<()> {
    /// let files = fit.write_stan_csv("out/eight_schools")?; // out/eight_schools_1.csv, ...
    /// # Ok(()) }
    /// ```
    pub fn write_stan_csv(&self, prefix: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        let prefix = prefix.as_ref();
        let p = self.names.len();
        let mut paths = Vec::with_capacity(self.chains.len());
        for c in &self.chains {
            let path = chain_path(prefix, c.chain);
            let mut w =
                StanCsvWriter::create(&path, &self.settings, c.chain, &self.names, usize::MAX)?;
            let warmup_rows = if self.settings.save_warmup {
                c.warmup_stats.len()
            } else {
                0
            };
            for (i, s) in c.warmup_stats.iter().take(warmup_rows).enumerate() {
                w.draw(s, &c.warmup_draws[i * p..(i + 1) * p]);
            }
            w.adaptation(c.step_size, &c.metric);
            for (i, s) in c.stats.iter().enumerate() {
                w.draw(s, &c.draws[i * p..(i + 1) * p]);
            }
            w.timing(c.timing.warmup, c.timing.sampling);
            w.close()?;
            paths.push(path);
        }
        Ok(paths)
    }
}
