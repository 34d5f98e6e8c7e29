//! Dependencies between values and checks: cycles and fact kinds.

use std::collections::BTreeSet;

use syntax::{Diagnostic, Span};

use crate::codes;

/// A node of the dependency graph: values first, then checks.
pub(crate) struct Graph {
    pub edges: Vec<Vec<usize>>,
    pub names: Vec<String>,
    pub spans: Vec<Span>,
}

impl Graph {
    /// Reports every cycle once (the first found through each strongly connected part).
    pub(crate) fn cycles(&self, diags: &mut Vec<Diagnostic>) -> bool {
        let n = self.edges.len();
        // 0 = unvisited, 1 = on stack, 2 = done
        let mut state = vec![0u8; n];
        let mut found = false;
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&to) = self.edges[node].get(*next) {
                    *next += 1;
                    match state[to] {
                        0 => {
                            state[to] = 1;
                            stack.push((to, 0));
                        }
                        1 => {
                            let pos = stack.iter().position(|(x, _)| *x == to).unwrap_or(0);
                            let path: Vec<String> = stack[pos..]
                                .iter()
                                .map(|(x, _)| self.names[*x].clone())
                                .chain([self.names[to].clone()])
                                .collect();
                            let mut d = Diagnostic::error(
                                codes::CYCLE,
                                format!("`{}` depends on itself", self.names[to]),
                                self.spans[to],
                                "part of a cycle",
                            )
                            .with_note(format!("cycle: {}", path.join(" → ")));
                            for (x, _) in &stack[pos + 1..] {
                                d = d.with_label(
                                    self.spans[*x],
                                    format!("`{}` is on the cycle", self.names[*x]),
                                );
                            }
                            diags.push(d.with_help(
                                "a value or check cannot read itself, directly or through others",
                            ));
                            found = true;
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    stack.pop();
                }
            }
        }
        found
    }

    /// Fact kinds read by each node: its own, plus those of everything it reads.
    /// Call only on an acyclic graph.
    pub(crate) fn kinds(&self, direct: &[BTreeSet<u32>]) -> Vec<BTreeSet<u32>> {
        let n = self.edges.len();
        let mut out: Vec<Option<BTreeSet<u32>>> = vec![None; n];
        fn visit(
            g: &Graph,
            i: usize,
            direct: &[BTreeSet<u32>],
            out: &mut Vec<Option<BTreeSet<u32>>>,
            depth: usize,
        ) -> BTreeSet<u32> {
            if let Some(k) = &out[i] {
                return k.clone();
            }
            let mut k = direct[i].clone();
            if depth < 10_000 {
                for &to in &g.edges[i] {
                    k.extend(visit(g, to, direct, out, depth + 1));
                }
            }
            out[i] = Some(k.clone());
            k
        }
        (0..n)
            .map(|i| visit(self, i, direct, &mut out, 0))
            .collect()
    }
}
