//! The parser's limits, on an ordinary (2 MiB) test thread: deep input is a located E0003,
//! never a stack overflow; text that only looks deep is not rejected.

use syntax::{parse, FileId, MAX_EXPR_DEPTH, MAX_NESTING};

fn code(src: &str) -> Result<(), (&'static str, String)> {
    parse(FileId(0), src)
        .map(|_| ())
        .map_err(|e| (e.code(), e.to_diagnostic().message))
}

/// Regression: `list<` / `set<` nesting was not counted, so pest recursed until its stack
/// guard stopped it with a misleading "invalid literal" (E0002).
#[test]
fn type_brackets_count_as_nesting() {
    for n in [MAX_NESTING + 1, 10_000, 200_000] {
        let src = format!(
            "fact order {{ n: {}int{} }}",
            "list<".repeat(n),
            ">".repeat(n)
        );
        let (c, msg) = code(&src).unwrap_err();
        assert_eq!(c, "E0003", "{msg}");
        assert!(msg.contains("nest"), "{msg}");
    }
    let src = format!(
        "fact order {{ n: {}int{} }}",
        "set < ".repeat(10),
        " >".repeat(10)
    );
    assert_eq!(code(&src), Ok(()), "within the limit, spaced");
}

#[test]
fn comparisons_and_comments_are_not_nesting() {
    let many = (0..200)
        .map(|i| format!("value v{i}: bool = a < b and c > d or set < 3\n"))
        .collect::<String>();
    assert_eq!(code(&many), Ok(()));
    let comment = format!(
        "/* {} */\n// {}\nvalue x = 1",
        "(".repeat(500),
        "[".repeat(500)
    );
    assert_eq!(code(&comment), Ok(()));
    let string = format!("value x = \"{}\"", "{".repeat(500));
    assert_eq!(code(&string), Ok(()));
}

#[test]
fn expression_depth_is_bounded_across_brackets() {
    // A chain of 255 operators is 256 deep; two of them nested, plus one more operator,
    // is exactly the limit.
    let inner = format!("1{}", " + 1".repeat(255));
    let mid = format!("({inner}){}", " + 1".repeat(255));
    assert_eq!(MAX_EXPR_DEPTH, 512);
    assert_eq!(code(&format!("value x = ({mid}) + 1")), Ok(()));
    let (c, msg) = code(&format!("value x = ({mid}) + 1 + 1")).unwrap_err();
    assert_eq!(c, "E0003");
    assert_eq!(
        msg,
        "this expression nests 513 levels deep; at most 512 are allowed"
    );
}

#[test]
fn deep_unary_and_call_chains_are_errors_not_overflows() {
    let nots = format!("value x = {}true", "not ".repeat(100_000));
    assert_eq!(code(&nots).unwrap_err().0, "E0003");
    let negs = format!("value x = {}1", "- ".repeat(100_000));
    assert_eq!(code(&negs).unwrap_err().0, "E0003");
    let calls = format!(
        "value x = {}1{}",
        "max(1, ".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_eq!(code(&calls).unwrap_err().0, "E0003");
    let sets = format!("value x = {}1{}", "{".repeat(100_000), "}".repeat(100_000));
    assert_eq!(code(&sets).unwrap_err().0, "E0003");
}
