//! Reductions and products with data: sum, mean, dot, squared_norm, data-matrix times vector.
//!
//! Every function has a reverse rule `f_vjp` that *accumulates* into caller-owned adjoint
//! slices and allocates nothing (see [`crate::ad::rules`]).
//!
//! # Formulas
//!
//! ```text
//! sum(x)            y = Σᵢ xᵢ               x̄ᵢ += ȳ
//! mean(x)           y = Σᵢ xᵢ / n           x̄ᵢ += ȳ / n          (n = 0: NaN)
//! dot(a, b)         y = Σᵢ aᵢ bᵢ            āᵢ += ȳ bᵢ,  b̄ᵢ += ȳ aᵢ
//! dot_data(a, b)    y = Σᵢ aᵢ bᵢ, a data    b̄ᵢ += ȳ aᵢ
//! squared_norm(x)   y = Σᵢ xᵢ²              x̄ᵢ += 2 ȳ xᵢ
//! mat_vec_data(X,v) outᵢ = Σⱼ Xᵢⱼ vⱼ         v̄ += Xᵀ out̄   (v̄ⱼ += Σᵢ out̄ᵢ Xᵢⱼ)
//! ```
//!
//! # Lengths
//!
//! Paired slices must have equal lengths. The functions iterate with `zip`, so a longer
//! slice is silently truncated to the shorter one (no panic); the model compiler checks
//! shapes when it builds the model.
//!
//! # Vectorisation
//!
//! Sums and dot products keep [`LANES`] independent accumulators over
//! `chunks_exact(LANES)` and combine them pairwise at the end, so the loop has no
//! dependency chain of length `n` and no bounds checks: LLVM turns the `f64` instances
//! into packed SIMD adds and multiplies. The result therefore differs from a left-to-right
//! sum by rounding only (the summation order is fixed, so results are reproducible).

use crate::ad::Scalar;

/// Number of independent accumulators in sums and dot products.
pub const LANES: usize = 4;

#[inline(always)]
fn combine<S: Scalar>(acc: [S; LANES], tail: S) -> S {
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `y = Σᵢ xᵢ`, with [`LANES`] independent accumulators.
///
/// # Examples
///
/// ```
/// use ppl_core::math::{sum, sum_vjp};
/// let x = [1.0, 2.0, 3.0, 4.0, 5.0];
/// assert_eq!(sum(&x), 15.0);
/// let mut x_bar = [0.0; 5];
/// sum_vjp(&x, 15.0, 2.0, &mut x_bar);
/// assert_eq!(x_bar, [2.0; 5]);
/// ```
#[inline]
pub fn sum<S: Scalar>(x: &[S]) -> S {
    let mut acc = [S::zero(); LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    let mut tail = S::zero();
    for &v in rest {
        tail += v;
    }
    combine(acc, tail)
}

/// Reverse rule of [`sum`]: `x̄ᵢ += ȳ`.
#[inline]
pub fn sum_vjp<S: Scalar>(_x: &[S], _y: S, y_bar: S, x_bar: &mut [S]) {
    for xb in x_bar.iter_mut() {
        *xb += y_bar;
    }
}

/// `y = Σᵢ xᵢ / n` (NaN for an empty slice, as `0/0`).
///
/// # Examples
///
/// ```
/// use ppl_core::math::mean;
/// assert_eq!(mean(&[1.0, 2.0, 6.0]), 3.0);
/// ```
#[inline]
pub fn mean<S: Scalar>(x: &[S]) -> S {
    sum(x) / x.len() as f64
}

/// Reverse rule of [`mean`]: `x̄ᵢ += ȳ / n`.
#[inline]
pub fn mean_vjp<S: Scalar>(x: &[S], _y: S, y_bar: S, x_bar: &mut [S]) {
    let g = y_bar / x.len() as f64;
    for xb in x_bar.iter_mut() {
        *xb += g;
    }
}

/// `y = Σᵢ aᵢ bᵢ` of two active vectors, with [`LANES`] independent accumulators.
///
/// # Examples
///
/// ```
/// use ppl_core::math::{dot, dot_vjp};
/// let (a, b) = ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]);
/// assert_eq!(dot(&a, &b), 32.0);
/// let (mut a_bar, mut b_bar) = ([0.0; 3], [0.0; 3]);
/// dot_vjp(&a, &b, 32.0, 1.0, &mut a_bar, &mut b_bar);
/// assert_eq!((a_bar, b_bar), (b, a));
/// ```
#[inline]
pub fn dot<S: Scalar>(a: &[S], b: &[S]) -> S {
    let mut acc = [S::zero(); LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (xa, xb) in ca.zip(cb) {
        for ((s, &u), &v) in acc.iter_mut().zip(xa).zip(xb) {
            *s += u * v;
        }
    }
    let mut tail = S::zero();
    for (&u, &v) in ra.iter().zip(rb) {
        tail += u * v;
    }
    combine(acc, tail)
}

/// Reverse rule of [`dot`]: `āᵢ += ȳ bᵢ`, `b̄ᵢ += ȳ aᵢ`.
#[inline]
pub fn dot_vjp<S: Scalar>(a: &[S], b: &[S], _y: S, y_bar: S, a_bar: &mut [S], b_bar: &mut [S]) {
    axpy(y_bar, b, a_bar);
    axpy(y_bar, a, b_bar);
}

/// `y = Σᵢ aᵢ bᵢ` with `a` data (`f64`) and `b` active.
///
/// # Examples
///
/// ```
/// use ppl_core::ad::Dual;
/// use ppl_core::math::dot_data;
/// let y = dot_data(&[2.0, 3.0], &[Dual::new(1.0, 1.0), Dual::new(1.0, 0.0)]);
/// assert_eq!((y.v, y.d), (5.0, 2.0));
/// ```
#[inline]
pub fn dot_data<S: Scalar>(a: &[f64], b: &[S]) -> S {
    let mut acc = [S::zero(); LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (xa, xb) in ca.zip(cb) {
        for ((s, &u), &v) in acc.iter_mut().zip(xa).zip(xb) {
            *s += v * u;
        }
    }
    let mut tail = S::zero();
    for (&u, &v) in ra.iter().zip(rb) {
        tail += v * u;
    }
    combine(acc, tail)
}

/// Reverse rule of [`dot_data`]: `b̄ᵢ += ȳ aᵢ` (data get no adjoint).
#[inline]
pub fn dot_data_vjp<S: Scalar>(a: &[f64], _b: &[S], _y: S, y_bar: S, b_bar: &mut [S]) {
    axpy_data(y_bar, a, b_bar);
}

/// `y = Σᵢ xᵢ²`.
///
/// # Examples
///
/// ```
/// use ppl_core::math::squared_norm;
/// assert_eq!(squared_norm(&[3.0, 4.0]), 25.0);
/// ```
#[inline]
pub fn squared_norm<S: Scalar>(x: &[S]) -> S {
    dot(x, x)
}

/// Reverse rule of [`squared_norm`]: `x̄ᵢ += 2 ȳ xᵢ`.
#[inline]
pub fn squared_norm_vjp<S: Scalar>(x: &[S], _y: S, y_bar: S, x_bar: &mut [S]) {
    axpy(y_bar * 2.0, x, x_bar);
}

/// `out = X v` for a data matrix `X` given by its rows (`&[Vec<f64>]`, the model
/// language's matrix type): `outᵢ = Σⱼ Xᵢⱼ vⱼ`. `out` is overwritten; its length is the
/// number of rows, each row has `v.len()` entries.
///
/// # Examples
///
/// ```
/// use ppl_core::math::{mat_vec_data, mat_vec_data_vjp};
/// let x = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
/// let v = [1.0, -1.0];
/// let mut out = [0.0; 3];
/// mat_vec_data(&x, &v, &mut out);
/// assert_eq!(out, [-1.0, -1.0, -1.0]);
/// let mut v_bar = [0.0; 2];
/// mat_vec_data_vjp(&x, &v, &out, &[1.0, 0.0, 1.0], &mut v_bar);
/// assert_eq!(v_bar, [6.0, 8.0]);            // Xᵀ out̄
/// ```
#[inline]
pub fn mat_vec_data<S: Scalar>(rows: &[Vec<f64>], v: &[S], out: &mut [S]) {
    for (o, row) in out.iter_mut().zip(rows) {
        *o = dot_data(row, v);
    }
}

/// Reverse rule of [`mat_vec_data`]: `v̄ += Xᵀ out̄`, one contiguous `axpy` per row.
#[inline]
pub fn mat_vec_data_vjp<S: Scalar>(
    rows: &[Vec<f64>],
    _v: &[S],
    _out: &[S],
    out_bar: &[S],
    v_bar: &mut [S],
) {
    for (&ob, row) in out_bar.iter().zip(rows) {
        axpy_data(ob, row, v_bar);
    }
}

/// `out = X v` for a data matrix stored row-major in one flat slice with `cols` columns
/// (`x.len() / cols` rows; a trailing partial row is ignored). `out` is overwritten.
///
/// # Examples
///
/// ```
/// use ppl_core::math::mat_vec_data_flat;
/// let mut out = [0.0; 2];
/// mat_vec_data_flat(&[1.0, 2.0, 3.0, 4.0], 2, &[1.0, 1.0], &mut out);
/// assert_eq!(out, [3.0, 7.0]);
/// ```
#[inline]
pub fn mat_vec_data_flat<S: Scalar>(x: &[f64], cols: usize, v: &[S], out: &mut [S]) {
    if cols == 0 {
        out.fill(S::zero());
        return;
    }
    for (o, row) in out.iter_mut().zip(x.chunks_exact(cols)) {
        *o = dot_data(row, v);
    }
}

/// Reverse rule of [`mat_vec_data_flat`]: `v̄ += Xᵀ out̄`.
#[inline]
pub fn mat_vec_data_flat_vjp<S: Scalar>(
    x: &[f64],
    cols: usize,
    _v: &[S],
    _out: &[S],
    out_bar: &[S],
    v_bar: &mut [S],
) {
    if cols == 0 {
        return;
    }
    for (&ob, row) in out_bar.iter().zip(x.chunks_exact(cols)) {
        axpy_data(ob, row, v_bar);
    }
}

/// `y += α x` (the BLAS `axpy`), over `zip`: no bounds checks, vectorisable.
#[inline(always)]
pub(crate) fn axpy<S: Scalar>(alpha: S, x: &[S], y: &mut [S]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// `y += α x` with `x` data.
#[inline(always)]
pub(crate) fn axpy_data<S: Scalar>(alpha: S, x: &[f64], y: &mut [S]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_function, GradientFunction};
    use rand::rngs::StdRng;
    use rand::Rng;

    #[derive(Clone, Copy, Debug)]
    enum Op {
        Sum,
        Mean,
        Dot,
        DotData,
        SquaredNorm,
        MatVecData,
        MatVecDataFlat,
    }

    /// A reduction (or `Σ w ⊙ (X v)` for the matrix products) as a function of its active
    /// inputs, with fixed random data `data` (the other vector or the matrix) and weights.
    struct Check {
        op: Op,
        n: usize,
        rows: usize,
        data: Vec<f64>,
        weights: Vec<f64>,
    }

    impl Check {
        fn new(op: Op, n: usize) -> Self {
            let mut rng = crate::testing::rng_for(&format!("{op:?}-{n}-data"));
            let rows = 5;
            let data = (0..rows * n).map(|_| rng.random_range(-2.0..2.0)).collect();
            let weights = (0..rows).map(|_| rng.random_range(-2.0..2.0)).collect();
            Check {
                op,
                n,
                rows,
                data,
                weights,
            }
        }
        fn matrix(&self) -> Vec<Vec<f64>> {
            self.data.chunks(self.n).map(|r| r.to_vec()).collect()
        }
        fn weights<S: Scalar>(&self) -> Vec<S> {
            self.weights.iter().map(|&w| S::cst(w)).collect()
        }
    }

    impl GradientFunction for Check {
        fn name(&self) -> String {
            format!("{:?} (n = {})", self.op, self.n)
        }
        fn dim(&self) -> usize {
            match self.op {
                Op::Dot => 2 * self.n,
                _ => self.n,
            }
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            (0..self.dim())
                .map(|_| rng.random_range(-3.0..3.0))
                .collect()
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            let n = self.n;
            match self.op {
                Op::Sum => sum(x),
                Op::Mean => mean(x),
                Op::Dot => dot(&x[..n], &x[n..]),
                Op::DotData => dot_data(&self.data[..n], x),
                Op::SquaredNorm => squared_norm(x),
                Op::MatVecData | Op::MatVecDataFlat => {
                    let mut out = vec![S::zero(); self.rows];
                    if let Op::MatVecData = self.op {
                        mat_vec_data(&self.matrix(), x, &mut out);
                    } else {
                        mat_vec_data_flat(&self.data, n, x, &mut out);
                    }
                    dot(&out, &self.weights::<S>())
                }
            }
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            grad.fill(S::zero());
            let n = self.n;
            let y = self.value(x);
            let one = S::one();
            match self.op {
                Op::Sum => sum_vjp(x, y, one, grad),
                Op::Mean => mean_vjp(x, y, one, grad),
                Op::Dot => {
                    let (ga, gb) = grad.split_at_mut(n);
                    dot_vjp(&x[..n], &x[n..], y, one, ga, gb)
                }
                Op::DotData => dot_data_vjp(&self.data[..n], x, y, one, grad),
                Op::SquaredNorm => squared_norm_vjp(x, y, one, grad),
                Op::MatVecData | Op::MatVecDataFlat => {
                    // y = Σ w ⊙ out: out̄ = w.
                    let w = self.weights::<S>();
                    let mut out = vec![S::zero(); self.rows];
                    if let Op::MatVecData = self.op {
                        let m = self.matrix();
                        mat_vec_data(&m, x, &mut out);
                        mat_vec_data_vjp(&m, x, &out, &w, grad);
                    } else {
                        mat_vec_data_flat(&self.data, n, x, &mut out);
                        mat_vec_data_flat_vjp(&self.data, n, x, &out, &w, grad);
                    }
                }
            }
            y
        }
    }

    #[test]
    fn reverse_rules_match_finite_differences() {
        for op in [
            Op::Sum,
            Op::Mean,
            Op::Dot,
            Op::DotData,
            Op::SquaredNorm,
            Op::MatVecData,
            Op::MatVecDataFlat,
        ] {
            // lengths below, at and above the lane count, with and without a remainder
            for n in [1, 4, 7, 13] {
                check_function(&Check::new(op, n));
            }
        }
    }

    #[test]
    fn lane_sums_equal_sequential_sums_for_every_length() {
        for n in 0..40 {
            let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
            let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
            let seq: f64 = x.iter().sum();
            let seq_dot: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
            let abs: f64 = x.iter().map(|v| v.abs()).sum::<f64>() + 1.0;
            assert!((sum(&x) - seq).abs() <= 1e-14 * abs, "sum, n = {n}");
            assert!((dot(&x, &y) - seq_dot).abs() <= 1e-14 * abs, "dot, n = {n}");
            assert!((dot_data(&x, &y) - seq_dot).abs() <= 1e-14 * abs);
        }
        assert_eq!(sum::<f64>(&[]), 0.0);
        assert!(mean::<f64>(&[]).is_nan());
        // exact integers: every order gives the same answer
        let ints: Vec<f64> = (1..=103).map(f64::from).collect();
        assert_eq!(sum(&ints), 103.0 * 104.0 / 2.0);
    }

    #[test]
    fn data_matrix_forms_agree() {
        let rows = vec![vec![1.0, 2.0, 3.0], vec![-1.0, 0.5, 4.0]];
        let flat: Vec<f64> = rows.concat();
        let v = [0.5, -2.0, 1.0];
        let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
        mat_vec_data(&rows, &v, &mut a);
        mat_vec_data_flat(&flat, 3, &v, &mut b);
        assert_eq!(a, b);
        assert_eq!(a, [0.5 - 4.0 + 3.0, -0.5 - 1.0 + 4.0]);
        let mut out = [1.0; 2];
        mat_vec_data_flat(&flat, 0, &v, &mut out);
        assert_eq!(out, [0.0; 2]);
    }
}
