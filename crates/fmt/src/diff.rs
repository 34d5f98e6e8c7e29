//! A small line diff for `edict fmt --check`.
//!
//! Longest-common-subsequence over lines, after trimming the common head and tail, printed
//! as unified-diff hunks with [`CONTEXT`] lines of context. Files are small, so the
//! quadratic table is fine; past [`MAX_CELLS`] the changed middle is shown as one
//! replacement rather than spending the memory.

/// Unchanged lines shown around each change.
pub const CONTEXT: usize = 3;
/// Largest LCS table computed (lines × lines).
const MAX_CELLS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// A unified-diff-like text from `old` to `new`; empty when they are equal.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = line_ops(&a, &b);
    if ops.iter().all(|(op, _, _)| *op == Op::Same) {
        if old == new {
            return String::new();
        }
        // Only line endings or the final newline differ.
        return format!(
            "--- {old_name}\n+++ {new_name}\n@@ line endings or the final newline differ @@\n"
        );
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let mut i = 0;
    while i < ops.len() {
        if ops[i].0 == Op::Same {
            i += 1;
            continue;
        }
        // A hunk: from CONTEXT lines before this change to CONTEXT lines after the last
        // change that is at most 2 * CONTEXT unchanged lines away.
        let start = i.saturating_sub(CONTEXT);
        let mut end = i;
        let mut j = i;
        while j < ops.len() {
            if ops[j].0 != Op::Same {
                end = j + 1;
                j += 1;
            } else if j - end < 2 * CONTEXT {
                j += 1;
            } else {
                break;
            }
        }
        let stop = (end + CONTEXT).min(ops.len());
        let (mut a_start, mut a_len, mut b_start, mut b_len) = (None, 0, None, 0);
        for &(op, ai, bi) in &ops[start..stop] {
            if op != Op::Add {
                a_start.get_or_insert(ai);
                a_len += 1;
            }
            if op != Op::Del {
                b_start.get_or_insert(bi);
                b_len += 1;
            }
        }
        let a_first = a_start.map_or(ops[start].1, |s| s + 1);
        let b_first = b_start.map_or(ops[start].2, |s| s + 1);
        out.push_str(&format!("@@ -{a_first},{a_len} +{b_first},{b_len} @@\n"));
        for &(op, ai, bi) in &ops[start..stop] {
            let (mark, line) = match op {
                Op::Same => (' ', a[ai]),
                Op::Del => ('-', a[ai]),
                Op::Add => ('+', b[bi]),
            };
            out.push(mark);
            out.push_str(line);
            out.push('\n');
        }
        i = stop;
    }
    out
}

/// The edit script: each entry is an operation with the current index into `a` and `b`.
fn line_ops(a: &[&str], b: &[&str]) -> Vec<(Op, usize, usize)> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut ops: Vec<(Op, usize, usize)> = (0..head).map(|i| (Op::Same, i, i)).collect();
    let (n, m) = (am.len(), bm.len());
    if n.saturating_mul(m) > MAX_CELLS {
        ops.extend((0..n).map(|i| (Op::Del, head + i, head)));
        ops.extend((0..m).map(|j| (Op::Add, head + n, head + j)));
    } else {
        // lcs[i][j]: LCS length of am[i..] and bm[j..].
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[at(i, j)] = if am[i] == bm[j] {
                    lcs[at(i + 1, j + 1)] + 1
                } else {
                    lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push((Op::Same, head + i, head + j));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
                ops.push((Op::Del, head + i, head + j));
                i += 1;
            } else {
                ops.push((Op::Add, head + i, head + j));
                j += 1;
            }
        }
    }
    let (a_tail, b_tail) = (a.len() - tail, b.len() - tail);
    ops.extend((0..tail).map(|t| (Op::Same, a_tail + t, b_tail + t)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", "x", "y"), "");
    }

    #[test]
    fn one_changed_line() {
        let d = unified("a\nb\nc\n", "a\nB\nc\n", "old", "new");
        assert_eq!(d, "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    }

    #[test]
    fn insertions_and_deletions_far_apart_make_two_hunks() {
        let old: String = (0..20).map(|i| format!("{i}\n")).collect();
        let new = old.replace("2\n", "").replace("17\n", "17\nnew\n");
        let d = unified(&old, &new, "o", "n");
        assert_eq!(d.matches("@@ -").count(), 2, "{d}");
        assert!(d.contains("-2\n") && d.contains("+new\n"), "{d}");
    }

    #[test]
    fn only_line_endings() {
        assert!(unified("a\r\n", "a\n", "o", "n").contains("line endings"));
    }
}
