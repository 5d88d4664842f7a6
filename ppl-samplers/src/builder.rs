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
        /// Seed (default 0). Chain `k` uses ChaCha20 keyed by the seed on stream `k`, so
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
    };
}

pub(crate) use run_option_methods;
