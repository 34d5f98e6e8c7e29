//! The shipped policies: lint-clean under `--deny warnings`.

mod common;

#[test]
fn shipped_policies_have_no_lint_warnings() {
    let c = common::checked(&common::policy_inputs());
    let diags = analysis::lint::lint(&c, None);
    println!("{}", common::lines(&diags, &c.sources));
    let warnings: Vec<_> = diags
        .iter()
        .filter(|d| d.severity != syntax::Severity::Note)
        .collect();
    assert!(warnings.is_empty(), "{}", common::lines(&diags, &c.sources));
}
