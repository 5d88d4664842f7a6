//! The IR: the model body as structured statements over resolved variables, with every
//! node keeping its source span for error messages and `quote_spanned!` code.
//!
//! Expressions are kept as the user's `syn::Expr` (passive code is emitted untouched);
//! the analyses classify them, and code generation lowers active ones to rule calls.

pub mod fission;
pub mod lower;
#[cfg(test)]
pub mod pretty;
pub mod prune;

use proc_macro2::Span;

/// Index of a variable in [`Program::vars`]; shadowing creates a new variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub usize);

/// What a variable holds, as far as the analyses need to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A real number.
    Real,
    /// A vector of reals (a parameter vector, a local `Vec`, a data slice).
    Reals,
    /// Rows of a data matrix.
    Rows,
    /// A slice of integers (data): always passive.
    Ints,
    /// An integer (`usize`/`i64`), a boolean, or integer data: always passive.
    Discrete,
    /// A tuple of reals.
    Tuple(usize),
}

/// A variable of the model body.
#[derive(Clone, Debug)]
pub struct Var {
    /// Its name in the source.
    pub name: syn::Ident,
    /// What it holds.
    pub kind: Kind,
    /// `let mut`.
    pub mutable: bool,
    /// Where it comes from.
    pub origin: Origin,
}

/// Where a variable comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A data argument (read-only).
    Data,
    /// A sample site (read-only), with its index in [`Program::sites`].
    Site(usize),
    /// A `let`, a loop variable, or a pattern binding.
    Local,
}

/// A statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `let pat = init;` binding `vars` (one, or several for a tuple pattern).
    Let {
        vars: Vec<VarId>,
        init: syn::Expr,
        span: Span,
    },
    /// `let mut v;` with no initialiser.
    Declare { var: VarId, span: Span },
    /// `place op= value` (`op` is `None` for plain `=`).
    Assign {
        place: Place,
        op: Option<syn::BinOp>,
        value: syn::Expr,
        span: Span,
    },
    /// `let v = sample("name", dist);` at the top level.
    Sample { var: VarId, site: usize, span: Span },
    /// `observe("name", dist, value);`
    Observe {
        name: String,
        dist: DistCall,
        value: syn::Expr,
        span: Span,
    },
    /// `factor(value);`
    Factor { value: syn::Expr, span: Span },
    /// `deterministic("name", value);`
    Deterministic {
        name: String,
        value: syn::Expr,
        span: Span,
    },
    /// `for pat in iter { body }`.
    For {
        vars: Vec<VarId>,
        pat: syn::Pat,
        iter: syn::Expr,
        body: Block,
        span: Span,
    },
    /// `while cond { body }`.
    While {
        cond: syn::Expr,
        body: Block,
        span: Span,
    },
    /// `if cond { then } else { otherwise }` (an `else if` chain nests in `otherwise`).
    If {
        cond: syn::Expr,
        then: Block,
        otherwise: Option<Block>,
        span: Span,
    },
    /// `match scrutinee { pat => block, ... }` on data.
    Match {
        scrutinee: syn::Expr,
        arms: Vec<(syn::Pat, Block)>,
        span: Span,
    },
    /// A nested block `{ ... }`.
    Block(Block),
    /// `v.push(value)` on a local vector.
    Push {
        var: VarId,
        value: syn::Expr,
        span: Span,
    },
    /// `break` / `continue`.
    Break(Span),
    /// `continue`.
    Continue(Span),
    /// Any other expression statement (passive).
    Expr(syn::Expr),
}

/// The target of an assignment.
#[derive(Clone, Debug)]
pub enum Place {
    /// A whole variable.
    Var(VarId),
    /// An element `v[index]`.
    Element(VarId, syn::Expr),
}

impl Place {
    /// The variable assigned (or whose element is).
    pub fn var(&self) -> VarId {
        match self {
            Place::Var(v) | Place::Element(v, _) => *v,
        }
    }
}

/// A sequence of statements.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// The statements, in order.
    pub stmts: Vec<Stmt>,
}

impl Block {
    /// Calls `f` on every statement of the block at any depth (loop bodies, branches,
    /// nested blocks), each before the statements nested in it.
    pub fn for_each_stmt(&self, f: &mut impl FnMut(&Stmt)) {
        for s in &self.stmts {
            f(s);
            match s {
                Stmt::For { body, .. } | Stmt::While { body, .. } | Stmt::Block(body) => {
                    body.for_each_stmt(f)
                }
                Stmt::If {
                    then, otherwise, ..
                } => {
                    then.for_each_stmt(f);
                    if let Some(o) = otherwise {
                        o.for_each_stmt(f);
                    }
                }
                Stmt::Match { arms, .. } => arms.iter().for_each(|(_, b)| b.for_each_stmt(f)),
                _ => {}
            }
        }
    }
}

/// A distribution expression at a sample or observe site: `Name(args)`, optionally
/// `.iid(n)`.
#[derive(Clone, Debug)]
pub struct DistCall {
    /// `Normal`, `Flat`, ...
    pub name: syn::Ident,
    /// Its arguments in order.
    pub args: Vec<syn::Expr>,
    /// `n` of `.iid(n)`.
    pub iid: Option<syn::Expr>,
    /// The span of the whole expression.
    pub span: Span,
}

/// A sample site.
#[derive(Clone, Debug)]
pub struct Site {
    /// The name given to `sample`.
    pub name: String,
    /// Its distribution.
    pub dist: DistCall,
    /// The variable it binds.
    pub var: VarId,
}

/// A lowered model body.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// Every variable, indexed by [`VarId`].
    pub vars: Vec<Var>,
    /// The sample sites in program order.
    pub sites: Vec<Site>,
    /// The body.
    pub body: Block,
}

impl Program {
    /// The variable with this id.
    pub fn var(&self, id: VarId) -> &Var {
        &self.vars[id.0]
    }
}
