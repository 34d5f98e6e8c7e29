//! The limits the evaluator has, enforced where the author can act on them: a policy the
//! checker accepts is one the evaluator loads and computes. One table, documented in
//! `grammar/REFERENCE.md` ("Limits"); the constants live in `ir`, which both sides read.
//!
//! - exceptions to exceptions at most [`ir::MAX_OVERRIDE_DEPTH`] deep (the IR loader
//!   refuses deeper override trees);
//! - chains of values and checks reading one another at most [`ir::MAX_VALUE_CHAIN`] long
//!   (the evaluator stops at [`ir::MAX_VALUE_DEPTH`] nested evaluations, and one link of a
//!   chain takes two when an exception reads `overridden`);
//! - `round(m, unit)` with a positive constant unit (checked in `expr.rs`).

use syntax::Diagnostic;

use crate::codes;
use crate::collect::RuleSlot;
use crate::graph::Graph;

/// Reports every rule deeper than the exception limit and every node at the start of a
/// chain longer than the value limit; true when any was found. `graph` must be acyclic.
pub(crate) fn too_deep(graph: &Graph, rules: &[RuleSlot], diags: &mut Vec<Diagnostic>) -> bool {
    let mut found = false;
    // Override depth as the IR loader counts it: a rule that overrides no rule is 1 deep,
    // an exception to a rule one deeper than that rule.
    let mut depth: Vec<Option<usize>> = vec![None; rules.len()];
    for start in 0..rules.len() {
        let mut chain = Vec::new();
        let mut cur = start;
        let base = loop {
            if let Some(d) = depth[cur] {
                break d;
            }
            chain.push(cur);
            match rules[cur].parent {
                ir::Parent::Rule(p) if (p as usize) < rules.len() && chain.len() <= rules.len() => {
                    cur = p as usize;
                }
                _ => break 0,
            }
        };
        for (n, &r) in chain.iter().rev().enumerate() {
            depth[r] = Some(base + n + 1);
        }
    }
    // One diagnostic per chain: at the deepest rule's first ancestor over the limit.
    for (r, d) in depth.iter().enumerate() {
        if *d == Some(ir::MAX_OVERRIDE_DEPTH + 1) {
            let slot = &rules[r];
            diags.push(
                Diagnostic::error(
                    codes::LIMIT,
                    format!(
                        "`{}` is nested {} rules deep (a definition and the exceptions to \
                         exceptions under it); at most {} are allowed",
                        slot.id,
                        ir::MAX_OVERRIDE_DEPTH + 1,
                        ir::MAX_OVERRIDE_DEPTH
                    ),
                    slot.label_span,
                    "beyond the exception depth limit",
                )
                .with_help("override the value or an earlier exception instead of the last one"),
            );
            found = true;
        }
    }
    // Value chains: the longest path (in nodes) starting at each node of the acyclic graph.
    let n = graph.edges.len();
    let mut longest = vec![0usize; n];
    let mut state = vec![0u8; n];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&to) = graph.edges[node].get(*next) {
                *next += 1;
                if state[to] == 0 {
                    state[to] = 1;
                    stack.push((to, 0));
                }
            } else {
                longest[node] = 1 + graph.edges[node]
                    .iter()
                    .map(|&t| longest[t])
                    .max()
                    .unwrap_or(0);
                state[node] = 2;
                stack.pop();
            }
        }
    }
    for (i, &len) in longest.iter().enumerate() {
        // Report where the chain first exceeds the limit (not at every node above it).
        if len == ir::MAX_VALUE_CHAIN + 1 {
            diags.push(
                Diagnostic::error(
                    codes::LIMIT,
                    format!(
                        "`{}` starts a chain of {len} values and checks reading one another; \
                         at most {} are allowed",
                        graph.names[i],
                        ir::MAX_VALUE_CHAIN
                    ),
                    graph.spans[i],
                    "beyond the value chain limit",
                )
                .with_help("compute the chain in fewer steps (one value can use several others)"),
            );
            found = true;
        }
    }
    found
}
