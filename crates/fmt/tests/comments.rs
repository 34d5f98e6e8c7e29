//! Comments survive formatting: each one is printed once, with its text, in source order.

fn comments(text: &str) -> Vec<String> {
    fmt::lexer::lex(text)
        .unwrap_or_default()
        .iter()
        .filter(|t| t.kind.is_comment())
        .map(|t| t.printed().into_owned())
        .collect()
}

const SOURCE: &str = include_str!("fixtures/comments.edict");

#[test]
fn every_comment_survives_in_order() {
    let out = fmt::format(SOURCE).unwrap_or_default();
    assert!(!out.is_empty());
    assert_eq!(comments(&out), comments(SOURCE));
    assert_eq!(comments(SOURCE).len(), 17);
}

#[test]
fn trailing_comments_stay_on_their_line() {
    let out = fmt::format(SOURCE).unwrap_or_default();
    for line in [
        "value a = 1  // trailing on a value",
        "value b =  // trailing after `=`",
        "check c {  // trailing on the brace",
        "  deadline = z + 1h  // trailing on a clause",
        "  after x /* inline */ and y",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing line {line:?} in\n{out}"
        );
    }
}

#[test]
fn own_line_comments_keep_their_own_line_at_the_code_indentation() {
    let out = fmt::format(SOURCE).unwrap_or_default();
    for line in [
        "// File header, attached to the first item.",
        "  // before the first clause",
        "  // the last thing in the block",
        "    // own line before or",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing line {line:?} in\n{out}"
        );
    }
}

#[test]
fn comment_blocks_stay_attached_to_the_item_below() {
    let out = fmt::format("value a = 1\n// about b\nvalue b = 2\n").unwrap_or_default();
    assert_eq!(out, "value a = 1\n\n// about b\nvalue b = 2\n");
}

#[test]
fn comments_inside_operators_survive() {
    // The grammar lets comments into `not in` and `is some`.
    let src = "value a = x not /* c */ in y or z is // d\n some\n";
    let out = fmt::format(src).unwrap_or_default();
    assert_eq!(comments(&out), comments(src), "{out}");
}

#[test]
fn trailing_comments_on_consecutive_lines_are_aligned() {
    let src = "fact order {\n  id: string // the id\n  paid_at: instant      // paid\n\n  shipped_at: instant? // shipped\n}\n";
    let out = fmt::format(src).unwrap_or_default();
    assert_eq!(
        out,
        "fact order {\n  id: string        // the id\n  paid_at: instant  // paid\n\n  shipped_at: instant?  // shipped\n}\n"
    );
    assert_eq!(fmt::format(&out).unwrap_or_default(), out, "idempotent");
}
