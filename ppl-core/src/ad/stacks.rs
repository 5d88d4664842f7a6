//! Typed stacks for the reverse sweep, and the reusable workspace that owns them.
//!
//! Generated reverse-mode code pushes exactly what its reverse sweep cannot recompute
//! (values a loop overwrites, the branch an `if` took, a `while` loop's trip count) and
//! pops them in reverse order. The stacks keep their capacity between calls, so after the
//! first gradient evaluation no call allocates.

use crate::ad::{Dual, Scalar};

/// The stacks and scratch buffers of one scalar type.
#[derive(Clone, Debug, Default)]
pub struct Stacks<S> {
    /// Overwritten real values.
    pub values: Vec<S>,
    /// Branches taken.
    pub flags: Vec<bool>,
    /// Trip counts and indices.
    pub counts: Vec<usize>,
    /// Pool of scratch vectors for local vectors of a model (`vec![0.0; n]`), reused by
    /// position: the `k`-th local vector of an evaluation is `buffers[k]`.
    pub buffers: Vec<Vec<S>>,
}

impl<S: Scalar> Stacks<S> {
    /// Empties every stack, keeping capacity.
    #[inline]
    pub fn clear(&mut self) {
        self.values.clear();
        self.flags.clear();
        self.counts.clear();
    }

    /// The `k`-th scratch vector, resized to `len` and filled with `fill`; allocates only
    /// when the pool or the vector's capacity must grow.
    #[inline]
    pub fn buffer(&mut self, k: usize, len: usize, fill: S) -> &mut Vec<S> {
        if self.buffers.len() <= k {
            self.buffers.resize_with(k + 1, Vec::new);
        }
        let b = &mut self.buffers[k];
        b.clear();
        b.resize(len, fill);
        b
    }

    /// Takes the `k`-th scratch vector out of the pool (to hold it while borrowing the
    /// workspace elsewhere); give it back with [`Stacks::put_back`].
    #[inline]
    pub fn take(&mut self, k: usize, len: usize, fill: S) -> Vec<S> {
        self.buffer(k, len, fill);
        std::mem::take(&mut self.buffers[k])
    }

    /// Like [`Stacks::take`] for a vector the caller overwrites entirely: resized to `len`
    /// without refilling the elements it already had (new ones are zero), so a reused
    /// buffer costs no fill.
    #[inline]
    pub fn take_overwritten(&mut self, k: usize, len: usize) -> Vec<S> {
        if self.buffers.len() <= k {
            self.buffers.resize_with(k + 1, Vec::new);
        }
        let mut b = std::mem::take(&mut self.buffers[k]);
        b.resize(len, S::zero());
        b
    }

    /// Returns a vector taken with [`Stacks::take`].
    #[inline]
    pub fn put_back(&mut self, k: usize, v: Vec<S>) {
        self.buffers[k] = v;
    }

    /// Appends `n` value slots (zeros) to the value stack and returns the index of the
    /// first. A loop that knows how many checkpoints it records reserves them before it
    /// starts and writes them with [`Stacks::set_value`]: a `push` inside the loop has a
    /// reallocation path, a call, across which LLVM keeps the loop's carried values in
    /// memory instead of registers.
    ///
    /// ```
    /// use ppl_core::ad::Stacks;
    /// let mut st = Stacks::<f64>::default();
    /// st.values.push(1.0);
    /// let at = st.append_values(2);
    /// st.set_value(at, 2.0);
    /// st.set_value(at + 1, 3.0);
    /// assert_eq!(st.values, [1.0, 2.0, 3.0]);
    /// ```
    #[inline]
    pub fn append_values(&mut self, n: usize) -> usize {
        let at = self.values.len();
        self.values.resize(at + n, S::zero());
        at
    }

    /// Writes slot `i` of the value stack (see [`Stacks::append_values`]). Generated code
    /// writes only slots it appended; any other index is a code-generation bug, which
    /// writes nothing (the reverse sweep then reads a wrong checkpoint, which the
    /// gradient tests catch) rather than panicking.
    #[inline(always)]
    pub fn set_value(&mut self, i: usize, v: S) {
        if let Some(slot) = self.values.get_mut(i) {
            *slot = v;
        }
    }

    /// Pops a value; the reverse sweep pops exactly what the forward sweep pushed, so an
    /// empty stack is a code-generation bug, reported as NaN rather than a panic.
    #[inline]
    pub fn pop_value(&mut self) -> S {
        self.values.pop().unwrap_or_else(|| S::cst(f64::NAN))
    }
    /// Pops a branch flag (see [`Stacks::pop_value`]).
    #[inline]
    pub fn pop_flag(&mut self) -> bool {
        self.flags.pop().unwrap_or(false)
    }
    /// Pops a count (see [`Stacks::pop_value`]).
    #[inline]
    pub fn pop_count(&mut self) -> usize {
        self.counts.pop().unwrap_or(0)
    }
}

/// Reusable scratch space for model evaluations: one per chain (or thread).
///
/// Holds stacks for plain values (gradients) and for dual numbers (Hessian-vector
/// products, which run the reverse sweep on [`Dual`]).
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// Stacks used by `f64` evaluations.
    pub real: Stacks<f64>,
    /// Stacks used by `Dual` evaluations.
    pub dual: Stacks<Dual>,
    /// Gradient buffer of `Dual`s for Hessian-vector products.
    pub dual_grad: Vec<Dual>,
    /// Input buffer of `Dual`s for JVPs and Hessian-vector products.
    pub dual_x: Vec<Dual>,
}

impl Workspace {
    /// An empty workspace; it grows to its working size on first use.
    pub fn new() -> Self {
        Self::default()
    }
    /// The stacks of scalar type `S`.
    #[inline]
    pub fn stacks<S: WorkspaceScalar>(&mut self) -> &mut Stacks<S> {
        S::stacks(self)
    }
}

/// Scalar types that have stacks in a [`Workspace`].
pub trait WorkspaceScalar: Scalar {
    /// The stacks of this type.
    fn stacks(ws: &mut Workspace) -> &mut Stacks<Self>;
}
impl WorkspaceScalar for f64 {
    #[inline]
    fn stacks(ws: &mut Workspace) -> &mut Stacks<f64> {
        &mut ws.real
    }
}
impl WorkspaceScalar for Dual {
    #[inline]
    fn stacks(ws: &mut Workspace) -> &mut Stacks<Dual> {
        &mut ws.dual
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_pop_in_reverse_and_keep_capacity() {
        let mut ws = Workspace::new();
        let s = ws.stacks::<f64>();
        s.values.extend([1.0, 2.0]);
        s.flags.push(true);
        s.counts.push(7);
        assert_eq!(s.pop_value(), 2.0);
        assert_eq!(s.pop_value(), 1.0);
        assert!(s.pop_value().is_nan());
        assert!(s.pop_flag());
        assert_eq!(s.pop_count(), 7);
        let cap = s.values.capacity();
        s.clear();
        assert_eq!(s.values.capacity(), cap);
        assert_eq!(s.buffer(2, 3, 1.5).as_slice(), &[1.5, 1.5, 1.5]);
        let v = s.take(2, 2, 0.0);
        assert_eq!(v, vec![0.0, 0.0]);
        s.put_back(2, v);
        let mut v = s.take_overwritten(2, 1);
        v[0] = 4.0;
        s.put_back(2, v);
        let v = s.take_overwritten(2, 3);
        assert_eq!(v, vec![4.0, 0.0, 0.0]);
        s.put_back(2, v);
        let v = s.take_overwritten(2, 2);
        s.put_back(2, v);
        assert_eq!(s.buffers[2].len(), 2);
        assert!(ws.stacks::<Dual>().pop_value().v.is_nan());
    }
}

/// Passive loop state that a recorded region saves at each iteration and restores before
/// replaying it (counters, flags, data-valued reals), on the stacks of any scalar type.
pub trait Checkpoint: Copy {
    /// Pushes the value.
    fn save<S: Scalar>(self, stacks: &mut Stacks<S>);
    /// Pops a value saved by [`Checkpoint::save`].
    fn restore<S: Scalar>(stacks: &mut Stacks<S>) -> Self;
}

impl Checkpoint for f64 {
    #[inline]
    fn save<S: Scalar>(self, stacks: &mut Stacks<S>) {
        stacks.values.push(S::cst(self));
    }
    #[inline]
    fn restore<S: Scalar>(stacks: &mut Stacks<S>) -> Self {
        stacks.pop_value().value()
    }
}
impl Checkpoint for bool {
    #[inline]
    fn save<S: Scalar>(self, stacks: &mut Stacks<S>) {
        stacks.flags.push(self);
    }
    #[inline]
    fn restore<S: Scalar>(stacks: &mut Stacks<S>) -> Self {
        stacks.pop_flag()
    }
}
macro_rules! int_checkpoint {
    ($($t:ty),*) => {$(
        impl Checkpoint for $t {
            #[inline]
            fn save<S: Scalar>(self, stacks: &mut Stacks<S>) {
                stacks.counts.push(self as usize);
            }
            #[inline]
            fn restore<S: Scalar>(stacks: &mut Stacks<S>) -> Self {
                stacks.pop_count() as $t
            }
        }
    )*};
}
int_checkpoint!(usize, i64, i32, u32, u64);

#[cfg(test)]
mod checkpoint_tests {
    use super::*;

    #[test]
    fn checkpoints_round_trip_through_the_stacks() {
        let mut s = Stacks::<Dual>::default();
        (-3i64).save(&mut s);
        true.save(&mut s);
        2.5f64.save(&mut s);
        7usize.save(&mut s);
        assert_eq!(usize::restore(&mut s), 7);
        assert_eq!(f64::restore(&mut s), 2.5);
        assert!(bool::restore(&mut s));
        assert_eq!(i64::restore(&mut s), -3);
    }
}

/// The number of items `it` yields: its size hint when exact (every iterator of the model
/// language: ranges, `rev`, `step_by`, slice iterators, `enumerate`, `zip`), else a count
/// of a clone.
///
/// ```
/// use ppl_core::ad::trip_count;
/// assert_eq!(trip_count(&(0..10).rev().step_by(3)), 4);
/// assert_eq!(trip_count(&[1.0, 2.0].iter().filter(|v| **v > 1.5)), 1);
/// ```
#[inline]
pub fn trip_count<I: Iterator + Clone>(it: &I) -> usize {
    match it.size_hint() {
        (lo, Some(hi)) if lo == hi => lo,
        _ => it.clone().count(),
    }
}
