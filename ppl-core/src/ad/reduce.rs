//! Reductions for generated code: sums over an index range with independent partial sums.
//!
//! A loop `for k in lo..hi { acc += f(k) }` summed in order is one long chain of dependent
//! additions (each waits for the previous one, ~4 cycles). Generated forward sweeps of
//! accumulation loops call [`reduce_sum`] instead, which keeps four partial sums so the
//! additions pipeline and LLVM can pack them into SIMD lanes.

use crate::ad::Scalar;
use std::ops::Range;

/// `Σ_{k ∈ range} f(k)` with four independent partial sums: `s_j` sums the terms
/// `k ≡ lo + j (mod 4)` of the leading multiple of four, the remainder goes to `s_0`, and
/// the result is `(s_0 + s_1) + (s_2 + s_3)`. An empty (or reversed) range sums to zero.
///
/// The value differs from the left-to-right sum only by rounding.
///
/// ```
/// use ppl_core::ad::reduce_sum;
/// let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// assert_eq!(reduce_sum(0..6, |k| x[k] * 2.0), 42.0);
/// assert_eq!(reduce_sum(3..1, |k| x[k]), 0.0);
/// ```
#[inline(always)]
pub fn reduce_sum<S: Scalar>(range: Range<usize>, mut f: impl FnMut(usize) -> S) -> S {
    let (mut s0, mut s1, mut s2, mut s3) = (S::zero(), S::zero(), S::zero(), S::zero());
    let hi = range.end;
    let mut k = range.start;
    while k < hi && hi - k >= 4 {
        s0 += f(k);
        s1 += f(k + 1);
        s2 += f(k + 2);
        s3 += f(k + 3);
        k += 4;
    }
    while k < hi {
        s0 += f(k);
        k += 1;
    }
    (s0 + s1) + (s2 + s3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;

    #[test]
    fn sums_every_term_once_for_every_length() {
        for lo in 0..3 {
            for hi in 0..12 {
                let got = reduce_sum(lo..hi, |k| (k * k) as f64);
                let want: f64 = (lo..hi).map(|k| (k * k) as f64).sum();
                assert_eq!(got, want, "{lo}..{hi}");
            }
        }
        let d = reduce_sum(0..5, |k| Dual::new(k as f64, 1.0));
        assert_eq!((d.v, d.d), (10.0, 5.0));
    }
}
