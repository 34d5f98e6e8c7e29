//! The pest binding to `grammar/edict.pest` and the conversion of pest errors.

use pest::error::{ErrorVariant, InputLocation};
use pest_derive::Parser;

use crate::error::SyntaxError;
use crate::span::{FileId, Span};

/// The generated parser. `Rule` names the grammar's rules.
#[derive(Parser)]
#[grammar = "../../../grammar/edict.pest"]
pub struct EdictParser;

/// Whether a rule is a keyword token, which the lowering skips.
pub(crate) fn is_keyword(rule: Rule) -> bool {
    format!("{rule:?}").starts_with("kw_")
}

/// How a rule is named in "expected ..." lists: what an author would call it.
pub(crate) fn describe(rule: Rule) -> String {
    let s = match rule {
        Rule::EOI => "end of file",
        Rule::ident | Rule::path => "a name",
        Rule::string => "a string",
        Rule::expr => "an expression",
        Rule::type_expr | Rule::named_type => "a type",
        Rule::announcement => "`announcement`",
        Rule::enum_decl => "`enum`",
        Rule::record_decl => "`record`",
        Rule::fact_decl => "`fact`",
        Rule::value_def => "`value`",
        Rule::check_def => "`check`",
        Rule::exception_def => "`exception`",
        Rule::priority_decl => "`priority`",
        Rule::allow => "`@allow`",
        Rule::field_decl => "a field (`name: type`)",
        Rule::definition => "`=`",
        Rule::label => "`as`",
        Rule::cites => "`cites`",
        Rule::guard => "`when`",
        Rule::or_op | Rule::and_op => "`and`/`or`",
        Rule::eq_op | Rule::ne_op | Rule::le_op | Rule::ge_op | Rule::lt_op | Rule::gt_op => {
            "a comparison"
        }
        Rule::in_op | Rule::not_in_op => "`in`",
        Rule::add_op | Rule::sub_op | Rule::mul_op => "an arithmetic operator",
        Rule::is_some | Rule::is_none => "`is some`/`is none`",
        Rule::time_literal | Rule::instant_literal | Rule::date_literal => "a date or time",
        Rule::offset_literal => "an offset like `+08:00`",
        Rule::duration_literal => "a duration like `48h`",
        Rule::money_literal => "an amount like `150 CNY`",
        Rule::percent_literal => "a percentage",
        Rule::int_literal => "a number",
        Rule::window => "a window `[start, end]`",
        Rule::check_after => "`after`",
        Rule::check_applies => "`applies when`",
        Rule::check_event => "`event`",
        Rule::check_component | Rule::component => {
            "`deadline`, `compensation`, `exempt` or `violated`"
        }
        Rule::meta_published => "`published`",
        Rule::meta_source => "`source`",
        Rule::meta_zone => "`zone`",
        Rule::meta_effective => "`effective`",
        Rule::meta_retroactive => "`retroactive`",
        Rule::lint_id => "a lint id like `L004`",
        Rule::where_clause => "`where`",
        Rule::optional_mark => "`?`",
        other => {
            let name = format!("{other:?}");
            return match name.strip_prefix("kw_") {
                Some(kw) => format!("`{kw}`"),
                None => name.replace('_', " "),
            };
        }
    };
    s.to_string()
}

/// Converts a pest error into a located [`SyntaxError`] that says what was found and what
/// was expected there.
pub(crate) fn convert_error(
    err: pest::error::Error<Rule>,
    file: FileId,
    text: &str,
) -> SyntaxError {
    let (start, end) = match err.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let found = found_at(text, start);
    let end = if end > start {
        end
    } else {
        start + found_len(text, start)
    };
    let span = Span::new(file, start, end.min(text.len()).max(start));
    match err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<String> = group(&positives);
            expected.sort();
            expected.dedup();
            SyntaxError::unexpected(span, found, expected)
        }
        // pest's own guard against running out of stack: a limit, not a bad literal.
        ErrorVariant::CustomError { message } if message.contains("stack limit") => SyntaxError {
            span,
            kind: crate::error::SyntaxErrorKind::Limit(
                "the file nests too deep for the parser (stack limit reached)".into(),
            ),
        },
        ErrorVariant::CustomError { message } => SyntaxError::invalid(span, message),
    }
}

/// Collapses the grammar's alternatives into the words an author thinks in: many literal
/// kinds become "an expression", operators "an operator", item keywords "a new item".
fn group(positives: &[Rule]) -> Vec<String> {
    let starts_expr = |r: &Rule| {
        matches!(
            r,
            Rule::region_literal
                | Rule::regions_literal
                | Rule::time_literal
                | Rule::instant_literal
                | Rule::date_literal
                | Rule::duration_literal
                | Rule::money_literal
                | Rule::percent_literal
                | Rule::int_literal
                | Rule::bool_literal
                | Rule::decimal
                | Rule::string
                | Rule::window
                | Rule::set_literal
                | Rule::overridden
                | Rule::quant_op
                | Rule::extremum_op
                | Rule::neg_op
                | Rule::not_op
                | Rule::call
                | Rule::path
                | Rule::ident
                | Rule::expr
                | Rule::kw_region
                | Rule::kw_regions
        )
    };
    let is_op = |r: &Rule| {
        matches!(
            r,
            Rule::or_op
                | Rule::and_op
                | Rule::eq_op
                | Rule::ne_op
                | Rule::le_op
                | Rule::ge_op
                | Rule::lt_op
                | Rule::gt_op
                | Rule::in_op
                | Rule::not_in_op
                | Rule::add_op
                | Rule::sub_op
                | Rule::mul_op
                | Rule::is_some
                | Rule::is_none
        )
    };
    let is_item = |r: &Rule| {
        matches!(
            r,
            Rule::announcement
                | Rule::enum_decl
                | Rule::record_decl
                | Rule::fact_decl
                | Rule::value_def
                | Rule::check_def
                | Rule::exception_def
                | Rule::priority_decl
                | Rule::allow
                | Rule::kw_announcement
                | Rule::kw_enum
                | Rule::kw_record
                | Rule::kw_fact
                | Rule::kw_value
                | Rule::kw_check
                | Rule::kw_exception
                | Rule::kw_priority
        )
    };
    let mut out = Vec::new();
    let expr_starts = positives.iter().filter(|r| starts_expr(r)).count();
    if expr_starts >= 3 {
        out.push("an expression".to_string());
    }
    if positives.iter().filter(|r| is_op(r)).count() >= 3 {
        out.push("an operator".to_string());
    }
    if positives.iter().filter(|r| is_item(r)).count() >= 3 {
        out.push("a new item (`value`, `check`, `exception`, ...)".to_string());
    }
    for r in positives {
        let grouped = (expr_starts >= 3 && starts_expr(r))
            || (out.iter().any(|o| o == "an operator") && is_op(r))
            || (out.iter().any(|o| o.starts_with("a new item")) && is_item(r));
        if !grouped {
            out.push(describe(*r));
        }
    }
    out
}

fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return "end of file".to_string();
    };
    if c.is_ascii_alphanumeric() || c == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect();
        format!("`{word}`")
    } else if c == '\n' {
        "end of line".to_string()
    } else {
        format!("`{c}`")
    }
}

fn found_len(text: &str, pos: usize) -> usize {
    let rest = text.get(pos..).unwrap_or("");
    match rest.chars().next() {
        None => 0,
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count(),
        Some(c) => c.len_utf8(),
    }
}
