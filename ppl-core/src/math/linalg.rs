//! Dense linear algebra with hand-written reverse rules: Cholesky, triangular solves, log-determinant, quadratic forms.
//!
//! # Storage
//!
//! Matrices are row-major slices `&[S]` with their dimension passed explicitly
//! (`a[i * n + j]` is `Aᵢⱼ`). Lower-triangular factors are stored as full `n × n`
//! matrices; functions taking a triangular factor **read only its lower triangle**
//! (diagonal included) and functions producing one write zeros above the diagonal.
//! Adjoints of triangular inputs are accumulated into the lower triangle only.
//!
//! # Conventions of the reverse rules
//!
//! As everywhere in `ppl-core` (see [`crate::ad::rules`]): `f_vjp` *accumulates*
//! (`+=`) into caller-provided adjoint slices and allocates nothing; a rule that needs
//! temporaries takes a `scratch` slice whose minimum length is documented. All rules are
//! generic over [`Scalar`], so running them on [`Dual`](crate::ad::Dual) gives
//! second-order (forward-over-reverse) derivatives. Inner loops run over contiguous row
//! slices with `zip` (no bounds checks), so LLVM can vectorise them.
//!
//! # Formulas
//!
//! With `Φ(X)` the lower triangle of `X` with its diagonal halved, `tril(X)` the lower
//! triangle with the diagonal, `sym(X) = X + Xᵀ − diag(X)` the symmetric matrix whose
//! lower triangle is `tril(X)`:
//!
//! ```text
//! cholesky          A = L Lᵀ                       (A read through its lower triangle)
//!                   Ā_low = Φ( L⁻ᵀ sym(tril(Lᵀ L̄)) L⁻¹ )        (see `cholesky_vjp`)
//! solve_lower       x = L⁻¹ b          u = L⁻ᵀ x̄:   b̄ += u,   L̄ᵢⱼ −= uᵢ xⱼ  (j ≤ i)
//! solve_lower_tr.   x = L⁻ᵀ b          u = L⁻¹ x̄:   b̄ += u,   L̄ᵢⱼ −= xᵢ uⱼ  (j ≤ i)
//! log_det_cholesky  y = 2 Σᵢ ln Lᵢᵢ                 L̄ᵢᵢ += 2 ȳ / Lᵢᵢ
//! quad_form         y = xᵀ A x                      Ā += ȳ x xᵀ,   x̄ += ȳ (A + Aᵀ) x
//! mat_vec           out = A v  (A is m × k)         Ā += out̄ vᵀ,   v̄ += Aᵀ out̄
//! diag_pre_multiply out = diag(v) M                 M̄ᵢⱼ += out̄ᵢⱼ vᵢ, v̄ᵢ += Σⱼ out̄ᵢⱼ Mᵢⱼ
//! multiply_lower_tri_self_transpose
//!                   out = L Lᵀ                      L̄ += tril((Ō + Ōᵀ) L)
//! ```
//!
//! # References
//!
//! I. Murray, "Differentiation of the Cholesky decomposition", arXiv:1602.07527 (2016);
//! M. B. Giles, "An extended collection of matrix derivative results for forward and
//! reverse mode algorithmic differentiation" (2008).

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::math::reductions::{axpy, dot, squared_norm};
use crate::math::ScalarMath;

fn check_len(what: &'static str, expected: usize, found: usize) -> Result<()> {
    if found < expected {
        Err(Error::DimensionMismatch {
            what: what.to_string(),
            expected,
            found,
        })
    } else {
        Ok(())
    }
}

/// Cholesky factorisation `A = L Lᵀ` of a symmetric positive-definite `n × n` matrix.
///
/// Only the lower triangle of `a` (diagonal included) is read: the matrix factorised is
/// the symmetric matrix with that lower triangle. `l_out` (at least `n²` long) receives
/// `L`, lower triangular with a positive diagonal and zeros above the diagonal.
///
/// The algorithm is Cholesky–Banachiewicz (row by row), whose inner products run over
/// contiguous row prefixes: `Lᵢⱼ = (Aᵢⱼ − Σₖ<ⱼ Lᵢₖ Lⱼₖ) / Lⱼⱼ`, `Lᵢᵢ = √(Aᵢᵢ − Σₖ<ᵢ Lᵢₖ²)`.
/// On [`Dual`](crate::ad::Dual) it computes the JVP exactly.
///
/// # Errors
///
/// * [`Error::OutOfSupport`] when a pivot `Aᵢᵢ − Σₖ Lᵢₖ²` is not positive and finite (the
///   matrix is not positive definite, or has a NaN or infinite entry); `l_out` is then
///   partially written. (A dedicated `NotPositiveDefinite` error variant would be clearer;
///   `OutOfSupport` names `cholesky` and the pivot's index meanwhile.)
/// * [`Error::DimensionMismatch`] when `a` or `l_out` is shorter than `n²`.
///
/// # Examples
///
/// ```
/// use ppl_core::math::cholesky;
/// let a = [4.0, 2.0,
///          2.0, 5.0];
/// let mut l = [0.0; 4];
/// cholesky(&a, 2, &mut l).unwrap();
/// assert_eq!(l, [2.0, 0.0,
///                1.0, 2.0]);
/// assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2, &mut l).is_err());
/// ```
pub fn cholesky<S: Scalar>(a: &[S], n: usize, l_out: &mut [S]) -> Result<()> {
    check_len("cholesky: matrix", n * n, a.len())?;
    check_len("cholesky: output", n * n, l_out.len())?;
    if n == 0 {
        return Ok(());
    }
    for (i, a_i) in a.chunks_exact(n).take(n).enumerate() {
        let (done, rest) = l_out.split_at_mut(i * n);
        let row_i = &mut rest[..n];
        for (j, l_j) in done.chunks_exact(n).enumerate() {
            let s = a_i[j] - dot(&row_i[..j], &l_j[..j]);
            row_i[j] = s / l_j[j];
        }
        let pivot = a_i[i] - squared_norm(&row_i[..i]);
        if !(pivot.value() > 0.0 && pivot.is_finite()) {
            return Err(Error::OutOfSupport {
                what: "cholesky",
                value: pivot.value(),
                requirement: format!(
                    "a symmetric positive-definite matrix: pivot {i} must be finite and > 0"
                ),
            });
        }
        row_i[i] = pivot.sqrt();
        row_i[i + 1..].fill(S::zero());
    }
    Ok(())
}

/// Reverse rule of [`cholesky`]: accumulates `Ā` into the **lower triangle** of `a_bar`
/// given `L` and `L̄` (only the lower triangle of `l_bar` is read).
///
/// # Formula
///
/// Differentiating `A = L Lᵀ` gives `L⁻¹ dA L⁻ᵀ = L⁻¹dL + (L⁻¹dL)ᵀ` with `L⁻¹dL` lower
/// triangular, so `dL = L Φ(L⁻¹ dA L⁻ᵀ)`. Transposing,
///
/// ```text
/// ⟨L̄, dL⟩ = ⟨Φ(Lᵀ L̄), L⁻¹ dA L⁻ᵀ⟩ = ⟨G, dA⟩,   G = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹.
/// ```
///
/// Because `cholesky` reads `A` through its lower triangle (an entry `Aᵢⱼ`, `i > j`,
/// stands for both `Aᵢⱼ` and `Aⱼᵢ`), the adjoint of that parametrisation is
///
/// ```text
/// Āᵢⱼ = Gᵢⱼ + Gⱼᵢ  (i > j),   Āᵢᵢ = Gᵢᵢ,   i.e.   Ā = Φ(C),   C = L⁻ᵀ W L⁻¹,
/// W = Φ(LᵀL̄) + Φ(LᵀL̄)ᵀ = sym(tril(Lᵀ L̄))  (symmetric).
/// ```
///
/// This is the convention of Stan's `cholesky_decompose` (adjoint of the lower triangle;
/// for a symmetric matrix built elementwise from parameters, the chain rule through the
/// lower-triangle entries is then exact, as the upper triangle is never read). The
/// adjoint w.r.t. a *symmetric perturbation* of the full matrix, `½(G + Gᵀ)`, is `C/2`.
///
/// Steps, each a row-oriented `axpy` loop (about `n³` multiply-adds in all):
/// 1. `W = tril(Lᵀ L̄)`, accumulated as `Wᵢ,₀..ᵢ += Lₖᵢ L̄ₖ,₀..ᵢ` over rows `k`, then mirrored;
/// 2. `Y = L⁻ᵀ W` by back substitution on the rows of `W`, in place;
/// 3. `C = Y L⁻¹` (rows `c` solve `c L = y`), only the lower triangle, using `C = Cᵀ`
///    for the entries right of the diagonal, in place;
/// 4. `Āᵢⱼ += Cᵢⱼ` for `i > j`, `Āᵢᵢ += Cᵢᵢ / 2`.
///
/// `scratch` must hold at least `n²` values (its contents are overwritten). `a` is not
/// read (kept for the rule convention). No allocation.
///
/// # Examples
///
/// ```
/// use ppl_core::math::{cholesky, cholesky_vjp};
/// // 1×1: L = √a, dL/da = 1/(2√a)
/// let mut l = [0.0];
/// cholesky(&[4.0], 1, &mut l).unwrap();
/// let (mut a_bar, mut scratch) = ([0.0], [0.0]);
/// cholesky_vjp(&[4.0], 1, &l, &[1.0], &mut a_bar, &mut scratch);
/// assert_eq!(a_bar, [0.25]);
/// ```
pub fn cholesky_vjp<S: Scalar>(
    _a: &[S],
    n: usize,
    l: &[S],
    l_bar: &[S],
    a_bar: &mut [S],
    scratch: &mut [S],
) {
    let nn = n * n;
    if n == 0 || l.len() < nn || l_bar.len() < nn || a_bar.len() < nn || scratch.len() < nn {
        return;
    }
    let w = &mut scratch[..nn];
    let l = &l[..nn];
    w.fill(S::zero());
    // 1. W = tril(Lᵀ L̄): Wᵢⱼ = Σₖ≥ᵢ Lₖᵢ L̄ₖⱼ for j ≤ i.
    for (k, (l_k, lb_k)) in l.chunks_exact(n).zip(l_bar.chunks_exact(n)).enumerate() {
        for (i, (w_i, &l_ki)) in w.chunks_exact_mut(n).zip(&l_k[..=k]).enumerate() {
            axpy(l_ki, &lb_k[..=i], &mut w_i[..=i]);
        }
    }
    for i in 0..n {
        for j in 0..i {
            w[j * n + i] = w[i * n + j];
        }
    }
    // 2. Y = L⁻ᵀ W: Lᵀ is upper triangular, (Lᵀ)ₖᵢ = Lᵢₖ; eliminate from the last row up.
    for (i, l_i) in l.chunks_exact(n).enumerate().rev() {
        let (above, rest) = w.split_at_mut(i * n);
        let y_i = &mut rest[..n];
        let inv = l_i[i].recip();
        for v in y_i.iter_mut() {
            *v *= inv;
        }
        for (w_k, &l_ik) in above.chunks_exact_mut(n).zip(&l_i[..i]) {
            axpy(-l_ik, y_i, w_k);
        }
    }
    // 3. C = Y L⁻¹, lower triangle, rows from the last: cₖ for k > i is Cₖᵢ (symmetry).
    for i in (0..n).rev() {
        let (head, below) = w.split_at_mut((i + 1) * n);
        let c_i = &mut head[i * n..i * n + i + 1];
        for (c_k, l_k) in below.chunks_exact(n).zip(l.chunks_exact(n).skip(i + 1)) {
            axpy(-c_k[i], &l_k[..=i], c_i);
        }
        for j in (0..=i).rev() {
            let l_j = &l[j * n..j * n + j + 1];
            let c_j = c_i[j] / l_j[j];
            c_i[j] = c_j;
            axpy(-c_j, &l_j[..j], &mut c_i[..j]);
        }
    }
    // 4. Ā = Φ(C), lower triangle.
    for (i, (ab_i, c_i)) in a_bar.chunks_exact_mut(n).zip(w.chunks_exact(n)).enumerate() {
        for (ab, &c) in ab_i[..i].iter_mut().zip(&c_i[..i]) {
            *ab += c;
        }
        ab_i[i] += c_i[i] * 0.5;
    }
}

/// Solves `L x = b` by forward substitution, `L` lower triangular `n × n` (upper triangle
/// not read), writing `x` into `x_out` (`n` long). A zero diagonal entry gives ±∞/NaN.
///
/// `xᵢ = (bᵢ − Σⱼ<ᵢ Lᵢⱼ xⱼ) / Lᵢᵢ`, each sum over a contiguous row prefix.
///
/// # Examples
///
/// ```
/// use ppl_core::math::solve_lower;
/// let l = [2.0, 0.0,
///          1.0, 4.0];
/// let mut x = [0.0; 2];
/// solve_lower(&l, 2, &[2.0, 9.0], &mut x);
/// assert_eq!(x, [1.0, 2.0]);
/// ```
pub fn solve_lower<S: Scalar>(l: &[S], n: usize, b: &[S], x_out: &mut [S]) {
    if n == 0 {
        return;
    }
    for (i, (l_i, &b_i)) in l.chunks_exact(n).zip(b).take(x_out.len()).enumerate() {
        let (done, rest) = x_out.split_at_mut(i);
        rest[0] = (b_i - dot(&l_i[..i], done)) / l_i[i];
    }
}

/// Reverse rule of [`solve_lower`] w.r.t. both `L` and `b`.
///
/// # Formula
///
/// ```text
/// x = L⁻¹ b,  dx = L⁻¹(db − dL x)   ⇒   u = L⁻ᵀ x̄,   b̄ += u,   L̄ᵢⱼ −= uᵢ xⱼ  (j ≤ i)
/// ```
///
/// `scratch` must hold at least `n` values (it receives `u`).
#[allow(clippy::too_many_arguments)]
pub fn solve_lower_vjp<S: Scalar>(
    l: &[S],
    n: usize,
    _b: &[S],
    x: &[S],
    x_bar: &[S],
    l_bar: &mut [S],
    b_bar: &mut [S],
    scratch: &mut [S],
) {
    if n == 0 || scratch.len() < n {
        return;
    }
    let u = &mut scratch[..n];
    solve_lower_transposed(l, n, x_bar, u);
    for (bb, &ui) in b_bar.iter_mut().zip(u.iter()) {
        *bb += ui;
    }
    for (i, (lb_i, &u_i)) in l_bar.chunks_exact_mut(n).zip(u.iter()).enumerate() {
        axpy(-u_i, &x[..=i], &mut lb_i[..=i]);
    }
}

/// Solves `Lᵀ x = b` by back substitution, `L` lower triangular `n × n` (upper triangle
/// not read), writing `x` into `x_out` (`n` long). Row-oriented: after `xᵢ = rᵢ / Lᵢᵢ`
/// the residual update `r₀..ᵢ −= xᵢ Lᵢ,₀..ᵢ` runs over a contiguous row of `L`.
///
/// # Examples
///
/// ```
/// use ppl_core::math::solve_lower_transposed;
/// let l = [2.0, 0.0,
///          1.0, 4.0];
/// let mut x = [0.0; 2];
/// solve_lower_transposed(&l, 2, &[4.0, 8.0], &mut x);   // [2 1; 0 4] x = [4, 8]
/// assert_eq!(x, [1.0, 2.0]);
/// ```
pub fn solve_lower_transposed<S: Scalar>(l: &[S], n: usize, b: &[S], x_out: &mut [S]) {
    if n == 0 || x_out.len() < n || l.len() < n * n {
        return;
    }
    let x = &mut x_out[..n];
    for (xi, &bi) in x.iter_mut().zip(b) {
        *xi = bi;
    }
    for (i, l_i) in l[..n * n].chunks_exact(n).enumerate().rev() {
        let (head, rest) = x.split_at_mut(i);
        let x_i = rest[0] / l_i[i];
        rest[0] = x_i;
        axpy(-x_i, &l_i[..i], head);
    }
}

/// Reverse rule of [`solve_lower_transposed`] w.r.t. both `L` and `b`.
///
/// # Formula
///
/// ```text
/// x = L⁻ᵀ b,  dx = L⁻ᵀ(db − dLᵀ x)  ⇒   u = L⁻¹ x̄,   b̄ += u,   L̄ᵢⱼ −= xᵢ uⱼ  (j ≤ i)
/// ```
///
/// `scratch` must hold at least `n` values (it receives `u`).
#[allow(clippy::too_many_arguments)]
pub fn solve_lower_transposed_vjp<S: Scalar>(
    l: &[S],
    n: usize,
    _b: &[S],
    x: &[S],
    x_bar: &[S],
    l_bar: &mut [S],
    b_bar: &mut [S],
    scratch: &mut [S],
) {
    if n == 0 || scratch.len() < n {
        return;
    }
    let u = &mut scratch[..n];
    solve_lower(l, n, x_bar, u);
    for (bb, &ui) in b_bar.iter_mut().zip(u.iter()) {
        *bb += ui;
    }
    for (i, (lb_i, &x_i)) in l_bar.chunks_exact_mut(n).zip(x).enumerate() {
        axpy(-x_i, &u[..=i], &mut lb_i[..=i]);
    }
}

/// `ln det(L Lᵀ) = 2 Σᵢ ln Lᵢᵢ` for a Cholesky factor `L` (`n × n`; only the diagonal is
/// read). A non-positive diagonal entry gives NaN or −∞ (from `ln`).
///
/// # Examples
///
/// ```
/// use ppl_core::math::log_det_cholesky;
/// let l = [2.0, 0.0,
///          7.0, 3.0];
/// assert!((log_det_cholesky(&l, 2) - 36f64.ln()).abs() < 1e-15);
/// ```
pub fn log_det_cholesky<S: Scalar>(l: &[S], n: usize) -> S {
    let mut acc = S::zero();
    for (i, l_i) in l.chunks_exact(n.max(1)).take(n).enumerate() {
        acc += l_i[i].ln();
    }
    acc * 2.0
}

/// Reverse rule of [`log_det_cholesky`]: `L̄ᵢᵢ += 2 ȳ / Lᵢᵢ`.
pub fn log_det_cholesky_vjp<S: Scalar>(l: &[S], n: usize, _y: S, y_bar: S, l_bar: &mut [S]) {
    let g = y_bar * 2.0;
    let rows = l
        .chunks_exact(n.max(1))
        .zip(l_bar.chunks_exact_mut(n.max(1)));
    for (i, (l_i, lb_i)) in rows.take(n).enumerate() {
        lb_i[i] += g / l_i[i];
    }
}

/// The quadratic form `y = xᵀ A x` of a full (not necessarily symmetric) `n × n` matrix.
///
/// # Examples
///
/// ```
/// use ppl_core::math::quad_form;
/// let a = [2.0, 1.0,
///          0.0, 3.0];
/// assert_eq!(quad_form(&a, 2, &[1.0, 2.0]), 2.0 + 2.0 + 12.0);
/// ```
pub fn quad_form<S: Scalar>(a: &[S], n: usize, x: &[S]) -> S {
    if n == 0 {
        return S::zero();
    }
    let mut acc = S::zero();
    for (a_i, &x_i) in a.chunks_exact(n).zip(x) {
        acc += x_i * dot(a_i, x);
    }
    acc
}

/// Reverse rule of [`quad_form`]: `Ā += ȳ x xᵀ`, `x̄ += ȳ (A x + Aᵀ x)`. No scratch.
pub fn quad_form_vjp<S: Scalar>(
    a: &[S],
    n: usize,
    x: &[S],
    _y: S,
    y_bar: S,
    a_bar: &mut [S],
    x_bar: &mut [S],
) {
    if n == 0 {
        return;
    }
    for ((a_i, ab_i), &x_i) in a.chunks_exact(n).zip(a_bar.chunks_exact_mut(n)).zip(x) {
        let g = y_bar * x_i;
        axpy(g, x, ab_i); // Āᵢ,· += ȳ xᵢ x
        axpy(g, a_i, x_bar); // x̄ += ȳ xᵢ Aᵢ,·  (the Aᵀx part)
    }
    for (a_i, xb) in a.chunks_exact(n).zip(x_bar.iter_mut()) {
        *xb += y_bar * dot(a_i, x); // the A x part
    }
}

/// `out = A v` for an active `rows × cols` matrix `A` (row-major, `rows = out.len()`).
///
/// # Examples
///
/// ```
/// use ppl_core::math::mat_vec;
/// let mut out = [0.0; 2];
/// mat_vec(&[1.0, 2.0, 3.0, 4.0], 2, &[1.0, -1.0], &mut out);
/// assert_eq!(out, [-1.0, -1.0]);
/// ```
pub fn mat_vec<S: Scalar>(a: &[S], cols: usize, v: &[S], out: &mut [S]) {
    if cols == 0 {
        out.fill(S::zero());
        return;
    }
    for (o, a_i) in out.iter_mut().zip(a.chunks_exact(cols)) {
        *o = dot(a_i, v);
    }
}

/// Reverse rule of [`mat_vec`]: `Āᵢⱼ += out̄ᵢ vⱼ`, `v̄ += Aᵀ out̄`.
pub fn mat_vec_vjp<S: Scalar>(
    a: &[S],
    cols: usize,
    v: &[S],
    _out: &[S],
    out_bar: &[S],
    a_bar: &mut [S],
    v_bar: &mut [S],
) {
    if cols == 0 {
        return;
    }
    let rows = a.chunks_exact(cols).zip(a_bar.chunks_exact_mut(cols));
    for ((a_i, ab_i), &ob) in rows.zip(out_bar) {
        axpy(ob, v, ab_i);
        axpy(ob, a_i, v_bar);
    }
}

/// `out = diag(v) M` (Stan's `diag_pre_multiply`): `outᵢⱼ = vᵢ Mᵢⱼ`, `M` row-major with
/// `v.len()` rows of `cols` entries. The usual way to build a covariance Cholesky factor
/// from scales and a correlation Cholesky factor: `diag_pre_multiply(tau, L_Omega)`.
///
/// # Examples
///
/// ```
/// use ppl_core::math::diag_pre_multiply;
/// let mut out = [0.0; 4];
/// diag_pre_multiply(&[2.0, 3.0], &[1.0, 0.0, 0.5, 1.0], 2, &mut out);
/// assert_eq!(out, [2.0, 0.0, 1.5, 3.0]);
/// ```
pub fn diag_pre_multiply<S: Scalar>(v: &[S], m: &[S], cols: usize, out: &mut [S]) {
    if cols == 0 {
        return;
    }
    for ((o_i, m_i), &v_i) in out.chunks_exact_mut(cols).zip(m.chunks_exact(cols)).zip(v) {
        for (o, &mij) in o_i.iter_mut().zip(m_i) {
            *o = v_i * mij;
        }
    }
}

/// Reverse rule of [`diag_pre_multiply`]: `M̄ᵢⱼ += out̄ᵢⱼ vᵢ`, `v̄ᵢ += Σⱼ out̄ᵢⱼ Mᵢⱼ`.
pub fn diag_pre_multiply_vjp<S: Scalar>(
    v: &[S],
    m: &[S],
    cols: usize,
    _out: &[S],
    out_bar: &[S],
    v_bar: &mut [S],
    m_bar: &mut [S],
) {
    if cols == 0 {
        return;
    }
    let rows = out_bar
        .chunks_exact(cols)
        .zip(m.chunks_exact(cols))
        .zip(m_bar.chunks_exact_mut(cols));
    for (((ob_i, m_i), mb_i), (&v_i, vb_i)) in rows.zip(v.iter().zip(v_bar.iter_mut())) {
        axpy(v_i, ob_i, mb_i);
        *vb_i += dot(ob_i, m_i);
    }
}

/// `out = L Lᵀ` for a lower-triangular `n × n` factor `L` (upper triangle not read; Stan's
/// `multiply_lower_tri_self_transpose`). `out` (`n²`) is written in full (symmetric).
///
/// # Examples
///
/// ```
/// use ppl_core::math::multiply_lower_tri_self_transpose;
/// let mut out = [0.0; 4];
/// multiply_lower_tri_self_transpose(&[2.0, 99.0, 1.0, 2.0], 2, &mut out);
/// assert_eq!(out, [4.0, 2.0, 2.0, 5.0]);
/// ```
pub fn multiply_lower_tri_self_transpose<S: Scalar>(l: &[S], n: usize, out: &mut [S]) {
    if n == 0 || l.len() < n * n || out.len() < n * n {
        return;
    }
    for i in 0..n {
        let l_i = &l[i * n..i * n + i + 1];
        for j in 0..=i {
            let v = dot(&l_i[..=j], &l[j * n..j * n + j + 1]);
            out[i * n + j] = v;
            out[j * n + i] = v;
        }
    }
}

/// Reverse rule of [`multiply_lower_tri_self_transpose`]: `L̄ += tril((Ō + Ōᵀ) L)`,
/// i.e. `L̄ᵢⱼ += Σₖ (Ōᵢₖ + Ōₖᵢ) Lₖⱼ` for `j ≤ i` (`out̄` read in full).
pub fn multiply_lower_tri_self_transpose_vjp<S: Scalar>(
    l: &[S],
    n: usize,
    _out: &[S],
    out_bar: &[S],
    l_bar: &mut [S],
) {
    if n == 0 || l.len() < n * n || out_bar.len() < n * n {
        return;
    }
    for (i, lb_i) in l_bar.chunks_exact_mut(n).take(n).enumerate() {
        for k in 0..n {
            let s = out_bar[i * n + k] + out_bar[k * n + i];
            let m = i.min(k);
            axpy(s, &l[k * n..k * n + m + 1], &mut lb_i[..=m]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::testing::{check_function, rng_for, GradientFunction};
    use rand::rngs::StdRng;
    use rand::Rng;

    /// Number of entries of the lower triangle (diagonal included) of an `n × n` matrix.
    fn tri(n: usize) -> usize {
        n * (n + 1) / 2
    }

    /// The full `n × n` matrix whose lower triangle is `v` (row by row) and whose upper
    /// triangle is `upper` (NaN in tests: proves it is never read).
    pub(crate) fn unpack_lower<S: Scalar>(v: &[S], n: usize, upper: S) -> Vec<S> {
        let mut m = vec![upper; n * n];
        let mut it = v.iter();
        for i in 0..n {
            for j in 0..=i {
                m[i * n + j] = *it.next().expect("enough entries");
            }
        }
        m
    }

    /// Writes the lower triangle of `m` (row by row) into `out`.
    pub(crate) fn pack_lower<S: Scalar>(m: &[S], n: usize, out: &mut [S]) {
        let mut k = 0;
        for i in 0..n {
            for j in 0..=i {
                out[k] = m[i * n + j];
                k += 1;
            }
        }
    }

    fn nan<S: Scalar>() -> S {
        S::cst(f64::NAN)
    }

    fn random_lower_factor(rng: &mut StdRng, n: usize) -> Vec<f64> {
        let mut v = Vec::with_capacity(tri(n));
        for i in 0..n {
            for j in 0..=i {
                v.push(if i == j {
                    rng.random_range(0.5..2.0)
                } else {
                    rng.random_range(-1.0..1.0)
                });
            }
        }
        v
    }

    /// `true` when index `k` of a lower-packed triangle is a diagonal entry (`k = i(i+3)/2`).
    fn is_diag_index(k: usize) -> bool {
        (0..=k).any(|i| i * (i + 3) / 2 == k)
    }

    #[derive(Clone, Copy, Debug)]
    enum Op {
        /// inputs: lower triangle of A
        Cholesky,
        /// inputs: lower triangle of L, then b
        SolveLower,
        /// inputs: lower triangle of L, then b
        SolveLowerTransposed,
        /// inputs: lower triangle of L
        LogDet,
        /// inputs: A (n²), x (n)
        QuadForm,
        /// inputs: A (rows × n), v (n)
        MatVec,
        /// inputs: v (rows), M (rows × n)
        DiagPreMultiply,
        /// inputs: lower triangle of L
        LowerTriSelfTranspose,
    }

    /// A matrix function as `f(inputs) = Σ W ⊙ output` with fixed random weights `W`, so
    /// the check exercises the VJP with a generic cotangent `W`.
    struct Check {
        op: Op,
        n: usize,
        rows: usize,
        weights: Vec<f64>,
    }

    impl Check {
        fn new(op: Op, n: usize) -> Self {
            let rows = n + 2;
            let mut rng = rng_for(&format!("{op:?}-{n}-weights"));
            let weights = (0..rows * n + n)
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            Check {
                op,
                n,
                rows,
                weights,
            }
        }
        fn w<S: Scalar>(&self, len: usize) -> Vec<S> {
            self.weights[..len].iter().map(|&w| S::cst(w)).collect()
        }

        fn eval<S: Scalar>(&self, x: &[S], grad: &mut [S], reverse: bool) -> S {
            grad.fill(S::zero());
            let n = self.n;
            let one = S::one();
            match self.op {
                Op::Cholesky => {
                    let a = unpack_lower(x, n, nan());
                    let mut l = vec![S::zero(); n * n];
                    cholesky(&a, n, &mut l).expect("SPD input");
                    // weights on the lower triangle; NaN above must not be read
                    let w = unpack_lower(&self.w::<S>(tri(n)), n, nan());
                    let mut y = S::zero();
                    for i in 0..n {
                        for j in 0..=i {
                            y += w[i * n + j] * l[i * n + j];
                        }
                    }
                    if reverse {
                        let mut a_bar = vec![S::zero(); n * n];
                        let mut scratch = vec![nan(); n * n];
                        cholesky_vjp(&a, n, &l, &w, &mut a_bar, &mut scratch);
                        for i in 0..n {
                            for j in i + 1..n {
                                assert_eq!(a_bar[i * n + j], S::zero(), "upper untouched");
                            }
                        }
                        pack_lower(&a_bar, n, grad);
                    }
                    y
                }
                Op::SolveLower | Op::SolveLowerTransposed => {
                    let l = unpack_lower(&x[..tri(n)], n, nan());
                    let b = &x[tri(n)..];
                    let mut sol = vec![S::zero(); n];
                    let lower = matches!(self.op, Op::SolveLower);
                    if lower {
                        solve_lower(&l, n, b, &mut sol);
                    } else {
                        solve_lower_transposed(&l, n, b, &mut sol);
                    }
                    let w = self.w::<S>(n);
                    let y = dot(&w, &sol);
                    if reverse {
                        let mut l_bar = vec![S::zero(); n * n];
                        let mut scratch = vec![nan(); n];
                        let (gl, gb) = grad.split_at_mut(tri(n));
                        if lower {
                            solve_lower_vjp(&l, n, b, &sol, &w, &mut l_bar, gb, &mut scratch);
                        } else {
                            solve_lower_transposed_vjp(
                                &l,
                                n,
                                b,
                                &sol,
                                &w,
                                &mut l_bar,
                                gb,
                                &mut scratch,
                            );
                        }
                        pack_lower(&l_bar, n, gl);
                    }
                    y
                }
                Op::LogDet => {
                    let l = unpack_lower(x, n, nan());
                    let y = log_det_cholesky(&l, n);
                    if reverse {
                        let mut l_bar = vec![S::zero(); n * n];
                        log_det_cholesky_vjp(&l, n, y, one, &mut l_bar);
                        pack_lower(&l_bar, n, grad);
                    }
                    y
                }
                Op::QuadForm => {
                    let (a, v) = x.split_at(n * n);
                    let y = quad_form(a, n, v);
                    if reverse {
                        let (ga, gv) = grad.split_at_mut(n * n);
                        quad_form_vjp(a, n, v, y, one, ga, gv);
                    }
                    y
                }
                Op::MatVec => {
                    let (a, v) = x.split_at(self.rows * n);
                    let mut out = vec![S::zero(); self.rows];
                    mat_vec(a, n, v, &mut out);
                    let w = self.w::<S>(self.rows);
                    if reverse {
                        let (ga, gv) = grad.split_at_mut(self.rows * n);
                        mat_vec_vjp(a, n, v, &out, &w, ga, gv);
                    }
                    dot(&w, &out)
                }
                Op::DiagPreMultiply => {
                    let (v, m) = x.split_at(self.rows);
                    let mut out = vec![S::zero(); self.rows * n];
                    diag_pre_multiply(v, m, n, &mut out);
                    let w = self.w::<S>(self.rows * n);
                    if reverse {
                        let (gv, gm) = grad.split_at_mut(self.rows);
                        diag_pre_multiply_vjp(v, m, n, &out, &w, gv, gm);
                    }
                    dot(&w, &out)
                }
                Op::LowerTriSelfTranspose => {
                    let l = unpack_lower(x, n, nan());
                    let mut out = vec![S::zero(); n * n];
                    multiply_lower_tri_self_transpose(&l, n, &mut out);
                    let w = self.w::<S>(n * n);
                    if reverse {
                        let mut l_bar = vec![S::zero(); n * n];
                        multiply_lower_tri_self_transpose_vjp(&l, n, &out, &w, &mut l_bar);
                        pack_lower(&l_bar, n, grad);
                    }
                    dot(&w, &out)
                }
            }
        }
    }

    impl GradientFunction for Check {
        fn name(&self) -> String {
            format!("{:?} (n = {})", self.op, self.n)
        }
        fn dim(&self) -> usize {
            let n = self.n;
            match self.op {
                Op::Cholesky | Op::LogDet | Op::LowerTriSelfTranspose => tri(n),
                Op::SolveLower | Op::SolveLowerTransposed => tri(n) + n,
                Op::QuadForm => n * n + n,
                Op::MatVec => self.rows * n + n,
                Op::DiagPreMultiply => self.rows + self.rows * n,
            }
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            let n = self.n;
            match self.op {
                Op::Cholesky => {
                    // A = B Bᵀ + n I: well inside the SPD cone, so finite-difference
                    // perturbations of its lower triangle stay positive definite.
                    let b: Vec<f64> = (0..n * n).map(|_| rng.random_range(-1.0..1.0)).collect();
                    let mut a = vec![0.0; n * n];
                    for i in 0..n {
                        for j in 0..n {
                            let v: f64 = (0..n).map(|k| b[i * n + k] * b[j * n + k]).sum();
                            a[i * n + j] = v + if i == j { n as f64 } else { 0.0 };
                        }
                    }
                    let mut out = vec![0.0; tri(n)];
                    pack_lower(&a, n, &mut out);
                    out
                }
                Op::LogDet | Op::LowerTriSelfTranspose => random_lower_factor(rng, n),
                Op::SolveLower | Op::SolveLowerTransposed => {
                    let mut v = random_lower_factor(rng, n);
                    v.extend((0..n).map(|_| rng.random_range(-3.0..3.0)));
                    v
                }
                _ => (0..self.dim())
                    .map(|_| rng.random_range(-2.0..2.0))
                    .collect(),
            }
        }
        fn max_step(&self, x: &[f64], i: usize) -> f64 {
            let factor_input = matches!(
                self.op,
                Op::SolveLower | Op::SolveLowerTransposed | Op::LogDet
            );
            if factor_input && i < tri(self.n) && is_diag_index(i) {
                x[i] / 4.0
            } else {
                f64::INFINITY
            }
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            let mut g = vec![S::zero(); x.len()];
            self.eval(x, &mut g, false)
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            self.eval(x, grad, true)
        }
    }

    #[test]
    fn cholesky_reverse_rule_matches_finite_differences() {
        for n in [1, 2, 3, 5, 8] {
            check_function(&Check::new(Op::Cholesky, n));
        }
    }

    #[test]
    fn triangular_solve_rules_match_finite_differences() {
        for n in [1, 2, 4, 7] {
            check_function(&Check::new(Op::SolveLower, n));
            check_function(&Check::new(Op::SolveLowerTransposed, n));
        }
    }

    #[test]
    fn log_det_and_products_match_finite_differences() {
        for n in [1, 3, 6] {
            check_function(&Check::new(Op::LogDet, n));
            check_function(&Check::new(Op::QuadForm, n));
            check_function(&Check::new(Op::MatVec, n));
            check_function(&Check::new(Op::DiagPreMultiply, n));
            check_function(&Check::new(Op::LowerTriSelfTranspose, n));
        }
    }

    #[test]
    fn cholesky_reconstructs_and_rejects_non_positive_definite() {
        let mut rng = rng_for("cholesky-reconstruct");
        for n in [1, 2, 5, 9, 16] {
            let x = Check::new(Op::Cholesky, n).sample_point(&mut rng);
            let a = unpack_lower(&x, n, f64::NAN);
            let mut l = vec![f64::NAN; n * n];
            cholesky(&a, n, &mut l).unwrap();
            let mut llt = vec![0.0; n * n];
            multiply_lower_tri_self_transpose(&l, n, &mut llt);
            for i in 0..n {
                assert!(l[i * n + i] > 0.0);
                for j in 0..n {
                    if j > i {
                        assert_eq!(l[i * n + j], 0.0);
                    }
                    let want = if j <= i { a[i * n + j] } else { a[j * n + i] };
                    let err = (llt[i * n + j] - want).abs();
                    assert!(err < 4e-15 * (n * n) as f64, "n = {n}: {err:e}");
                }
            }
        }
        let mut l = [0.0; 4];
        let e = cholesky(&[1.0, 0.0, 2.0, 1.0], 2, &mut l).unwrap_err();
        assert!(
            matches!(
                e,
                Error::OutOfSupport {
                    what: "cholesky",
                    ..
                }
            ),
            "{e}"
        );
        assert!(cholesky(&[0.0, 0.0, 0.0, 1.0], 2, &mut l).is_err());
        assert!(cholesky(&[f64::NAN, 0.0, 0.0, 1.0], 2, &mut l).is_err());
        assert!(cholesky(&[1.0, 0.0, f64::INFINITY, 1.0], 2, &mut l).is_err());
        assert!(matches!(
            cholesky(&[1.0, 0.0, 0.0], 2, &mut l),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(cholesky::<f64>(&[], 0, &mut []).is_ok());
    }

    #[test]
    fn cholesky_adjoint_follows_the_lower_triangle_convention() {
        // Āᵢⱼ (i > j) is the derivative along a perturbation of the lower entry alone,
        // which `cholesky` reads as the symmetric pair (Aᵢⱼ, Aⱼᵢ): compare with the JVP on
        // Dual along A₂₀ (the A₀₂ tangent would be ignored anyway).
        let n = 3;
        let mut rng = rng_for("cholesky-convention");
        let x = Check::new(Op::Cholesky, n).sample_point(&mut rng);
        let a = unpack_lower(&x, n, 0.0);
        let mut l = vec![0.0; n * n];
        cholesky(&a, n, &mut l).unwrap();
        let w: Vec<f64> = (0..n * n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut a_bar = vec![0.0; n * n];
        cholesky_vjp(&a, n, &l, &w, &mut a_bar, &mut vec![0.0; n * n]);
        for (k, upper) in [(2 * n, 2), (n + 1, n + 1)] {
            let ad: Vec<Dual> = a
                .iter()
                .enumerate()
                .map(|(m, &v)| Dual::new(v, if m == k || m == upper { 1.0 } else { 0.0 }))
                .collect();
            let mut ld = vec![Dual::default(); n * n];
            cholesky(&ad, n, &mut ld).unwrap();
            let jvp: f64 = (0..n)
                .flat_map(|i| (0..=i).map(move |j| (i, j)))
                .map(|(i, j)| w[i * n + j] * ld[i * n + j].d)
                .sum();
            assert!((jvp - a_bar[k]).abs() < 1e-13, "{jvp} vs {}", a_bar[k]);
        }
    }

    #[test]
    fn solves_invert_their_products() {
        let l = [2.0, 0.0, 0.0, -1.0, 3.0, 0.0, 0.5, 0.25, 4.0];
        let x = [1.0, -2.0, 0.5];
        // b = L x, c = Lᵀ x
        let b = [2.0, -1.0 - 6.0, 0.5 - 0.5 + 2.0];
        let c = [2.0 + 2.0 + 0.25, -6.0 + 0.125, 2.0];
        let mut out = [0.0; 3];
        solve_lower(&l, 3, &b, &mut out);
        assert_eq!(out, x);
        solve_lower_transposed(&l, 3, &c, &mut out);
        for (o, e) in out.iter().zip(&x) {
            assert!((o - e).abs() < 1e-15);
        }
        assert_eq!(log_det_cholesky::<f64>(&[], 0), 0.0);
        assert_eq!(quad_form::<f64>(&[], 0, &[]), 0.0);
    }
}
