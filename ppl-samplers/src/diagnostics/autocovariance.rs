//! Autocovariances of centred chains, computed lag by lag on demand.

/// The centred chains, from which [`Autocov::at`] computes `γ̂(k)` averaged over chains.
///
/// # Formula
///
/// ```text
/// γ̂_c(k) = (1/n) Σ_{t=0}^{n−1−k} (x_{c,t} − x̄_c)(x_{c,t+k} − x̄_c),   γ̂(k) = mean_c γ̂_c(k)
/// ```
///
/// (the biased estimator, as ArviZ's FFT computes it). Geyer's truncation needs only the
/// first lags of a mixing chain, so computing lags on demand costs `O(n · lags)` and
/// allocates nothing per lag.
pub(crate) struct Autocov {
    centred: Vec<Vec<f64>>,
    n: usize,
}

impl Autocov {
    pub(crate) fn new(chains: &[Vec<f64>]) -> Self {
        let n = chains.first().map_or(0, |c| c.len());
        let centred = chains
            .iter()
            .map(|c| {
                let m = super::mean(c);
                c.iter().map(|x| x - m).collect()
            })
            .collect();
        Self { centred, n }
    }

    /// `γ̂(k)` averaged over chains; 0 for `k ≥ n`.
    pub(crate) fn at(&self, k: usize) -> f64 {
        if k >= self.n {
            return 0.0;
        }
        let total: f64 = self
            .centred
            .iter()
            .map(|c| {
                c[..self.n - k]
                    .iter()
                    .zip(&c[k..])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
            })
            .sum();
        total / (self.n as f64 * self.centred.len() as f64)
    }
}
