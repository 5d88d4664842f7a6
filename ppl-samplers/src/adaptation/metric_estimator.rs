//! Welford running estimators of the variance and covariance of warm-up draws, with
//! Stan's shrinkage toward a small multiple of the identity.

/// Running mean and variance (Welford's algorithm), one per coordinate.
///
/// # Formula
///
/// ```text
/// δ = x − mean;  mean += δ / n;  M2 += δ (x − mean)
/// var = M2 / (n − 1)
/// regularised = (n / (n + 5)) var + 1e−3 · 5 / (n + 5)        (Stan)
/// ```
///
/// # Examples
///
/// ```
/// use ppl_samplers::WelfordVariance;
/// let mut w = WelfordVariance::new(1);
/// for x in [1.0, 2.0, 3.0, 4.0] {
///     w.add(&[x]);
/// }
/// let mut v = [0.0];
/// w.regularized_variance(&mut v);
/// let var = 5.0 / 3.0;
/// assert!((v[0] - (4.0 / 9.0 * var + 1e-3 * 5.0 / 9.0)).abs() < 1e-15);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WelfordVariance {
    n: usize,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl WelfordVariance {
    /// An empty estimator in `dim` dimensions.
    pub fn new(dim: usize) -> Self {
        Self {
            n: 0,
            mean: vec![0.0; dim],
            m2: vec![0.0; dim],
        }
    }
    /// Number of draws seen.
    pub fn count(&self) -> usize {
        self.n
    }
    /// Forgets all draws.
    pub fn restart(&mut self) {
        self.n = 0;
        self.mean.iter_mut().for_each(|m| *m = 0.0);
        self.m2.iter_mut().for_each(|m| *m = 0.0);
    }
    /// Adds a draw.
    pub fn add(&mut self, x: &[f64]) {
        self.n += 1;
        let n = self.n as f64;
        for ((m, s), xi) in self.mean.iter_mut().zip(&mut self.m2).zip(x) {
            let d = xi - *m;
            *m += d / n;
            *s += d * (xi - *m);
        }
    }
    /// Writes Stan's regularised variance estimate (needs at least 2 draws; with fewer
    /// the unregularised part is taken as 0).
    pub fn regularized_variance(&self, out: &mut [f64]) {
        let n = self.n as f64;
        let w = n / (n + 5.0);
        let shrink = 1e-3 * (5.0 / (n + 5.0));
        for (o, s) in out.iter_mut().zip(&self.m2) {
            let var = if self.n > 1 { s / (n - 1.0) } else { 0.0 };
            *o = w * var + shrink;
        }
    }
}

/// Running mean and covariance matrix (Welford's algorithm).
///
/// # Formula
///
/// ```text
/// δ = x − mean;  mean += δ / n;  M2 += (x − mean) δᵀ
/// cov = M2 / (n − 1)
/// regularised = (n / (n + 5)) cov + 1e−3 · 5 / (n + 5) · I        (Stan)
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WelfordCovariance {
    n: usize,
    dim: usize,
    mean: Vec<f64>,
    m2: Vec<f64>,
    delta: Vec<f64>,
}

impl WelfordCovariance {
    /// An empty estimator in `dim` dimensions.
    pub fn new(dim: usize) -> Self {
        Self {
            n: 0,
            dim,
            mean: vec![0.0; dim],
            m2: vec![0.0; dim * dim],
            delta: vec![0.0; dim],
        }
    }
    /// Number of draws seen.
    pub fn count(&self) -> usize {
        self.n
    }
    /// Forgets all draws.
    pub fn restart(&mut self) {
        self.n = 0;
        self.mean.iter_mut().for_each(|m| *m = 0.0);
        self.m2.iter_mut().for_each(|m| *m = 0.0);
    }
    /// Adds a draw.
    pub fn add(&mut self, x: &[f64]) {
        self.n += 1;
        let n = self.n as f64;
        for i in 0..self.dim {
            self.delta[i] = x[i] - self.mean[i];
            self.mean[i] += self.delta[i] / n;
        }
        for i in 0..self.dim {
            let a = x[i] - self.mean[i];
            for j in 0..self.dim {
                self.m2[i * self.dim + j] += a * self.delta[j];
            }
        }
    }
    /// Writes Stan's regularised covariance estimate, row-major and exactly symmetric.
    pub fn regularized_covariance(&self, out: &mut [f64]) {
        let n = self.n as f64;
        let w = n / (n + 5.0);
        let shrink = 1e-3 * (5.0 / (n + 5.0));
        let d = self.dim;
        for i in 0..d {
            for j in 0..d {
                // (M2 + M2ᵀ)/2: Welford's update is symmetric only up to rounding.
                let s = 0.5 * (self.m2[i * d + j] + self.m2[j * d + i]);
                let cov = if self.n > 1 { s / (n - 1.0) } else { 0.0 };
                out[i * d + j] = w * cov + if i == j { shrink } else { 0.0 };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covariance_matches_two_pass_formula() {
        let xs = [[1.0, 2.0], [2.0, 1.5], [-1.0, 0.3], [0.5, 4.0], [3.0, -2.0]];
        let mut w = WelfordCovariance::new(2);
        let mut v = WelfordVariance::new(2);
        for x in &xs {
            w.add(x);
            v.add(x);
        }
        let n = xs.len() as f64;
        let m: Vec<f64> = (0..2)
            .map(|i| xs.iter().map(|x| x[i]).sum::<f64>() / n)
            .collect();
        let mut out = [0.0; 4];
        w.regularized_covariance(&mut out);
        let mut diag = [0.0; 2];
        v.regularized_variance(&mut diag);
        for i in 0..2 {
            for j in 0..2 {
                let c: f64 = xs
                    .iter()
                    .map(|x| (x[i] - m[i]) * (x[j] - m[j]))
                    .sum::<f64>()
                    / (n - 1.0);
                let want = n / (n + 5.0) * c + if i == j { 1e-3 * 5.0 / (n + 5.0) } else { 0.0 };
                assert!((out[i * 2 + j] - want).abs() < 1e-14, "{i}{j}");
                if i == j {
                    assert!((diag[i] - want).abs() < 1e-14);
                }
            }
        }
        w.restart();
        assert_eq!(w.count(), 0);
    }
}
