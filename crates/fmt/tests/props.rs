//! Property tests: on generated programs the formatter keeps the AST and the comments,
//! and formatting formatted code changes nothing; on any input it never panics.

mod gen;

use proptest::prelude::*;
use syntax::FileId;

fn comments(text: &str) -> Vec<String> {
    let mut out: Vec<String> = fmt::lexer::lex(text)
        .unwrap_or_default()
        .iter()
        .filter(|t| t.kind.is_comment())
        .map(|t| t.printed().into_owned())
        .collect();
    out.sort();
    out
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512)
}

/// Everything a formatted file must satisfy, for an input that parses.
fn assert_formats_well(src: &str) -> Result<(), TestCaseError> {
    let before = syntax::parse(FileId(0), src);
    prop_assume!(before.is_ok());
    let once = fmt::format(src);
    prop_assert!(once.is_ok(), "format failed: {:?}\n--- input:\n{src}", once);
    let once = once.unwrap_or_default();
    let after = syntax::parse(FileId(0), &once);
    prop_assert_eq!(
        after.ok(),
        before.ok(),
        "AST changed\n--- output:\n{}",
        once
    );
    prop_assert_eq!(comments(&once), comments(src));
    let twice = fmt::format(&once);
    prop_assert_eq!(
        twice.as_deref(),
        Ok(once.as_str()),
        "not idempotent\n--- input:\n{}\n--- once:\n{}",
        src,
        once
    );
    prop_assert!(once.ends_with('\n') || once.is_empty());
    prop_assert!(!once.ends_with("\n\n"));
    // Block comments are kept verbatim, blank lines and trailing spaces inside included.
    let verbatim_spaces = comments(src)
        .iter()
        .any(|c| c.contains("\n\n") || c.lines().any(|l| l != l.trim_end()));
    prop_assert!(
        verbatim_spaces || once.lines().all(|l| l == l.trim_end()),
        "trailing space:\n{}",
        once
    );
    prop_assert!(
        verbatim_spaces || !once.contains("\n\n\n"),
        "two blank lines:\n{}",
        once
    );
    prop_assert_eq!(fmt::check(&once), Ok(None));
    Ok(())
}

proptest! {
    // `PROPTEST_CASES=20000 cargo test -p edict-fmt --test props` for a longer run.
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn generated_programs_format_well(src in gen::program()) {
        // Generated programs always parse: a failure here is a generator bug.
        let parsed = syntax::parse(FileId(0), &src);
        prop_assert!(parsed.is_ok(), "generator produced an invalid program: {:?}\n{}", parsed, src);
        assert_formats_well(&src)?;
    }

    #[test]
    fn mutated_programs_never_panic(
        src in gen::program(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..6, "[a-z0-9 \\n{}()\\[\\],.:=<>?+*/\"%@-]{0,3}"), 1..4),
    ) {
        let mut text = src;
        for (at, kind, insert) in edits {
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let i = boundaries[at.index(boundaries.len())];
            let j = boundaries[(at.index(boundaries.len()) + kind).min(boundaries.len() - 1)];
            match kind {
                0 => text.insert_str(i, &insert),
                1 | 2 => text.replace_range(i..j, ""),
                3 => {
                    let slice = text[i..j].to_string();
                    text.insert_str(j, &slice);
                }
                _ => text.replace_range(i..j, &insert),
            }
        }
        // Whatever the input, no panic; if it still parses, every property holds.
        let result = fmt::format(&text);
        if syntax::parse(FileId(0), &text).is_ok() {
            assert_formats_well(&text)?;
        } else {
            prop_assert!(matches!(result, Err(fmt::FmtError::Syntax(_))));
        }
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = fmt::format(&text);
        let _ = fmt::check(&text);
    }

    #[test]
    fn edict_like_text_never_panics(text in "[a-z0-9 \\t\\n{}()\\[\\],.:=<>?+*/\"%@#-]{0,300}") {
        if let Ok(out) = fmt::format(&text) {
            prop_assert_eq!(fmt::format(&out), Ok(out.clone()));
        }
    }
}
