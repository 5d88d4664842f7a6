//! Builder methods shared by [`Nuts`](crate::Nuts) and [`Hmc`](crate::Hmc).

/// Generates the run-setting methods of a sampler builder with a `run: RunOptions` field.
macro_rules! run_option_methods {
    () => {
        /// Number of chains (default 4), run in parallel on the current rayon pool.
        pub fn chains(mut self, chains: usize) -> Self {
            self.run.chains = chains;
            self
        }
        /// Warm-up iterations per chain (default 1000); 0 disables adaptation.
        pub fn warmup(mut self, warmup: usize) -> Self {
            self.run.warmup = warmup;
            self
        }
        /// Kept draws per chain (default 1000).
        pub fn draws(mut self, draws: usize) -> Self {
            self.run.draws = draws;
            self
        }
        /// Seed (default 0). Chain `k` uses ChaCha8 keyed by the seed on stream `k`, so
        /// the draws do not depend on the number of threads.
        pub fn seed(mut self, seed: u64) -> Self {
            self.run.seed = seed;
            self
        }
        /// Diagonal (default) or dense metric.
        pub fn metric(mut self, metric: $crate::MetricKind) -> Self {
            self.run.metric = metric;
            self
        }
        /// Target acceptance statistic of the step-size adaptation (default 0.8).
        pub fn target_accept(mut self, target: f64) -> Self {
            self.run.dual_averaging.target_accept = target;
            self
        }
        /// All dual-averaging constants (defaults: Stan's, see [`DualAverageOptions`](crate::DualAverageOptions)).
        pub fn dual_averaging(mut self, options: $crate::DualAverageOptions) -> Self {
            self.run.dual_averaging = options;
            self
        }
        /// Warm-up window sizes (defaults 75 / 25 / 50, see [`WindowOptions`](crate::WindowOptions)).
        pub fn windows(mut self, options: $crate::WindowOptions) -> Self {
            self.run.windows = options;
            self
        }
        /// Initial step size (default 1), the start of the step-size heuristic and of
        /// `μ = log(10 ε₀)`; without warm-up, the step size used.
        pub fn step_size(mut self, step_size: f64) -> Self {
            self.run.initial_step_size = step_size;
            self
        }
        /// Half-width of the box of initial points on the unconstrained space (default 2).
        pub fn init_radius(mut self, radius: f64) -> Self {
            self.run.init_radius = radius;
            self
        }
        /// Energy error `H − H₀` above which a trajectory is divergent (default 1000).
        pub fn max_energy_error(mut self, limit: f64) -> Self {
            self.run.max_energy_error = limit;
            self
        }
        /// Replaces Stan's warm-up with another [`WarmupStrategy`](crate::WarmupStrategy),
        /// built per chain from `(dim, num_warmup)`.
        pub fn warmup_strategy(
            mut self,
            factory: impl Fn(usize, usize) -> Box<dyn $crate::WarmupStrategy> + Send + Sync + 'static,
        ) -> Self {
            self.run.warmup_strategy = Some(std::sync::Arc::new(factory));
            self
        }
        /// Keeps the warm-up draws (default `false`): in
        /// [`ChainDraws::warmup_draws`](crate::ChainDraws::warmup_draws), in the Stan
        /// CSV files (before the adaptation block, with `save_warmup = 1`), and streamed
        /// by [`output_csv`](Self::output_csv). Costs one `constrain` per warm-up
        /// iteration; the draws do not change.
        pub fn save_warmup(mut self, save: bool) -> Self {
            self.run.save_warmup = save;
            self
        }
        /// A progress bar per chain on stderr: iterations, phase, divergences so far
        /// (default `true`; never shown when stderr is not a terminal). The bars do not
        /// change the draws.
        pub fn progress(mut self, show: bool) -> Self {
            self.run.progress = if show {
                $crate::output::progress::ProgressMode::Auto
            } else {
                $crate::output::progress::ProgressMode::Off
            };
            self
        }
        /// Streams every draw to one Stan CSV file per chain, `<prefix>_<chain + 1>.csv`,
        /// as it is produced, so that a run that is stopped (Ctrl-C, a crash, a killed
        /// job) loses nothing already drawn. The files are created, with their header,
        /// before sampling starts (missing directories too); the adaptation block is
        /// written when warm-up ends, the timing block when the chain finishes, and a
        /// `# Chain failed: ...` comment if it fails.
        ///
        /// Each draw is flushed to the operating system at once (see
        /// [`output_csv_flush_every`](Self::output_csv_flush_every) for the cost). A write
        /// error (disk full) stops the file, not the chain: it is reported in
        /// [`ChainDraws::output_error`](crate::ChainDraws::output_error).
        pub fn output_csv(mut self, prefix: impl Into<std::path::PathBuf>) -> Self {
            self.run.output_csv = Some(prefix.into());
            self
        }
        /// With [`output_csv`](Self::output_csv), flush the file every `n` draws instead
        /// of every draw (default 1).
        ///
        /// # Trade-off
        ///
        /// A flush is one `write` system call (a few microseconds). Against a NUTS
        /// transition of any real model (many gradient evaluations) that is negligible,
        /// so the default loses nothing when the process is killed. For very cheap models
        /// (tens of microseconds per draw) a larger `n` saves that time, and a killed run
        /// then loses at most the last `n − 1` draws of each chain. (A flush hands the
        /// data to the operating system; it survives the process, not a power cut.)
        pub fn output_csv_flush_every(mut self, n: usize) -> Self {
            self.run.csv_flush_every = n;
            self
        }
        /// The model's name in the Stan CSV header (default: the model's Rust type name).
        pub fn model_name(mut self, name: impl Into<String>) -> Self {
            self.run.model_name = Some(name.into());
            self
        }
    };
}

pub(crate) use run_option_methods;
