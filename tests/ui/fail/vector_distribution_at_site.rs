use ppl::prelude::*;

#[model]
fn vector_distribution_at_site(k: usize) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let a = sample("a", Dirichlet(vec![1.0; 3]).iid(2));
    let scaled = vec![mu; 3];
    let p = sample("p", Dirichlet(scaled));
    let l = sample("L", LkjCholesky(k, 1.0, 2.0));
    let z = sample("z", MultiNormal(vec![0.0; 2]));
    let w = sample("w", MultiNormalCholesky(vec![0.0; 2], vec![1.0, 0.0, 0.0, 1.0]));
    factor(p[0].ln());
}

fn main() {}
