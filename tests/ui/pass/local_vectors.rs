//! Local vectors of parameter-dependent values: `vec![x; n]`, `vec![a, b, c]`,
//! `Vec::with_capacity(n)` + `push`, element writes and compound element updates.
use ppl::prelude::*;
use ppl::testing::check_gradients;

#[model]
fn local_vectors(y: &[f64]) {
    let a = sample("a", Normal(0.0, 1.0));
    let b = sample("b", Normal(0.0, 1.0));
    let mut filled = vec![0.0; y.len()];
    for i in 0..y.len() {
        filled[i] = a * y[i];
        filled[i] += b;
    }
    let listed = vec![a, b, a * b];
    let mut pushed = Vec::with_capacity(y.len());
    for i in 0..y.len() {
        pushed.push(filled[i] + listed[i % 3]);
    }
    let mut cumulative = vec![0.0; y.len()];
    cumulative[0] = pushed[0];
    for i in 1..y.len() {
        cumulative[i] = cumulative[i - 1] * 0.5 + pushed[i];
    }
    observe("y", Normal(cumulative, 2.0), y);
}

fn main() {
    let y = [0.2, 0.8, -0.4, 1.1];
    let m = LocalVectors::new(&y).unwrap();
    assert_eq!(m.dim(), 2);
    check_gradients(&m).unwrap();
}
