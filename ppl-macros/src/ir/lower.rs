//! syn AST → IR: resolves names (every binding gets a unique hygienic identifier, so
//! shadowing is explicit and spans are kept), recognises the site calls, desugars
//! `let x = if/match/{...}` into statements, and rejects what the language does not
//! support with an error at the construct saying what to write instead.

use super::{Block, DistCall, Kind, Origin, Place, Program, Site, Stmt, Var, VarId};
use crate::diagnostics::Diagnostics;
use crate::parse::signature::{DataArg, DataType};
use proc_macro2::Span;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Pat};

/// The unique identifier a variable is emitted as (`theta` → `theta__v3`), spanned at the
/// user's binding so errors point at their code.
pub fn unique_ident(var: &Var, id: VarId) -> syn::Ident {
    syn::Ident::new(&format!("{}__v{}", var.name, id.0), var.name.span())
}

struct Lowerer<'d> {
    program: Program,
    scopes: Vec<HashMap<String, VarId>>,
    diag: &'d mut Diagnostics,
    /// Nesting: 0 at the top level of the body.
    depth: usize,
    loop_depth: usize,
    /// Variables declared without a value (`let x;`), which may be assigned later.
    deferred: std::collections::HashSet<VarId>,
}

/// Lowers a model body with its data arguments.
pub fn lower_model(args: &[DataArg], body: &syn::Block, diag: &mut Diagnostics) -> Program {
    let mut l = Lowerer {
        program: Program::default(),
        scopes: vec![HashMap::new()],
        diag,
        depth: 0,
        loop_depth: 0,
        deferred: Default::default(),
    };
    for a in args {
        let kind = match a.ty {
            DataType::Real => Kind::Real,
            DataType::Reals => Kind::Reals,
            DataType::Rows => Kind::Rows,
            DataType::Ints | DataType::Indices => Kind::Ints,
            _ => Kind::Discrete,
        };
        l.bind(a.name.clone(), kind, false, Origin::Data);
    }
    l.scopes.push(HashMap::new());
    let body = l.block(&body.stmts);
    l.program.body = body;
    l.program
}

fn kind_of_type(ty: &syn::Type) -> Option<Kind> {
    let s = quote::quote!(#ty).to_string().replace(' ', "");
    match s.as_str() {
        "f64" => Some(Kind::Real),
        "Vec<f64>" => Some(Kind::Reals),
        "usize" | "i64" | "i32" | "u64" | "bool" | "Vec<usize>" | "Vec<i64>" => {
            Some(Kind::Discrete)
        }
        _ => None,
    }
}

impl Lowerer<'_> {
    fn bind(&mut self, name: syn::Ident, kind: Kind, mutable: bool, origin: Origin) -> VarId {
        let id = VarId(self.program.vars.len());
        self.scopes
            .last_mut()
            .expect("a scope")
            .insert(name.to_string(), id);
        self.program.vars.push(Var {
            name,
            kind,
            mutable,
            origin,
        });
        id
    }

    fn lookup(&self, name: &str) -> Option<VarId> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(HashMap::new());
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        self.scopes.pop();
        r
    }

    /// Renames every variable reference in `e` to its unique identifier and rejects
    /// constructs outside the language.
    fn expr(&mut self, e: &Expr) -> Expr {
        let mut e = e.clone();
        let mut r = Resolver { l: self };
        r.visit_expr_mut(&mut e);
        e
    }

    fn kind_of(&self, e: &Expr) -> Kind {
        match e {
            Expr::Lit(l) => match &l.lit {
                syn::Lit::Float(_) => Kind::Real,
                syn::Lit::Int(i) if i.suffix() == "f64" => Kind::Real,
                _ => Kind::Discrete,
            },
            Expr::Paren(p) => self.kind_of(&p.expr),
            Expr::Group(g) => self.kind_of(&g.expr),
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.lookup(&i.to_string()))
                .map_or(Kind::Real, |v| self.program.var(v).kind),
            Expr::Cast(c) => kind_of_type(&c.ty).unwrap_or(Kind::Discrete),
            Expr::Binary(b) => {
                use syn::BinOp::*;
                match b.op {
                    Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_) | And(_) | Or(_) => {
                        Kind::Discrete
                    }
                    _ => {
                        let (l, r) = (self.kind_of(&b.left), self.kind_of(&b.right));
                        if l == Kind::Real || r == Kind::Real {
                            Kind::Real
                        } else {
                            l
                        }
                    }
                }
            }
            Expr::Unary(u) => match u.op {
                syn::UnOp::Not(_) => Kind::Discrete,
                _ => self.kind_of(&u.expr),
            },
            Expr::Index(ix) => match self.kind_of(&ix.expr) {
                Kind::Rows => Kind::Reals,
                Kind::Reals => Kind::Real,
                Kind::Ints => Kind::Discrete,
                k => k,
            },
            Expr::Tuple(t) => Kind::Tuple(t.elems.len()),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                let inner: Result<syn::Expr, _> =
                    m.mac.parse_body_with(|input: syn::parse::ParseStream| {
                        let first: Expr = input.parse()?;
                        let _rest: proc_macro2::TokenStream = input.parse()?;
                        Ok(first)
                    });
                match inner.map(|f| self.kind_of(&f)) {
                    Ok(Kind::Discrete) => Kind::Discrete,
                    _ => Kind::Reals,
                }
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                match name.as_str() {
                    "len" | "is_empty" | "is_nan" | "is_finite" | "count" => Kind::Discrete,
                    "clone" | "to_vec" => self.kind_of(&m.receiver),
                    _ => Kind::Real,
                }
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p)
                    if p.path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "with_capacity") =>
                {
                    Kind::Reals
                }
                _ => Kind::Real,
            },
            _ => Kind::Real,
        }
    }

    fn block(&mut self, stmts: &[syn::Stmt]) -> Block {
        let mut out = Block::default();
        for s in stmts {
            self.stmt(s, &mut out);
        }
        out
    }

    fn stmt(&mut self, s: &syn::Stmt, out: &mut Block) {
        match s {
            syn::Stmt::Local(local) => self.local(local, out),
            syn::Stmt::Item(item) => self.diag.error_at(item, "items (fn, struct, use, ...) cannot be declared inside a model: declare them outside the model"),
            syn::Stmt::Macro(m) => self.diag.error_at(&m.mac, "macros are not supported as statements in a model (only `vec![...]` as an expression)"),
            syn::Stmt::Expr(e, semi) => {
                if semi.is_none() && !matches!(e, Expr::ForLoop(_) | Expr::While(_) | Expr::If(_) | Expr::Match(_) | Expr::Block(_)) {
                    self.diag.error_at(e, "a model returns nothing: end this expression with `;` (use `factor(...)` to add to the log density)");
                }
                self.expr_stmt(e, out);
            }
        }
    }

    fn local(&mut self, local: &syn::Local, out: &mut Block) {
        let (pat, ty) = match &local.pat {
            Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        let Some(init) = &local.init else {
            // `let mut x;` or `let mut x: f64;`
            if let Pat::Ident(pi) = pat {
                let kind = ty.and_then(kind_of_type).unwrap_or(Kind::Real);
                let var = self.bind(
                    pi.ident.clone(),
                    kind,
                    pi.mutability.is_some(),
                    Origin::Local,
                );
                self.deferred.insert(var);
                out.stmts.push(Stmt::Declare {
                    var,
                    span: local.span(),
                });
            } else {
                self.diag
                    .error_at(pat, "declare one variable at a time: `let mut x;`");
            }
            return;
        };
        if init.diverge.is_some() {
            self.diag.error_at(local, "`let ... else` is not supported in a model: branch with `if` or `match` on data instead");
            return;
        }
        let init_expr = &*init.expr;
        // sample sites
        if let Some(call) = site_call(init_expr, "sample") {
            self.sample_site(pat, call, out);
            return;
        }
        // let x = if/match/block: desugar to a declaration and assignments of the tail.
        if matches!(init_expr, Expr::If(_) | Expr::Match(_) | Expr::Block(_)) {
            let Pat::Ident(pi) = pat else {
                self.diag.error_at(
                    pat,
                    "bind the value of an `if`, `match` or block to one name: `let x = if ... ;`",
                );
                return;
            };
            let kind = ty
                .and_then(kind_of_type)
                .unwrap_or_else(|| self.tail_kind(init_expr));
            // The branches are lowered before the name is bound, so they cannot see it.
            let target_name = pi.ident.clone();
            let var = VarId(self.program.vars.len());
            self.program.vars.push(Var {
                name: target_name.clone(),
                kind,
                mutable: pi.mutability.is_some(),
                origin: Origin::Local,
            });
            out.stmts.push(Stmt::Declare {
                var,
                span: local.span(),
            });
            self.assign_tail(var, init_expr, out);
            self.scopes
                .last_mut()
                .expect("a scope")
                .insert(target_name.to_string(), var);
            return;
        }
        let value = self.expr(init_expr);
        match pat {
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                let kind = ty
                    .and_then(kind_of_type)
                    .unwrap_or_else(|| self.kind_of(init_expr));
                let var = self.bind(
                    pi.ident.clone(),
                    kind,
                    pi.mutability.is_some(),
                    Origin::Local,
                );
                out.stmts.push(Stmt::Let {
                    vars: vec![var],
                    init: value,
                    span: local.span(),
                });
            }
            Pat::Tuple(t) => {
                let mut vars = Vec::new();
                for p in &t.elems {
                    match p {
                        Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                            vars.push(self.bind(
                                pi.ident.clone(),
                                Kind::Real,
                                pi.mutability.is_some(),
                                Origin::Local,
                            ));
                        }
                        Pat::Wild(w) => {
                            let name = syn::Ident::new("__ignored", w.span());
                            vars.push(self.bind(name, Kind::Real, false, Origin::Local));
                        }
                        other => self.diag.error_at(
                            other,
                            "tuple patterns bind plain names: `let (a, b) = ...;`",
                        ),
                    }
                }
                out.stmts.push(Stmt::Let {
                    vars,
                    init: value,
                    span: local.span(),
                });
            }
            other => self.diag.error_at(
                other,
                "`let` binds a name or a tuple of names (`let x = ...;`, `let (a, b) = ...;`)",
            ),
        }
    }

    fn tail_kind(&self, e: &Expr) -> Kind {
        match e {
            Expr::If(i) => i.then_branch.stmts.last().map_or(Kind::Real, |s| match s {
                syn::Stmt::Expr(e, None) => self.kind_of(e),
                _ => Kind::Real,
            }),
            Expr::Block(b) => b.block.stmts.last().map_or(Kind::Real, |s| match s {
                syn::Stmt::Expr(e, None) => self.kind_of(e),
                _ => Kind::Real,
            }),
            Expr::Match(m) => m.arms.first().map_or(Kind::Real, |a| self.kind_of(&a.body)),
            _ => self.kind_of(e),
        }
    }

    /// Lowers `target = <if/match/block expression>` into control flow whose branches end
    /// by assigning their tail expression to `target`.
    fn assign_tail(&mut self, target: VarId, e: &Expr, out: &mut Block) {
        match e {
            Expr::If(i) => {
                let cond = self.expr(&i.cond);
                let then = self
                    .scoped(|l| l.tail_block(target, &i.then_branch.stmts, i.then_branch.span()));
                let otherwise = match &i.else_branch {
                    Some((_, e)) => Some(self.scoped(|l| {
                        let mut b = Block::default();
                        l.assign_tail(target, e, &mut b);
                        b
                    })),
                    None => {
                        self.diag
                            .error_at(i, "an `if` used as a value needs an `else` branch");
                        None
                    }
                };
                out.stmts.push(Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span: i.span(),
                });
            }
            Expr::Block(b) if b.label.is_none() => {
                let inner = self.scoped(|l| l.tail_block(target, &b.block.stmts, b.span()));
                out.stmts.push(Stmt::Block(inner));
            }
            Expr::Match(m) => {
                let scrutinee = self.expr(&m.expr);
                let mut arms = Vec::new();
                for arm in &m.arms {
                    self.check_match_arm(arm);
                    let block = self.scoped(|l| {
                        let mut b = Block::default();
                        l.assign_tail(target, &arm.body, &mut b);
                        b
                    });
                    arms.push((arm.pat.clone(), block));
                }
                out.stmts.push(Stmt::Match {
                    scrutinee,
                    arms,
                    span: m.span(),
                });
            }
            Expr::Paren(p) => self.assign_tail(target, &p.expr, out),
            other => {
                let value = self.expr(other);
                out.stmts.push(Stmt::Assign {
                    place: Place::Var(target),
                    op: None,
                    value,
                    span: other.span(),
                });
            }
        }
    }

    fn tail_block(&mut self, target: VarId, stmts: &[syn::Stmt], span: Span) -> Block {
        let mut b = Block::default();
        let Some((last, init)) = stmts.split_last() else {
            self.diag
                .error(span, "this block must end with the value it produces");
            return b;
        };
        for s in init {
            self.stmt(s, &mut b);
        }
        match last {
            syn::Stmt::Expr(e, None) => self.assign_tail(target, e, &mut b),
            other => self.diag.error_at(
                other,
                "this block must end with the value it produces (an expression without `;`)",
            ),
        }
        b
    }

    fn check_match_arm(&mut self, arm: &syn::Arm) {
        if let Some((_, g)) = &arm.guard {
            self.diag
                .error_at(g, "match guards are not supported: use `if` inside the arm");
        }
        let mut ok = true;
        check_data_pattern(&arm.pat, &mut ok);
        if !ok {
            self.diag.error_at(
                &arm.pat,
                "`match` arms in a model match data literals, ranges or `_` (no bindings)",
            );
        }
    }

    fn sample_site(&mut self, pat: &Pat, call: &syn::ExprCall, out: &mut Block) {
        let span = call.span();
        if self.depth > 0 {
            let advice = if self.loop_depth > 0 {
                "declare a vector parameter with `.iid(n)` at the top level and use its elements in the loop"
            } else {
                "declare it at the top level and use it only in the branch or block"
            };
            self.diag.error(span, format!("sample sites stand at the top level of the model body, not inside loops, branches or blocks: {advice}"));
            return;
        }
        let Pat::Ident(pi) = pat else {
            self.diag.error_at(
                pat,
                "bind a sample site to one name: `let mu = sample(\"mu\", ...);`",
            );
            return;
        };
        if pi.mutability.is_some() {
            self.diag.error_at(
                pi,
                "parameters are read-only: remove `mut` (copy into a `let mut` local to modify)",
            );
        }
        let Some((name, rest)) = self.site_name(call, 2) else {
            return;
        };
        let Some(dist) = self.dist_call(&rest[0]) else {
            return;
        };
        if self.program.sites.iter().any(|s| s.name == name) {
            self.diag.error_at(
                &call.args[0],
                format!("a second sample site named \"{name}\": site names must be unique"),
            );
        }
        let kind = if dist.iid.is_some() || is_vector_dist(&dist) {
            Kind::Reals
        } else {
            Kind::Real
        };
        let site = self.program.sites.len();
        let var = self.bind(pi.ident.clone(), kind, false, Origin::Site(site));
        self.program.sites.push(Site { name, dist, var });
        out.stmts.push(Stmt::Sample { var, site, span });
    }

    /// Checks a site call's arity and string-literal name; returns the name and the
    /// remaining arguments.
    fn site_name(&mut self, call: &syn::ExprCall, arity: usize) -> Option<(String, Vec<Expr>)> {
        let func = path_name(&call.func).unwrap_or_default();
        if call.args.len() != arity {
            let usage = match func.as_str() {
                "sample" => "`sample(\"name\", Distribution(...))`",
                "observe" => "`observe(\"name\", Distribution(...), value)`",
                _ => "`deterministic(\"name\", value)`",
            };
            self.diag
                .error_at(call, format!("`{func}` takes {arity} arguments: {usage}"));
            return None;
        }
        match &call.args[0] {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some((
                s.value(),
                call.args.iter().skip(1).map(|a| self.expr(a)).collect(),
            )),
            other => {
                self.diag
                    .error_at(other, "the site name must be a string literal, e.g. \"mu\"");
                None
            }
        }
    }

    fn dist_call(&mut self, e: &Expr) -> Option<DistCall> {
        let span = e.span();
        let (base, iid) = match e {
            Expr::MethodCall(m) if m.method == "iid" => {
                if m.args.len() != 1 {
                    self.diag
                        .error_at(m, "`.iid(n)` takes the number of copies");
                    return None;
                }
                (&*m.receiver, Some(m.args[0].clone()))
            }
            other => (other, None),
        };
        match base {
            Expr::Call(c) => {
                match path_name(&c.func) {
                    Some(name) if name.chars().next().is_some_and(char::is_uppercase) => {
                        Some(DistCall {
                            name: syn::Ident::new(&name, c.func.span()),
                            args: c.args.iter().cloned().collect(),
                            iid,
                            span,
                        })
                    }
                    Some(name) => {
                        let mut c = name.chars();
                        let hint = c
                            .next()
                            .map(|h| h.to_uppercase().chain(c).collect::<String>())
                            .unwrap_or_default();
                        self.diag.error_at(base, format!("expected a distribution (its type name starts with a capital letter, e.g. `Normal(mu, sigma)`): did you mean `{hint}`?"));
                        None
                    }
                    None => {
                        self.diag.error_at(base, "expected a distribution such as `Normal(mu, sigma)`, optionally `.iid(n)`");
                        None
                    }
                }
            }
            _ => {
                self.diag.error_at(
                    base,
                    "expected a distribution such as `Normal(mu, sigma)`, optionally `.iid(n)`",
                );
                None
            }
        }
    }

    fn expr_stmt(&mut self, e: &Expr, out: &mut Block) {
        let span = e.span();
        match e {
            Expr::Call(c) if path_name(&c.func).as_deref() == Some("observe") => {
                let Some((name, rest)) = self.site_name(c, 3) else {
                    return;
                };
                let Some(dist) = self.dist_call(&rest[0]) else {
                    return;
                };
                out.stmts.push(Stmt::Observe {
                    name,
                    dist,
                    value: rest[1].clone(),
                    span,
                });
            }
            Expr::Call(c) if path_name(&c.func).as_deref() == Some("deterministic") => {
                let Some((name, rest)) = self.site_name(c, 2) else {
                    return;
                };
                out.stmts.push(Stmt::Deterministic {
                    name,
                    value: rest[0].clone(),
                    span,
                });
            }
            Expr::Call(c) if path_name(&c.func).as_deref() == Some("factor") => {
                if c.args.len() != 1 {
                    self.diag.error_at(
                        c,
                        "`factor` takes one argument: the term added to the log density",
                    );
                    return;
                }
                let value = self.expr(&c.args[0]);
                out.stmts.push(Stmt::Factor { value, span });
            }
            Expr::Call(c) if path_name(&c.func).as_deref() == Some("sample") => {
                self.diag.error_at(c, "bind a sample site to a name at the top level: `let mu = sample(\"mu\", ...);`");
            }
            Expr::Assign(a) => self.assign(&a.left, None, &a.right, span, out),
            Expr::Binary(b) if is_compound(&b.op) => {
                self.assign(&b.left, Some(b.op), &b.right, span, out)
            }
            Expr::MethodCall(m) if m.method == "push" && m.args.len() == 1 => {
                match self.assignable(&m.receiver) {
                    Some(var) => {
                        let value = self.expr(&m.args[0]);
                        out.stmts.push(Stmt::Push { var, value, span });
                    }
                    None => {}
                }
            }
            Expr::ForLoop(f) => {
                if let Some(l) = &f.label {
                    self.diag.error_at(l, "loop labels are not supported");
                }
                let iter = self.expr(&f.expr);
                let (vars, pat, body) = self.scoped(|l| {
                    l.loop_depth += 1;
                    let vars = l.loop_pattern(&f.pat);
                    let pat = l.rename_pattern(&f.pat);
                    let body = l.block(&f.body.stmts);
                    l.loop_depth -= 1;
                    (vars, pat, body)
                });
                out.stmts.push(Stmt::For {
                    vars,
                    pat,
                    iter,
                    body,
                    span,
                });
            }
            Expr::While(w) => {
                if let Some(l) = &w.label {
                    self.diag.error_at(l, "loop labels are not supported");
                }
                let cond = self.expr(&w.cond);
                let body = self.scoped(|l| {
                    l.loop_depth += 1;
                    let b = l.block(&w.body.stmts);
                    l.loop_depth -= 1;
                    b
                });
                out.stmts.push(Stmt::While { cond, body, span });
            }
            Expr::If(i) => {
                let cond = self.expr(&i.cond);
                let then = self.scoped(|l| l.block(&i.then_branch.stmts));
                let otherwise = i.else_branch.as_ref().map(|(_, e)| {
                    self.scoped(|l| {
                        let mut b = Block::default();
                        match &**e {
                            Expr::Block(blk) => b = l.block(&blk.block.stmts),
                            other => l.expr_stmt(other, &mut b),
                        }
                        b
                    })
                });
                out.stmts.push(Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span,
                });
            }
            Expr::Match(m) => {
                let scrutinee = self.expr(&m.expr);
                let mut arms = Vec::new();
                for arm in &m.arms {
                    self.check_match_arm(arm);
                    let block = self.scoped(|l| {
                        let mut b = Block::default();
                        match &*arm.body {
                            Expr::Block(blk) => b = l.block(&blk.block.stmts),
                            other => l.expr_stmt(other, &mut b),
                        }
                        b
                    });
                    arms.push((arm.pat.clone(), block));
                }
                out.stmts.push(Stmt::Match {
                    scrutinee,
                    arms,
                    span,
                });
            }
            Expr::Block(b) => {
                if b.label.is_some() {
                    self.diag.error_at(b, "labelled blocks are not supported");
                }
                let inner = self.scoped(|l| l.block(&b.block.stmts));
                out.stmts.push(Stmt::Block(inner));
            }
            Expr::Break(b) => {
                if b.label.is_some() || b.expr.is_some() {
                    self.diag
                        .error_at(b, "`break` takes no label or value in a model");
                } else if self.loop_depth == 0 {
                    self.diag.error_at(b, "`break` outside a loop");
                }
                out.stmts.push(Stmt::Break(span));
            }
            Expr::Continue(c) => {
                if c.label.is_some() {
                    self.diag
                        .error_at(c, "`continue` takes no label in a model");
                } else if self.loop_depth == 0 {
                    self.diag.error_at(c, "`continue` outside a loop");
                }
                out.stmts.push(Stmt::Continue(span));
            }
            Expr::Return(r) => self.diag.error_at(
                r,
                "a model has no `return`: its value is the log density built by its sites ",
            ),
            other => {
                let e = self.expr(other);
                out.stmts.push(Stmt::Expr(e));
            }
        }
    }

    /// The pattern with every bound name replaced by its unique identifier.
    fn rename_pattern(&self, pat: &Pat) -> Pat {
        let mut p = pat.clone();
        struct R<'x, 'd> {
            l: &'x Lowerer<'d>,
        }
        impl VisitMut for R<'_, '_> {
            fn visit_pat_ident_mut(&mut self, pi: &mut syn::PatIdent) {
                if let Some(id) = self.l.lookup(&pi.ident.to_string()) {
                    let mut new = unique_ident(self.l.program.var(id), id);
                    new.set_span(pi.ident.span());
                    pi.ident = new;
                }
            }
        }
        R { l: self }.visit_pat_mut(&mut p);
        p
    }

    fn loop_pattern(&mut self, pat: &Pat) -> Vec<VarId> {
        let mut vars = Vec::new();
        self.pattern_vars(pat, &mut vars);
        vars
    }

    fn pattern_vars(&mut self, pat: &Pat, vars: &mut Vec<VarId>) {
        match pat {
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                // Loop variables are data (indices and data elements); activity may refine.
                vars.push(self.bind(pi.ident.clone(), Kind::Discrete, pi.mutability.is_some(), Origin::Local));
            }
            Pat::Tuple(t) => {
                for p in &t.elems {
                    self.pattern_vars(p, vars);
                }
            }
            Pat::Reference(r) => self.pattern_vars(&r.pat, vars),
            Pat::Wild(w) => {
                vars.push(self.bind(syn::Ident::new("__ignored", w.span()), Kind::Discrete, false, Origin::Local));
            }
            other => self.diag.error_at(other, "loop patterns bind names or tuples of names (`for (i, y_i) in y.iter().enumerate()`)"),
        }
    }

    /// The variable an assignment may write, with errors for data, parameters and
    /// immutable locals.
    fn assignable(&mut self, target: &Expr) -> Option<VarId> {
        let Expr::Path(p) = target else {
            self.diag
                .error_at(target, "assign to a variable or to an element `v[i]`");
            return None;
        };
        let Some(ident) = p.path.get_ident() else {
            self.diag.error_at(target, "assign to a local variable");
            return None;
        };
        let Some(var) = self.lookup(&ident.to_string()) else {
            self.diag
                .error_at(target, format!("cannot find `{ident}` in this model"));
            return None;
        };
        let v = self.program.var(var);
        match v.origin {
            Origin::Data => {
                let copy = if matches!(v.kind, Kind::Reals | Kind::Ints | Kind::Rows) {
                    format!("{ident}.to_vec()")
                } else {
                    ident.to_string()
                };
                self.diag.error_at(target, format!("`{ident}` is data and cannot be modified: copy it into a local first (`let mut {ident}_copy = {copy};`)"));
                None
            }
            Origin::Site(_) => {
                self.diag.error_at(target, format!("`{ident}` is a parameter (a sample site) and cannot be modified: compute a new local from it"));
                None
            }
            Origin::Local if !v.mutable && self.deferred.contains(&var) => Some(var),
            Origin::Local if !v.mutable => {
                self.diag.error_at(
                    target,
                    format!("`{ident}` is not mutable: declare it with `let mut {ident}`"),
                );
                None
            }
            Origin::Local => Some(var),
        }
    }

    fn assign(
        &mut self,
        left: &Expr,
        op: Option<syn::BinOp>,
        right: &Expr,
        span: Span,
        out: &mut Block,
    ) {
        let place = match left {
            Expr::Index(ix) => {
                let Some(var) = self.assignable(&ix.expr) else {
                    return;
                };
                Place::Element(var, self.expr(&ix.index))
            }
            other => match self.assignable(other) {
                Some(var) => Place::Var(var),
                None => return,
            },
        };
        let value = self.expr(right);
        out.stmts.push(Stmt::Assign {
            place,
            op,
            value,
            span,
        });
    }
}

fn is_compound(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_) | SubAssign(_) | MulAssign(_) | DivAssign(_)
    )
}

fn check_data_pattern(p: &Pat, ok: &mut bool) {
    match p {
        Pat::Lit(_) | Pat::Wild(_) | Pat::Range(_) => {}
        Pat::Or(o) => o.cases.iter().for_each(|c| check_data_pattern(c, ok)),
        Pat::Path(_) => {}
        _ => *ok = false,
    }
}

/// `Some(name)` when `e` is a plain path.
pub fn path_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn site_call<'a>(e: &'a Expr, name: &str) -> Option<&'a syn::ExprCall> {
    match e {
        Expr::Call(c) if path_name(&c.func).as_deref() == Some(name) => Some(c),
        _ => None,
    }
}

/// Distributions whose values are vectors.
pub fn is_vector_dist(d: &DistCall) -> bool {
    let name = d.name.to_string();
    match name.as_str() {
        "Dirichlet" | "MultiNormal" | "LkjCholesky" => true,
        "Flat" => d.args.first().is_some_and(|a| {
            let n = match a {
                Expr::Call(c) => path_name(&c.func),
                other => path_name(other),
            };
            matches!(
                n.as_deref(),
                Some("Simplex" | "Ordered" | "PositiveOrdered" | "CorrCholesky" | "CovCholesky")
            )
        }),
        _ => false,
    }
}

/// Renames variable references and rejects closures and other unsupported expressions.
struct Resolver<'a, 'd> {
    l: &'a mut Lowerer<'d>,
}

impl VisitMut for Resolver<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Closure(c) => {
                self.l.diag.error_at(&*c, "closures are not supported in a model: write the computation inline, or as a loop");
                return;
            }
            Expr::Async(a) => {
                self.l
                    .diag
                    .error_at(&*a, "`async` blocks are not supported in a model");
                return;
            }
            Expr::Unsafe(u) => {
                self.l
                    .diag
                    .error_at(&*u, "`unsafe` is not supported in a model");
                return;
            }
            Expr::Path(p) if p.qself.is_none() => {
                if let Some(ident) = p.path.get_ident() {
                    if let Some(id) = self.l.lookup(&ident.to_string()) {
                        let var = self.l.program.var(id).clone();
                        let mut new = unique_ident(&var, id);
                        new.set_span(ident.span());
                        p.path = syn::Path::from(new);
                    }
                }
                return;
            }
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                // Rename inside `vec![elem; n]` / `vec![a, b, c]`.
                let parsed = m.mac.parse_body_with(|input: syn::parse::ParseStream| {
                    let first: Expr = input.parse()?;
                    if input.peek(syn::Token![;]) {
                        let _: syn::Token![;] = input.parse()?;
                        let n: Expr = input.parse()?;
                        Ok((vec![first, n], true))
                    } else {
                        let mut items = vec![first];
                        while input.peek(syn::Token![,]) {
                            let _: syn::Token![,] = input.parse()?;
                            if input.is_empty() {
                                break;
                            }
                            items.push(input.parse()?);
                        }
                        Ok((items, false))
                    }
                });
                match parsed {
                    Ok((mut items, repeat)) => {
                        for it in &mut items {
                            self.visit_expr_mut(it);
                        }
                        m.mac.tokens = if repeat {
                            let (a, b) = (&items[0], &items[1]);
                            quote::quote!(#a; #b)
                        } else {
                            quote::quote!(#(#items),*)
                        };
                    }
                    Err(err) => self.l.diag.push(err),
                }
                return;
            }
            Expr::Macro(m) => {
                self.l.diag.error_at(
                    &*m,
                    "only the `vec![...]` macro is supported inside a model",
                );
                return;
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}
