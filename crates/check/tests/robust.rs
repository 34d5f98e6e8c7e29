//! The checker never panics: the shipped policies, mutated at random, go through
//! parse + check + compile and come out as a program or as diagnostics.

use std::path::Path;

use proptest::prelude::*;

fn policies() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "edict"))
                .filter_map(|p| {
                    Some((
                        p.file_name()?.to_str()?.to_string(),
                        std::fs::read_to_string(&p).ok()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn shipped_policies_check_clean() {
    let files = policies();
    assert!(!files.is_empty(), "policies/ has no .edict files");
    let checked = check::check(&files);
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(checked.program.is_some(), "{errors:#?}");
}

#[test]
fn file_order_and_names_do_not_change_the_program() {
    let files = policies();
    let a = check::check(&files).program.expect("compiles");
    let mut renamed: Vec<(String, String)> = files
        .iter()
        .rev()
        .enumerate()
        .map(|(i, (_, t))| (format!("z{i}.edict"), t.clone()))
        .collect();
    renamed.reverse();
    let mut b = check::check(&renamed).program.expect("compiles");
    // Only the recorded file paths may differ.
    for r in &mut b.rules {
        let orig = a.rules.iter().find(|x| x.id == r.id).expect("same rules");
        r.origin.file = orig.origin.file.clone();
    }
    for c in &mut b.checks {
        c.origin.file = a
            .checks
            .iter()
            .find(|x| x.name == c.name)
            .expect("same checks")
            .origin
            .file
            .clone();
    }
    for x in &mut b.announcements {
        x.file = a
            .announcements
            .iter()
            .find(|y| y.id == x.id)
            .expect("same announcements")
            .file
            .clone();
    }
    assert_eq!(a, b);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_policies_never_panic(which in 0usize..64, cut in 0usize..100_000, len in 0usize..40, insert in "[a-z_(){}\\[\\]<>=!.,:\"?@ 0-9%+*-]{0,12}") {
        let mut files = policies();
        prop_assume!(!files.is_empty());
        let n = files.len();
        let text = &mut files[which % n].1;
        let chars = text.chars().count().max(1);
        let at = text.char_indices().map(|(i, _)| i).nth(cut % chars).unwrap_or(0);
        let end = text[at..].char_indices().map(|(i, _)| at + i).nth(len).unwrap_or(text.len());
        text.replace_range(at..end, &insert);
        let checked = check::check(&files);
        prop_assert!(checked.program.is_some() || !checked.diagnostics.is_empty());
    }
}
