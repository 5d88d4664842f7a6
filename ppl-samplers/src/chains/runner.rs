//! Runs chains in parallel on rayon: each chain initialises, warms up with its strategy
//! and samples on its own RNG stream; a failing or panicking chain is reported and the
//! others are kept.

use super::init::{heuristic_step_size, initial_point};
use super::rng_streams::chain_rng;
use crate::adaptation::WindowOptions;
use crate::adaptation::{DualAverageOptions, MetricKind, StanWarmup, WarmupStrategy};
use crate::dynamics::{DenseMetric, DiagonalMetric, Metric, Point};
use crate::error::{ChainError, ChainFailure, Result, SamplerError};
use crate::nuts::tree::{self, Hamiltonian, NutsOptions, Scratch};
use crate::output::{ChainDraws, Fit};
use crate::sampler_stats::SamplerStats;
use ppl_core::{Model, Workspace};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Builds the warm-up strategy of one chain from `(dim, num_warmup)`.
pub type WarmupFactory = Arc<dyn Fn(usize, usize) -> Box<dyn WarmupStrategy> + Send + Sync>;

/// The transition kernel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Algorithm {
    Nuts { max_depth: usize },
    Hmc { n_steps: usize },
}

/// Settings shared by NUTS and HMC; each default is documented on the builder method.
#[derive(Clone)]
pub(crate) struct RunOptions {
    pub(crate) chains: usize,
    pub(crate) warmup: usize,
    pub(crate) draws: usize,
    pub(crate) seed: u64,
    pub(crate) metric: MetricKind,
    pub(crate) initial_step_size: f64,
    pub(crate) dual_averaging: DualAverageOptions,
    pub(crate) windows: WindowOptions,
    pub(crate) init_radius: f64,
    pub(crate) max_init_tries: usize,
    pub(crate) max_energy_error: f64,
    pub(crate) warmup_strategy: Option<WarmupFactory>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            chains: 4,
            warmup: 1000,
            draws: 1000,
            seed: 0,
            metric: MetricKind::Diagonal,
            initial_step_size: 1.0,
            dual_averaging: DualAverageOptions::default(),
            windows: WindowOptions::default(),
            init_radius: 2.0,
            max_init_tries: 100,
            max_energy_error: 1000.0,
            warmup_strategy: None,
        }
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("chains", &self.chains)
            .field("warmup", &self.warmup)
            .field("draws", &self.draws)
            .field("seed", &self.seed)
            .field("metric", &self.metric)
            .field("initial_step_size", &self.initial_step_size)
            .field("dual_averaging", &self.dual_averaging)
            .field("windows", &self.windows)
            .field("init_radius", &self.init_radius)
            .field("max_init_tries", &self.max_init_tries)
            .field("max_energy_error", &self.max_energy_error)
            .field("custom_warmup_strategy", &self.warmup_strategy.is_some())
            .finish()
    }
}

fn invalid(setting: &'static str, value: impl ToString, requirement: &'static str) -> SamplerError {
    SamplerError::InvalidSetting {
        setting,
        value: value.to_string(),
        requirement,
    }
}

impl RunOptions {
    fn validate(&self, algorithm: Algorithm) -> Result<()> {
        if self.chains == 0 {
            return Err(invalid("chains", self.chains, "at least 1"));
        }
        let da = &self.dual_averaging;
        if !(da.target_accept > 0.0 && da.target_accept < 1.0) {
            return Err(invalid("target_accept", da.target_accept, "in (0, 1)"));
        }
        if !(da.gamma > 0.0 && da.t0 >= 0.0 && da.kappa > 0.0 && da.kappa <= 1.0) {
            return Err(invalid(
                "dual_averaging",
                format!("{da:?}"),
                "gamma > 0, t0 ≥ 0, 0 < kappa ≤ 1",
            ));
        }
        if !(self.initial_step_size > 0.0 && self.initial_step_size.is_finite()) {
            return Err(invalid(
                "step_size",
                self.initial_step_size,
                "finite and > 0",
            ));
        }
        if !(self.init_radius > 0.0 && self.init_radius.is_finite()) {
            return Err(invalid("init_radius", self.init_radius, "finite and > 0"));
        }
        if self.max_init_tries == 0 {
            return Err(invalid("max_init_tries", 0, "at least 1"));
        }
        if !(self.max_energy_error > 0.0) {
            return Err(invalid("max_energy_error", self.max_energy_error, "> 0"));
        }
        match algorithm {
            Algorithm::Nuts { max_depth } if !(1..=30).contains(&max_depth) => {
                Err(invalid("max_depth", max_depth, "in 1..=30"))
            }
            Algorithm::Hmc { n_steps: 0 } => Err(invalid("n_steps", 0, "at least 1")),
            _ => Ok(()),
        }
    }
}

/// Runs all chains and gathers them into a [`Fit`].
pub(crate) fn run<M: Model + ?Sized>(
    model: &M,
    options: &RunOptions,
    algorithm: Algorithm,
) -> Result<Fit> {
    options.validate(algorithm)?;
    let names = model.param_names();
    let results: Vec<std::result::Result<ChainDraws, ChainError>> = (0..options.chains)
        .into_par_iter()
        .map(|chain| {
            catch_unwind(AssertUnwindSafe(|| {
                run_chain(model, options, algorithm, chain)
            }))
            .unwrap_or_else(|payload| {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic payload".to_string());
                Err(ChainError {
                    chain,
                    iteration: None,
                    failure: ChainFailure::Panic(message),
                })
            })
        })
        .collect();
    let mut chains = Vec::new();
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(c) => chains.push(c),
            Err(e) => failed.push(e),
        }
    }
    if chains.is_empty() {
        return Err(SamplerError::AllChainsFailed(failed));
    }
    Ok(Fit::new(
        names,
        chains,
        failed,
        options.warmup,
        options.draws,
    ))
}

fn unit_metric(kind: MetricKind, dim: usize) -> Metric {
    match kind {
        MetricKind::Diagonal => Metric::Diagonal(DiagonalMetric::unit(dim)),
        MetricKind::Dense => Metric::Dense(DenseMetric::unit(dim)),
    }
}

fn step<M: Model + ?Sized>(
    h: &mut Hamiltonian<'_, M>,
    algorithm: Algorithm,
    max_energy_error: f64,
    step_size: f64,
    z: &mut Point,
    rng: &mut ChaCha20Rng,
) -> std::result::Result<SamplerStats, ppl_core::Error> {
    match algorithm {
        Algorithm::Nuts { max_depth } => tree::transition(
            h,
            NutsOptions {
                max_depth,
                max_energy_error,
            },
            step_size,
            z,
            rng,
        ),
        Algorithm::Hmc { n_steps } => {
            crate::hmc::transition(h, n_steps, max_energy_error, step_size, z, rng)
        }
    }
}

/// One chain, start to finish.
fn run_chain<M: Model + ?Sized>(
    model: &M,
    options: &RunOptions,
    algorithm: Algorithm,
    chain: usize,
) -> std::result::Result<ChainDraws, ChainError> {
    let fail = |iteration: usize, failure: ChainFailure| ChainError {
        chain,
        iteration: Some(iteration),
        failure,
    };
    let dim = model.dim();
    let mut rng = chain_rng(options.seed, chain);
    let mut h = Hamiltonian {
        model,
        ws: Workspace::new(),
        metric: unit_metric(options.metric, dim),
        scratch: Scratch::new(dim),
    };
    let mut z = initial_point(
        &mut h,
        options.init_radius,
        options.max_init_tries,
        &mut rng,
    )
    .map_err(|f| fail(0, f))?;

    let mut step_size = options.initial_step_size;
    let mut warmup_stats = Vec::with_capacity(options.warmup);
    if options.warmup > 0 {
        let mut strategy: Box<dyn WarmupStrategy> = match &options.warmup_strategy {
            Some(factory) => factory(dim, options.warmup),
            None => Box::new(StanWarmup::new(
                dim,
                options.warmup,
                options.metric,
                options.dual_averaging,
                options.windows,
                options.initial_step_size,
            )),
        };
        step_size = heuristic_step_size(&mut h, &z, step_size, &mut rng).map_err(|f| fail(0, f))?;
        for i in 0..options.warmup {
            let stats = step(
                &mut h,
                algorithm,
                options.max_energy_error,
                step_size,
                &mut z,
                &mut rng,
            )
            .map_err(|e| fail(i, ChainFailure::Model(e)))?;
            warmup_stats.push(stats);
            let update = strategy.adapt(stats.accept_stat, &z.q);
            step_size = update.step_size;
            if let Some(metric) = update.metric {
                h.metric = metric;
                z.update_energy(&h.metric);
                step_size =
                    heuristic_step_size(&mut h, &z, step_size, &mut rng).map_err(|f| fail(i, f))?;
                strategy.restart_step_size(step_size);
            }
        }
        step_size = strategy.final_step_size();
    }

    let n_params = model.param_names().len();
    let mut draws = Vec::with_capacity(options.draws * n_params);
    let mut unconstrained = Vec::with_capacity(options.draws * dim);
    let mut stats = Vec::with_capacity(options.draws);
    let mut constrained = Vec::with_capacity(n_params);
    for i in 0..options.draws {
        let iteration = options.warmup + i;
        let s = step(
            &mut h,
            algorithm,
            options.max_energy_error,
            step_size,
            &mut z,
            &mut rng,
        )
        .map_err(|e| fail(iteration, ChainFailure::Model(e)))?;
        stats.push(s);
        model
            .constrain(&z.q, &mut constrained)
            .map_err(|e| fail(iteration, ChainFailure::Model(e)))?;
        if constrained.len() != n_params {
            return Err(fail(
                iteration,
                ChainFailure::Model(ppl_core::Error::DimensionMismatch {
                    what: "constrained parameters".into(),
                    expected: n_params,
                    found: constrained.len(),
                }),
            ));
        }
        draws.extend_from_slice(&constrained);
        unconstrained.extend_from_slice(&z.q);
    }
    Ok(ChainDraws {
        chain,
        draws,
        unconstrained,
        stats,
        warmup_stats,
        step_size,
        metric: h.metric,
    })
}
