//! Runtime support for `#[differentiable]` and `#[custom_derivative]` helpers: how a
//! model finds a helper's rules, and the scratch-slot bookkeeping that lets a helper use
//! the caller's workspace without allocating. Used only by generated code.

use ppl_core::ad::{Scalar, Stacks, ToF64};
use std::ops::{Deref, DerefMut, Index, IndexMut, RangeFull};

/// Implemented by the (hidden) type of every `#[differentiable]` or `#[custom_derivative]`
/// function; a model reaches the helper's value and reverse rules through it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no derivative rule: mark it `#[differentiable]` or give it a `#[custom_derivative]`",
    label = "called on parameter values, so it needs a derivative rule",
    note = "only ppl's math functions, `#[differentiable]` helpers and `#[custom_derivative]` primitives can be called on parameter values"
)]
pub trait Helper {
    /// The type carrying the rules (the helper's own type).
    type Rule: Copy;
    /// The rules.
    const RULE: Self::Rule;
}

/// The rules of the helper `h` (a compile error naming the function when it has none).
#[inline(always)]
pub fn rule<H: Helper>(_h: &H) -> H::Rule {
    H::RULE
}

/// The result of a helper called where a real is expected: a real (a helper returning a
/// vector is a compile error that says how to bind it).
#[diagnostic::on_unimplemented(
    message = "this helper returns a vector, not a real: bind its result with its type, `let v: Vec<f64> = f(...);`",
    label = "returns a vector"
)]
pub trait ScalarResult<S> {
    /// The real.
    fn into_scalar(self) -> S;
}
impl<S: Scalar> ScalarResult<S> for S {
    #[inline(always)]
    fn into_scalar(self) -> S {
        self
    }
}

/// `r` as a real (see [`ScalarResult`]).
#[inline(always)]
pub fn scalar_result<S, R: ScalarResult<S>>(r: R) -> S {
    r.into_scalar()
}

/// The result of a helper bound as a vector (`let v: Vec<f64> = f(...)`): a vector (a
/// helper returning a real is a compile error that says how to bind it).
#[diagnostic::on_unimplemented(
    message = "this helper returns a real, not a vector: bind its result without `Vec<f64>`, `let x = f(...);`",
    label = "returns a real"
)]
pub trait VectorResult<S> {
    /// The vector.
    fn into_vec(self) -> Vec<S>;
}
impl<S> VectorResult<S> for Vec<S> {
    #[inline(always)]
    fn into_vec(self) -> Vec<S> {
        self
    }
}

/// `r` as a vector (see [`VectorResult`]).
#[inline(always)]
pub fn vector_result<S, R: VectorResult<S>>(r: R) -> Vec<S> {
    r.into_vec()
}

/// The result and its adjoint given to the reverse rule of a helper returning a real.
#[diagnostic::on_unimplemented(
    message = "this helper returns a real, not a vector: bind its result without `Vec<f64>`, `let x = f(...);`",
    label = "returns a real"
)]
pub trait ScalarAdjoint<S> {
    /// The real.
    fn scalar(self) -> S;
}
impl<S: Scalar> ScalarAdjoint<S> for S {
    #[inline(always)]
    fn scalar(self) -> S {
        self
    }
}

/// The result and its adjoint given to the reverse rule of a helper returning a vector.
#[diagnostic::on_unimplemented(
    message = "this helper returns a vector, not a real: bind its result with its type, `let v: Vec<f64> = f(...);`",
    label = "returns a vector"
)]
pub trait VectorAdjoint<S> {
    /// The elements.
    fn elements(&self) -> &[S];
}
impl<S> VectorAdjoint<S> for &[S] {
    #[inline(always)]
    fn elements(&self) -> &[S] {
        self
    }
}

/// A passive argument of a helper call whose type the model does not know (a loop
/// variable from `iter()`, an integer): converted to the parameter's type, so `f64`
/// values (or references to them) become the scalar type and integers stay integers.
pub trait IntoArg<T> {
    /// The argument as the parameter's type.
    fn into_arg(self) -> T;
}
impl<S: Scalar> IntoArg<S> for f64 {
    #[inline(always)]
    fn into_arg(self) -> S {
        S::cst(self)
    }
}
impl<S: Scalar> IntoArg<S> for &f64 {
    #[inline(always)]
    fn into_arg(self) -> S {
        S::cst(*self)
    }
}
macro_rules! same_arg {
    ($($t:ty),*) => {$(
        impl IntoArg<$t> for $t {
            #[inline(always)]
            fn into_arg(self) -> $t {
                self
            }
        }
        impl IntoArg<$t> for &$t {
            #[inline(always)]
            fn into_arg(self) -> $t {
                *self
            }
        }
    )*};
}
same_arg!(usize, i64, bool);
impl<'a, T> IntoArg<&'a [T]> for &'a [T] {
    #[inline(always)]
    fn into_arg(self) -> &'a [T] {
        self
    }
}
impl<'a, T> IntoArg<&'a [T]> for &'a Vec<T> {
    #[inline(always)]
    fn into_arg(self) -> &'a [T] {
        self
    }
}

/// Where the reverse rule of a helper adds the adjoint of a real argument: the caller's
/// adjoint (`&mut S`), or nowhere ([`Discard`]) for an argument that carries none.
pub trait ScalarSink<S> {
    /// Adds `v` to the adjoint.
    fn add(self, v: S);
}
impl<S: Scalar> ScalarSink<S> for &mut S {
    #[inline(always)]
    fn add(self, v: S) {
        *self += v;
    }
}
/// The sink of an argument without an adjoint (data, integers).
#[derive(Clone, Copy, Debug)]
pub struct Discard;
impl<S> ScalarSink<S> for Discard {
    #[inline(always)]
    fn add(self, _v: S) {}
}

/// A view of a caller's stacks in which scratch slot `k` is the caller's slot `base + k`,
/// so a helper's local vectors never collide with the buffers its caller holds.
pub struct OffsetStacks<'a, S> {
    stacks: &'a mut Stacks<S>,
    base: usize,
}

impl<'a, S: Scalar> OffsetStacks<'a, S> {
    /// Slots from `base` on.
    #[inline]
    pub fn new(stacks: &'a mut Stacks<S>, base: usize) -> Self {
        OffsetStacks { stacks, base }
    }
    /// Takes scratch vector `k` (see [`Stacks::take`]).
    #[inline]
    pub fn take(&mut self, k: usize, len: usize, fill: S) -> Vec<S> {
        self.stacks.take(self.base + k, len, fill)
    }
    /// Returns scratch vector `k` (see [`Stacks::put_back`]).
    #[inline]
    pub fn put_back(&mut self, k: usize, v: Vec<S>) {
        self.stacks.put_back(self.base + k, v)
    }
}

impl<S> Deref for OffsetStacks<'_, S> {
    type Target = Stacks<S>;
    #[inline]
    fn deref(&self) -> &Stacks<S> {
        self.stacks
    }
}
impl<S> DerefMut for OffsetStacks<'_, S> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Stacks<S> {
        self.stacks
    }
}

/// The stacks generated code runs on: a model's own (`Stacks`, slots from 0) or a
/// helper's view (`OffsetStacks`). Gives absolute slot numbers for nested helper calls.
pub trait SlotSpace<S> {
    /// The absolute slot of relative slot `k`.
    fn absolute(&self, k: usize) -> usize;
    /// The underlying stacks.
    fn inner(&mut self) -> &mut Stacks<S>;
}
impl<S> SlotSpace<S> for Stacks<S> {
    #[inline(always)]
    fn absolute(&self, k: usize) -> usize {
        k
    }
    #[inline(always)]
    fn inner(&mut self) -> &mut Stacks<S> {
        self
    }
}
impl<S> SlotSpace<S> for OffsetStacks<'_, S> {
    #[inline(always)]
    fn absolute(&self, k: usize) -> usize {
        self.base + k
    }
    #[inline(always)]
    fn inner(&mut self) -> &mut Stacks<S> {
        self.stacks
    }
}

/// Fills scratch vector `slot` of `stacks` with the lifted values of a data slice, for a
/// passive vector passed to a helper (whose vector arguments are `&[S]`).
#[inline]
pub fn lift_slice<S: Scalar, T: Copy + ToF64>(
    stacks: &mut Stacks<S>,
    slot: usize,
    data: &[T],
) -> Vec<S> {
    let mut v = stacks.take(slot, 0, S::zero());
    v.extend(data.iter().map(|d| S::cst(d.to_f64())));
    v
}

/// The adjoint of a vector argument inside a helper's reverse rule: the caller's
/// `&mut [S]`, with the `len`/`resize` interface generated code uses on local adjoints
/// (the length is the argument's, so `resize` never has anything to do).
pub struct SliceBar<'a, S>(pub &'a mut [S]);

impl<S: Copy> SliceBar<'_, S> {
    /// Its length.
    #[inline(always)]
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// No-op: the adjoint of an argument already has the argument's length.
    #[inline(always)]
    pub fn resize(&mut self, _len: usize, _fill: S) {}
    /// Iterates the adjoints.
    #[inline(always)]
    pub fn iter(&self) -> std::slice::Iter<'_, S> {
        self.0.iter()
    }
    /// Iterates the adjoints mutably.
    #[inline(always)]
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, S> {
        self.0.iter_mut()
    }
}
impl<S> Index<usize> for SliceBar<'_, S> {
    type Output = S;
    #[inline(always)]
    fn index(&self, i: usize) -> &S {
        &self.0[i]
    }
}
impl<S> IndexMut<usize> for SliceBar<'_, S> {
    #[inline(always)]
    fn index_mut(&mut self, i: usize) -> &mut S {
        &mut self.0[i]
    }
}
impl<S> Index<RangeFull> for SliceBar<'_, S> {
    type Output = [S];
    #[inline(always)]
    fn index(&self, _: RangeFull) -> &[S] {
        self.0
    }
}
impl<S> IndexMut<RangeFull> for SliceBar<'_, S> {
    #[inline(always)]
    fn index_mut(&mut self, _: RangeFull) -> &mut [S] {
        self.0
    }
}
