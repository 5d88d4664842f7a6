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
use crate::output::progress::{ChainProgress, Progress, ProgressMode};
use crate::output::settings::short_type_name;
use crate::output::stan_csv::{chain_path, StanCsvWriter};
use crate::output::{
    ChainDraws, ChainTiming, DivergentTransition, Fit, MetricUpdate, RunSettings, WarmupReport,
};
use crate::sampler_stats::Transition;
use ppl_core::{Model, Workspace};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Builds the warm-up strategy of one chain from `(dim, num_warmup)`.
pub type WarmupFactory = Arc<dyn Fn(usize, usize) -> Box<dyn WarmupStrategy> + Send + Sync>;

pub(crate) use crate::output::Algorithm;

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
    pub(crate) save_warmup: bool,
    pub(crate) progress: ProgressMode,
    /// Prefix of the streamed Stan CSV files.
    pub(crate) output_csv: Option<PathBuf>,
    pub(crate) csv_flush_every: usize,
    pub(crate) model_name: Option<String>,
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
            save_warmup: false,
            progress: ProgressMode::Auto,
            output_csv: None,
            csv_flush_every: 1,
            model_name: None,
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
            .field("save_warmup", &self.save_warmup)
            .field("progress", &self.progress)
            .field("output_csv", &self.output_csv)
            .field("csv_flush_every", &self.csv_flush_every)
            .field("model_name", &self.model_name)
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
        if self.csv_flush_every == 0 {
            return Err(invalid("output_csv_flush_every", 0, "at least 1"));
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

/// What a chain writes to while it runs: its streamed CSV file and its progress bar.
struct ChainOutput {
    csv: Option<StanCsvWriter>,
    progress: ChainProgress,
}

impl ChainOutput {
    /// Reports a failure in the file (as a trailing comment) and on the bar.
    fn fail(&mut self, e: &ChainError) {
        if let Some(csv) = &mut self.csv {
            csv.comment(&format!("Chain failed: {e}"));
        }
        self.progress.fail(&e.failure.to_string());
    }
}

impl RunOptions {
    fn settings<M: Model + ?Sized>(&self, algorithm: Algorithm) -> RunSettings {
        RunSettings {
            model_name: self
                .model_name
                .clone()
                .unwrap_or_else(|| short_type_name(std::any::type_name::<M>())),
            algorithm,
            chains: self.chains,
            warmup: self.warmup,
            draws: self.draws,
            save_warmup: self.save_warmup,
            seed: self.seed,
            metric: self.metric,
            initial_step_size: self.initial_step_size,
            dual_averaging: self.dual_averaging,
            windows: self.windows,
            custom_warmup: self.warmup_strategy.is_some(),
            init_radius: self.init_radius,
            max_energy_error: self.max_energy_error,
        }
    }
}

/// Runs all chains and gathers them into a [`Fit`].
///
/// The streamed CSV files are all created (header written) before any chain starts, so a
/// bad path fails at once; the progress bars are made in chain order.
pub(crate) fn run<M: Model + ?Sized>(
    model: &M,
    options: &RunOptions,
    algorithm: Algorithm,
) -> Result<Fit> {
    options.validate(algorithm)?;
    let names = model.param_names();
    let settings = options.settings::<M>(algorithm);
    let progress = Progress::new(&options.progress);
    let mut outputs = Vec::with_capacity(options.chains);
    for chain in 0..options.chains {
        let csv = match &options.output_csv {
            Some(prefix) => Some(StanCsvWriter::create(
                &chain_path(prefix, chain),
                &settings,
                chain,
                &names,
                options.csv_flush_every,
            )?),
            None => None,
        };
        outputs.push(Mutex::new(Some(ChainOutput {
            csv,
            progress: progress.chain(chain, options.warmup, options.draws),
        })));
    }
    let results: Vec<std::result::Result<ChainDraws, ChainError>> = (0..options.chains)
        .into_par_iter()
        .map(|chain| {
            let mut out = outputs[chain]
                .lock()
                .ok()
                .and_then(|mut o| o.take())
                .unwrap_or(ChainOutput {
                    csv: None,
                    progress: ChainProgress::off(),
                });
            let result = catch_unwind(AssertUnwindSafe(|| {
                run_chain(model, options, algorithm, chain, &mut out)
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
            });
            match result {
                Ok(mut draws) => {
                    out.progress.finish();
                    if let Some(csv) = out.csv.take() {
                        draws.output_error = csv.finish();
                    }
                    Ok(draws)
                }
                Err(e) => {
                    out.fail(&e);
                    Err(e)
                }
            }
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
    Ok(Fit::new(names, chains, failed, settings))
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
    rng: &mut ChaCha8Rng,
) -> std::result::Result<Transition, ppl_core::Error> {
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

/// Constrains `q` into `out`, checking the length.
fn constrain_into<M: Model + ?Sized>(
    model: &M,
    q: &[f64],
    out: &mut Vec<f64>,
    n_params: usize,
) -> std::result::Result<(), ChainFailure> {
    model.constrain(q, out).map_err(ChainFailure::Model)?;
    if out.len() != n_params {
        return Err(ChainFailure::Model(ppl_core::Error::DimensionMismatch {
            what: "constrained parameters and deterministics of this draw (as many as \
                   `param_names()`; a model must record the same number at every point, \
                   e.g. no `deterministic` after a parameter-dependent `break` or inside a \
                   parameter-dependent branch)"
                .into(),
            expected: n_params,
            found: out.len(),
        }));
    }
    Ok(())
}

/// The record of a divergent transition, constrained values included.
fn divergence_record<M: Model + ?Sized>(
    model: &M,
    t: &mut Transition,
    iteration: usize,
    warmup: bool,
) -> Option<DivergentTransition> {
    let start = t.divergence.take()?;
    let mut constrained = Vec::new();
    let constrained = model
        .constrain(&start.position, &mut constrained)
        .ok()
        .map(|_| constrained);
    Some(DivergentTransition {
        iteration,
        warmup,
        reason: start.reason,
        unconstrained: start.position,
        constrained,
    })
}

/// One chain, start to finish. Each transition is recorded in memory, streamed to the
/// chain's CSV file and shown on its progress bar; none of these touch the RNG.
fn run_chain<M: Model + ?Sized>(
    model: &M,
    options: &RunOptions,
    algorithm: Algorithm,
    chain: usize,
    out: &mut ChainOutput,
) -> std::result::Result<ChainDraws, ChainError> {
    let fail = |iteration: usize, failure: ChainFailure| ChainError {
        chain,
        iteration: Some(iteration),
        failure,
    };
    let started = Instant::now();
    let dim = model.dim();
    let n_params = model.param_names().len();
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

    let mut constrained = Vec::with_capacity(n_params);
    let mut divergences = Vec::new();
    let mut step_size = options.initial_step_size;
    let mut warmup_stats = Vec::with_capacity(options.warmup);
    let (mut warmup_draws, mut warmup_unconstrained) = if options.save_warmup {
        (
            Vec::with_capacity(options.warmup * n_params),
            Vec::with_capacity(options.warmup * dim),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let mut report = WarmupReport {
        initial_step_size: step_size,
        final_step_size: step_size,
        ..WarmupReport::default()
    };
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
        report.initial_step_size = step_size;
        report.step_sizes.reserve(options.warmup);
        for i in 0..options.warmup {
            let mut t = step(
                &mut h,
                algorithm,
                options.max_energy_error,
                step_size,
                &mut z,
                &mut rng,
            )
            .map_err(|e| fail(i, ChainFailure::Model(e)))?;
            let stats = t.stats;
            warmup_stats.push(stats);
            divergences.extend(divergence_record(model, &mut t, i, true));
            if options.save_warmup {
                constrain_into(model, &z.q, &mut constrained, n_params).map_err(|f| fail(i, f))?;
                warmup_draws.extend_from_slice(&constrained);
                warmup_unconstrained.extend_from_slice(&z.q);
                if let Some(csv) = &mut out.csv {
                    csv.draw(&stats, &constrained);
                }
            }
            out.progress.iteration(i, stats.divergent);
            let update = strategy.adapt(stats.accept_stat, &z.q);
            step_size = update.step_size;
            report.step_sizes.push(step_size);
            if let Some(metric) = update.metric {
                h.metric = metric;
                z.update_energy(&h.metric);
                let window_step_size = step_size;
                step_size =
                    heuristic_step_size(&mut h, &z, step_size, &mut rng).map_err(|f| fail(i, f))?;
                strategy.restart_step_size(step_size);
                report.metric_updates.push(MetricUpdate {
                    iteration: i,
                    step_size: window_step_size,
                    metric: h.metric.clone(),
                    restart_step_size: step_size,
                });
            }
        }
        step_size = strategy.final_step_size();
        report.final_step_size = step_size;
    }
    if let Some(csv) = &mut out.csv {
        csv.adaptation(step_size, &h.metric);
    }
    let warmup_time = started.elapsed();
    let sampling_started = Instant::now();

    let mut draws = Vec::with_capacity(options.draws * n_params);
    let mut unconstrained = Vec::with_capacity(options.draws * dim);
    let mut stats = Vec::with_capacity(options.draws);
    for i in 0..options.draws {
        let iteration = options.warmup + i;
        let mut t = step(
            &mut h,
            algorithm,
            options.max_energy_error,
            step_size,
            &mut z,
            &mut rng,
        )
        .map_err(|e| fail(iteration, ChainFailure::Model(e)))?;
        stats.push(t.stats);
        divergences.extend(divergence_record(model, &mut t, iteration, false));
        constrain_into(model, &z.q, &mut constrained, n_params).map_err(|f| fail(iteration, f))?;
        draws.extend_from_slice(&constrained);
        unconstrained.extend_from_slice(&z.q);
        if let Some(csv) = &mut out.csv {
            csv.draw(&t.stats, &constrained);
        }
        out.progress.iteration(iteration, t.stats.divergent);
    }
    let timing = ChainTiming {
        warmup: warmup_time,
        sampling: sampling_started.elapsed(),
    };
    if let Some(csv) = &mut out.csv {
        csv.timing(timing.warmup, timing.sampling);
    }
    Ok(ChainDraws {
        chain,
        draws,
        unconstrained,
        stats,
        warmup_stats,
        warmup_draws,
        warmup_unconstrained,
        divergences,
        warmup: report,
        step_size,
        metric: h.metric,
        timing,
        output_error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::progress::capture::Capture;
    use crate::test_models::Faulty;
    use indicatif::ProgressDrawTarget;

    #[test]
    fn progress_bars_do_not_change_the_draws() {
        // Faulty diverges below x = −1.9, so the bars have divergences to show.
        let model = Faulty {
            fail_above: f64::MAX,
        };
        let algorithm = Algorithm::Nuts { max_depth: 10 };
        let mut options = RunOptions {
            chains: 2,
            warmup: 100,
            draws: 150,
            seed: 12,
            progress: ProgressMode::Off,
            ..RunOptions::default()
        };
        let off = run(&model, &options, algorithm).unwrap();
        let capture = Capture::default();
        let sink = capture.clone();
        options.progress = ProgressMode::Target(Arc::new(move || {
            ProgressDrawTarget::term_like(Box::new(sink.clone()))
        }));
        let on = run(&model, &options, algorithm).unwrap();
        assert_eq!(off, on);
        // Auto (stderr is not a terminal under the test harness) also runs unchanged.
        options.progress = ProgressMode::Auto;
        assert_eq!(off, run(&model, &options, algorithm).unwrap());

        let text = capture.text();
        for c in on.chains() {
            let warmup = c.warmup_stats.iter().filter(|s| s.divergent).count();
            let sampling = c.stats.iter().filter(|s| s.divergent).count();
            assert!(warmup + sampling > 0);
            let mut msg = format!("sampling, {sampling} divergent");
            if warmup > 0 {
                msg.push_str(&format!(" ({warmup} in warm-up)"));
            }
            let line = format!("chain  {}", c.chain + 1);
            assert!(
                text.lines()
                    .any(|l| l.contains(&line) && l.contains("250/250") && l.contains(&msg)),
                "no final line `{line} .. 250/250 {msg}` in:\n{text}"
            );
        }
    }

    #[test]
    fn a_failed_chain_leaves_its_reason_on_the_bar() {
        let capture = Capture::default();
        let sink = capture.clone();
        let options = RunOptions {
            chains: 1,
            warmup: 50,
            draws: 50,
            progress: ProgressMode::Target(Arc::new(move || {
                ProgressDrawTarget::term_like(Box::new(sink.clone()))
            })),
            ..RunOptions::default()
        };
        let e = run(
            &Faulty { fail_above: 1.0 },
            &options,
            Algorithm::Nuts { max_depth: 10 },
        )
        .unwrap_err();
        assert!(matches!(e, SamplerError::AllChainsFailed(_)));
        assert!(
            capture.text().contains("failed: the model failed"),
            "{}",
            capture.text()
        );
    }
}
