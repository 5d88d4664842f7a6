//! Nesterov dual averaging of the log step size toward a target acceptance statistic.

/// Options of [`DualAverage`]; the defaults are Stan's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DualAverageOptions {
    /// Target mean acceptance statistic `δ` (default `0.8`, Stan's `adapt_delta`).
    pub target_accept: f64,
    /// Regularisation scale `γ` (default `0.05`).
    pub gamma: f64,
    /// Iteration offset `t₀` damping early iterations (default `10`).
    pub t0: f64,
    /// Relaxation exponent `κ` of the averaged iterate (default `0.75`).
    pub kappa: f64,
}

impl Default for DualAverageOptions {
    fn default() -> Self {
        Self {
            target_accept: 0.8,
            gamma: 0.05,
            t0: 10.0,
            kappa: 0.75,
        }
    }
}

/// Dual averaging of `x = log ε` (Hoffman & Gelman 2014, §3.2.1; Stan's
/// `stepsize_adaptation`).
///
/// # Formula
///
/// After iteration `t` (counting from 1 since the last restart) with acceptance
/// statistic `a_t` (capped at 1):
///
/// ```text
/// η    = 1 / (t + t₀)
/// s̄_t  = (1 − η) s̄_{t−1} + η (δ − a_t)
/// x_t  = μ − s̄_t √t / γ                 (the step size used next: ε = exp(x_t))
/// x̄_t  = (1 − t^−κ) x̄_{t−1} + t^−κ x_t    (the averaged iterate: ε_final = exp(x̄))
/// ```
///
/// `μ = log(10 ε₀)` is set from the initial step size and reset after each metric update.
///
/// # Examples
///
/// ```
/// use ppl_samplers::{DualAverage, DualAverageOptions};
/// let mut da = DualAverage::new(DualAverageOptions::default(), 1.0);
/// // acceptance below target shrinks the step size
/// let eps = da.learn(0.2);
/// assert!(eps < 10.0);
/// ```
///
/// # References
///
/// Hoffman, M. D. & Gelman, A. (2014). The No-U-Turn Sampler. JMLR 15, 1593–1623.
#[derive(Clone, Debug, PartialEq)]
pub struct DualAverage {
    options: DualAverageOptions,
    mu: f64,
    counter: f64,
    s_bar: f64,
    x_bar: f64,
}

impl DualAverage {
    /// A fresh state with `μ = log(10 ε₀)`.
    pub fn new(options: DualAverageOptions, initial_step_size: f64) -> Self {
        Self {
            options,
            mu: (10.0 * initial_step_size).ln(),
            counter: 0.0,
            s_bar: 0.0,
            x_bar: 0.0,
        }
    }

    /// Sets `μ = log(10 ε)`.
    pub fn set_mu_from(&mut self, step_size: f64) {
        self.mu = (10.0 * step_size).ln();
    }

    /// Forgets the history (`t = 0`, `s̄ = x̄ = 0`); `μ` is kept.
    pub fn restart(&mut self) {
        self.counter = 0.0;
        self.s_bar = 0.0;
        self.x_bar = 0.0;
    }

    /// Learns from one acceptance statistic and returns the next step size `exp(x_t)`.
    pub fn learn(&mut self, accept_stat: f64) -> f64 {
        let o = &self.options;
        self.counter += 1.0;
        // NaN acceptance (cannot happen for valid transitions) counts as 0.
        let a = if accept_stat.is_nan() {
            0.0
        } else {
            accept_stat.min(1.0)
        };
        let t = self.counter;
        let eta = 1.0 / (t + o.t0);
        self.s_bar = (1.0 - eta) * self.s_bar + eta * (o.target_accept - a);
        let x = self.mu - self.s_bar * t.sqrt() / o.gamma;
        let x_eta = t.powf(-o.kappa);
        self.x_bar = (1.0 - x_eta) * self.x_bar + x_eta * x;
        x.exp()
    }

    /// The averaged step size `exp(x̄)`, used after warm-up.
    pub fn final_step_size(&self) -> f64 {
        self.x_bar.exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_iterations_match_the_formula() {
        let mut da = DualAverage::new(DualAverageOptions::default(), 0.5);
        let mu = 5.0f64.ln();
        // t = 1: η = 1/11, s̄ = (0.8 − 0.3)/11, x = μ − s̄ / 0.05, x̄ = x.
        let e1 = da.learn(0.3);
        let s1 = 0.5 / 11.0;
        let x1 = mu - s1 / 0.05;
        assert!((e1 - x1.exp()).abs() < 1e-14);
        assert!((da.final_step_size() - x1.exp()).abs() < 1e-14);
        // t = 2 with a > 1 capped at 1.
        let e2 = da.learn(1.7);
        let s2 = (1.0 - 1.0 / 12.0) * s1 + (0.8 - 1.0) / 12.0;
        let x2 = mu - s2 * 2f64.sqrt() / 0.05;
        let w = 2f64.powf(-0.75);
        let xb = (1.0 - w) * x1 + w * x2;
        assert!((e2 - x2.exp()).abs() < 1e-14);
        assert!((da.final_step_size() - xb.exp()).abs() < 1e-14);
        da.restart();
        assert_eq!(da.final_step_size(), 1.0);
    }

    #[test]
    fn converges_to_the_target_for_a_monotone_acceptance() {
        // Acceptance exp(−ε) reaches 0.8 at ε = −ln 0.8.
        let mut da = DualAverage::new(DualAverageOptions::default(), 1.0);
        let mut eps: f64 = 1.0;
        for _ in 0..5000 {
            eps = da.learn((-eps).exp());
        }
        let want = -(0.8f64.ln());
        assert!((da.final_step_size() - want).abs() < 1e-2 * want);
        assert!(eps > 0.0);
    }
}
