//! Splitting chains in halves, folding around the median, and rank normalisation.

use super::quantile;

/// Splits each chain into its first and last `⌊n/2⌋` draws (the middle draw of an odd
/// length is dropped), giving `2m` chains.
pub fn split_chains(chains: &[&[f64]]) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(2 * chains.len());
    for c in chains {
        let half = c.len() / 2;
        out.push(c[..half].to_vec());
        out.push(c[c.len() - half..].to_vec());
    }
    out
}

/// `|x − median|` over all draws (the median of the pooled draws).
pub fn fold(chains: &[&[f64]]) -> Vec<Vec<f64>> {
    let mut all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    all.sort_by(f64::total_cmp);
    let med = quantile(&all, 0.5);
    chains
        .iter()
        .map(|c| c.iter().map(|x| (x - med).abs()).collect())
        .collect()
}

/// Rank normalisation: pooled ranks `r` (ties get their average rank, 1-based), mapped
/// to normal scores with Blom's offset.
///
/// # Formula
///
/// ```text
/// z = Φ⁻¹((r − 3/8) / (S − 2·3/8 + 1)),   S = total number of draws
/// ```
pub fn rank_normalize(chains: &[&[f64]]) -> Vec<Vec<f64>> {
    let all: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    let s = all.len();
    let mut order: Vec<usize> = (0..s).collect();
    order.sort_by(|&a, &b| all[a].total_cmp(&all[b]));
    let mut ranks = vec![0.0; s];
    let mut i = 0;
    while i < s {
        let mut j = i;
        while j + 1 < s && all[order[j + 1]] == all[order[i]] {
            j += 1;
        }
        // positions i..=j (0-based) share the average rank of (i+1 ..= j+1)
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            ranks[order[k]] = avg;
        }
        i = j + 1;
    }
    let c = 3.0 / 8.0;
    let denom = s as f64 - 2.0 * c + 1.0;
    let mut out = Vec::with_capacity(chains.len());
    let mut k = 0;
    for ch in chains {
        out.push(
            (0..ch.len())
                .map(|_| {
                    let z = super::inv_normal_cdf((ranks[k] - c) / denom);
                    k += 1;
                    z
                })
                .collect(),
        );
    }
    out
}
