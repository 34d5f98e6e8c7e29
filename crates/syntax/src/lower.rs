//! Lowering: pest pairs → AST.
//!
//! One small function per grammar rule. Pair shapes are never `unwrap`ped: a shape the
//! grammar no longer produces becomes an internal error with the span, not a panic.
//! Keyword tokens (`kw_*` rules) are skipped by [`Cursor`].

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use rust_decimal::Decimal;

use crate::ast::*;
use crate::error::{SyntaxError, SyntaxErrorKind};
use crate::parser::{is_keyword, Rule};
use crate::span::{FileId, Span};

/// Most operators one expression (between brackets) may chain.
pub const MAX_OPERATORS: usize = 256;
/// Deepest expression tree a policy may write: operators, calls and brackets together.
/// Bounds the recursion of every later pass and the nesting of the compiled IR.
pub const MAX_EXPR_DEPTH: usize = 512;

type Result<T> = std::result::Result<T, SyntaxError>;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op))
        .op(Op::infix(Rule::eq_op, Assoc::Left)
            | Op::infix(Rule::ne_op, Assoc::Left)
            | Op::infix(Rule::lt_op, Assoc::Left)
            | Op::infix(Rule::le_op, Assoc::Left)
            | Op::infix(Rule::gt_op, Assoc::Left)
            | Op::infix(Rule::ge_op, Assoc::Left)
            | Op::infix(Rule::in_op, Assoc::Left)
            | Op::infix(Rule::not_in_op, Assoc::Left))
        .op(Op::postfix(Rule::is_some) | Op::postfix(Rule::is_none))
        .op(Op::infix(Rule::add_op, Assoc::Left) | Op::infix(Rule::sub_op, Assoc::Left))
        .op(Op::infix(Rule::mul_op, Assoc::Left))
        .op(Op::prefix(Rule::neg_op))
});

/// Lowers pairs of one file.
pub(crate) struct Lowerer {
    pub(crate) file: FileId,
}

/// The non-keyword children of a pair, consumed in order.
struct Cursor<'i> {
    items: std::vec::IntoIter<Pair<'i, Rule>>,
    parent: Span,
}

impl<'i> Cursor<'i> {
    fn next(&mut self, what: &str) -> Result<Pair<'i, Rule>> {
        self.items
            .next()
            .ok_or_else(|| SyntaxError::internal(self.parent, format!("missing {what}")))
    }
    fn next_if(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        if self.items.as_slice().first().map(|p| p.as_rule()) == Some(rule) {
            self.items.next()
        } else {
            None
        }
    }
    fn rest(self) -> std::vec::IntoIter<Pair<'i, Rule>> {
        self.items
    }
}

impl Lowerer {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn cursor<'i>(&self, pair: Pair<'i, Rule>) -> Cursor<'i> {
        let parent = self.span(&pair);
        let items: Vec<_> = pair
            .into_inner()
            .filter(|p| !is_keyword(p.as_rule()))
            .collect();
        Cursor {
            items: items.into_iter(),
            parent,
        }
    }

    fn expect(&self, pair: &Pair<'_, Rule>, rule: Rule) -> Result<()> {
        if pair.as_rule() == rule {
            Ok(())
        } else {
            Err(SyntaxError::internal(
                self.span(pair),
                format!("expected {rule:?}, found {:?}", pair.as_rule()),
            ))
        }
    }

    pub(crate) fn file(&self, pair: Pair<'_, Rule>) -> Result<File> {
        let mut items = Vec::new();
        for p in self.cursor(pair).rest() {
            if p.as_rule() == Rule::EOI {
                break;
            }
            items.push(self.item(p)?);
        }
        Ok(File { items })
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Result<Item> {
        Ok(match pair.as_rule() {
            Rule::announcement => Item::Announcement(self.announcement(pair)?),
            Rule::enum_decl => {
                let span = self.span(&pair);
                let mut c = self.cursor(pair);
                let name = self.ident(c.next("enum name")?)?;
                let variants = c.rest().map(|p| self.ident(p)).collect::<Result<_>>()?;
                Item::Enum(EnumDecl {
                    name,
                    variants,
                    span,
                })
            }
            Rule::record_decl | Rule::fact_decl => {
                let rule = pair.as_rule();
                let span = self.span(&pair);
                let mut c = self.cursor(pair);
                let name = self.ident(c.next("name")?)?;
                let fields = c.rest().map(|p| self.field(p)).collect::<Result<_>>()?;
                if rule == Rule::fact_decl {
                    Item::Fact(FactDecl { name, fields, span })
                } else {
                    Item::Record(RecordDecl { name, fields, span })
                }
            }
            Rule::value_def => Item::Value(self.value_def(pair)?),
            Rule::check_def => Item::Check(self.check_def(pair)?),
            Rule::exception_def => Item::Exception(self.exception_def(pair)?),
            Rule::priority_decl => {
                let span = self.span(&pair);
                let order = self
                    .cursor(pair)
                    .rest()
                    .map(|p| self.path(p))
                    .collect::<Result<_>>()?;
                Item::Priority(PriorityDecl { order, span })
            }
            other => {
                return Err(SyntaxError::internal(
                    self.span(&pair),
                    format!("unexpected item {other:?}"),
                ))
            }
        })
    }

    fn announcement(&self, pair: Pair<'_, Rule>) -> Result<Announcement> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair);
        let id = self.ident(c.next("announcement id")?)?;
        let title = self.string(c.next("title")?)?;
        let mut meta = Vec::new();
        for p in c.rest() {
            let mspan = self.span(&p);
            meta.push(match p.as_rule() {
                Rule::meta_published => {
                    let mut m = self.cursor(p);
                    let approximate = m.next_if(Rule::approximately).is_some();
                    let at = self.time(m.next("time")?)?;
                    Meta::Published {
                        at,
                        approximate,
                        span: mspan,
                    }
                }
                Rule::meta_source => Meta::Source(self.string(self.cursor(p).next("source")?)?),
                Rule::meta_zone => {
                    let o = self.cursor(p).next("offset")?;
                    Meta::Zone {
                        offset_seconds: self.offset(&o)?,
                        span: mspan,
                    }
                }
                Rule::meta_effective => {
                    Meta::Effective(self.window(self.cursor(p).next("window")?)?)
                }
                Rule::meta_retroactive => Meta::Retroactive(mspan),
                other => {
                    return Err(SyntaxError::internal(
                        mspan,
                        format!("unexpected {other:?}"),
                    ))
                }
            });
        }
        Ok(Announcement {
            id,
            title,
            meta,
            span,
        })
    }

    fn field(&self, pair: Pair<'_, Rule>) -> Result<FieldDecl> {
        self.expect(&pair, Rule::field_decl)?;
        let span = self.span(&pair);
        let mut c = self.cursor(pair);
        let name = self.ident(c.next("field name")?)?;
        let ty = self.type_expr(c.next("field type")?)?;
        Ok(FieldDecl { name, ty, span })
    }

    fn type_expr(&self, pair: Pair<'_, Rule>) -> Result<TypeExpr> {
        self.expect(&pair, Rule::type_expr)?;
        let span = self.span(&pair);
        let mut c = self.cursor(pair);
        let head = c.next("type")?;
        let kind = match head.as_rule() {
            Rule::named_type => TypeKind::Named(self.ident(self.cursor(head).next("type name")?)?),
            Rule::set_type => TypeKind::Set(Box::new(
                self.type_expr(self.cursor(head).next("element type")?)?,
            )),
            Rule::list_type => TypeKind::List(Box::new(
                self.type_expr(self.cursor(head).next("element type")?)?,
            )),
            other => {
                return Err(SyntaxError::internal(
                    span,
                    format!("unexpected type {other:?}"),
                ))
            }
        };
        let optional = c.next_if(Rule::optional_mark).is_some();
        Ok(TypeExpr {
            kind,
            optional,
            span,
        })
    }

    fn allows(&self, c: &mut Cursor<'_>) -> Result<Vec<Allow>> {
        let mut out = Vec::new();
        while let Some(p) = c.next_if(Rule::allow) {
            let span = self.span(&p);
            let mut a = self.cursor(p);
            let lint = a.next("lint id")?;
            let lint = Ident {
                name: lint.as_str().to_string(),
                span: self.span(&lint),
            };
            let reason = self.string(a.next("reason")?)?;
            out.push(Allow { lint, reason, span });
        }
        Ok(out)
    }

    fn definition(&self, pair: Pair<'_, Rule>) -> Result<Definition> {
        self.expect(&pair, Rule::definition)?;
        let span = self.span(&pair);
        let mut c = self.cursor(pair);
        let label = match c.next_if(Rule::label) {
            Some(p) => Some(self.ident(self.cursor(p).next("label")?)?),
            None => None,
        };
        let cites = match c.next_if(Rule::cites) {
            Some(p) => Some(self.string(self.cursor(p).next("citation")?)?),
            None => None,
        };
        let guard = match c.next_if(Rule::guard) {
            Some(p) => Some(self.expr(self.cursor(p).next("guard")?)?),
            None => None,
        };
        let body = self.expr(c.next("body")?)?;
        Ok(Definition {
            label,
            cites,
            guard,
            body,
            span,
        })
    }

    fn value_def(&self, pair: Pair<'_, Rule>) -> Result<ValueDef> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair);
        let allows = self.allows(&mut c)?;
        let name = self.ident(c.next("value name")?)?;
        let ty = match c.next_if(Rule::type_expr) {
            Some(p) => Some(self.type_expr(p)?),
            None => None,
        };
        let def = self.definition(c.next("definition")?)?;
        Ok(ValueDef {
            allows,
            name,
            ty,
            def,
            span,
        })
    }

    fn check_def(&self, pair: Pair<'_, Rule>) -> Result<CheckDef> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair);
        let allows = self.allows(&mut c)?;
        let name = self.ident(c.next("check name")?)?;
        let cites = match c.next_if(Rule::cites) {
            Some(p) => Some(self.string(self.cursor(p).next("citation")?)?),
            None => None,
        };
        let mut clauses = Vec::new();
        for p in c.rest() {
            let pspan = self.span(&p);
            let rule = p.as_rule();
            let mut cc = self.cursor(p);
            clauses.push(match rule {
                Rule::check_after => CheckClause::After(self.expr(cc.next("event")?)?),
                Rule::check_applies => CheckClause::Applies(self.expr(cc.next("condition")?)?),
                Rule::check_event => CheckClause::Event(self.expr(cc.next("event")?)?),
                Rule::check_component => {
                    let comp = cc.next("component")?;
                    let name_span = self.span(&comp);
                    let component = Component::from_name(comp.as_str()).ok_or_else(|| {
                        SyntaxError::internal(name_span, "unknown check component")
                    })?;
                    let def = self.definition(cc.next("definition")?)?;
                    CheckClause::Component {
                        component,
                        name_span,
                        def,
                    }
                }
                other => {
                    return Err(SyntaxError::internal(
                        pspan,
                        format!("unexpected {other:?}"),
                    ))
                }
            });
        }
        Ok(CheckDef {
            allows,
            name,
            cites,
            clauses,
            span,
        })
    }

    fn exception_def(&self, pair: Pair<'_, Rule>) -> Result<ExceptionDef> {
        let span = self.span(&pair);
        let mut c = self.cursor(pair);
        let allows = self.allows(&mut c)?;
        let target = self.path(c.next("target")?)?;
        let label = self.ident(c.next("label")?)?;
        let cites = match c.next_if(Rule::cites) {
            Some(p) => Some(self.string(self.cursor(p).next("citation")?)?),
            None => None,
        };
        let guard = self.expr(c.next("guard")?)?;
        let body = self.expr(c.next("body")?)?;
        Ok(ExceptionDef {
            allows,
            target,
            label,
            cites,
            guard,
            body,
            span,
        })
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Result<Ident> {
        self.expect(&pair, Rule::ident)?;
        Ok(Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        })
    }

    fn path(&self, pair: Pair<'_, Rule>) -> Result<Path> {
        self.expect(&pair, Rule::path)?;
        let span = self.span(&pair);
        let segments = self
            .cursor(pair)
            .rest()
            .map(|p| self.ident(p))
            .collect::<Result<Vec<_>>>()?;
        if segments.is_empty() {
            return Err(SyntaxError::internal(span, "empty path"));
        }
        Ok(Path { segments, span })
    }

    fn string(&self, pair: Pair<'_, Rule>) -> Result<StrLit> {
        self.expect(&pair, Rule::string)?;
        let span = self.span(&pair);
        let body = self.cursor(pair).next("string body")?;
        let mut value = String::with_capacity(body.as_str().len());
        let mut chars = body.as_str().chars();
        while let Some(ch) = chars.next() {
            if ch == '\\' {
                match chars.next() {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some(other) => value.push(other),
                    None => return Err(SyntaxError::invalid(span, "a string ends with `\\`")),
                }
            } else {
                value.push(ch);
            }
        }
        Ok(StrLit { value, span })
    }

    fn window(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        self.expect(&pair, Rule::window)?;
        let span = self.span(&pair);
        let mut c = self.cursor(pair);
        let a = self.expr(c.next("window start")?)?;
        let b = self.expr(c.next("window end")?)?;
        Ok(Expr {
            kind: ExprKind::Window(Box::new(a), Box::new(b)),
            span,
        })
    }

    pub(crate) fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        self.expect(&pair, Rule::expr)?;
        let span = self.span(&pair);
        let parts: Vec<_> = pair.into_inner().collect();
        let operators = parts.iter().filter(|p| is_operator(p.as_rule())).count();
        if operators > MAX_OPERATORS {
            return Err(SyntaxError {
                span,
                kind: SyntaxErrorKind::Limit(format!(
                    "this expression chains {operators} operators; at most {MAX_OPERATORS} are allowed"
                )),
            });
        }
        let expr = PRATT
            .map_primary(|p| self.primary(p))
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                let op_span = self.span(&op);
                let kind = match op.as_rule() {
                    Rule::not_op => UnOp::Not,
                    _ => UnOp::Neg,
                };
                Ok(Expr {
                    span: op_span.to(rhs.span),
                    kind: ExprKind::Unary(kind, Box::new(rhs)),
                })
            })
            .map_postfix(|lhs, op| {
                let lhs = lhs?;
                let span = lhs.span.to(self.span(&op));
                Ok(Expr {
                    kind: ExprKind::IsSome(Box::new(lhs), op.as_rule() == Rule::is_some),
                    span,
                })
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let op = match op.as_rule() {
                    Rule::or_op => BinOp::Or,
                    Rule::and_op => BinOp::And,
                    Rule::eq_op => BinOp::Eq,
                    Rule::ne_op => BinOp::Ne,
                    Rule::lt_op => BinOp::Lt,
                    Rule::le_op => BinOp::Le,
                    Rule::gt_op => BinOp::Gt,
                    Rule::ge_op => BinOp::Ge,
                    Rule::in_op => BinOp::In,
                    Rule::not_in_op => BinOp::NotIn,
                    Rule::add_op => BinOp::Add,
                    Rule::sub_op => BinOp::Sub,
                    Rule::mul_op => BinOp::Mul,
                    other => {
                        return Err(SyntaxError::internal(
                            self.span(&op),
                            format!("unknown operator {other:?}"),
                        ))
                    }
                };
                Ok(Expr {
                    span: lhs.span.to(rhs.span),
                    kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                })
            })
            .parse(parts.into_iter())?;
        let depth = expr_depth(&expr);
        if depth > MAX_EXPR_DEPTH {
            return Err(SyntaxError {
                span,
                kind: SyntaxErrorKind::Limit(format!(
                    "this expression nests {depth} levels deep; at most {MAX_EXPR_DEPTH} are allowed"
                )),
            });
        }
        Ok(expr)
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::expr => return self.expr(pair),
            Rule::path => ExprKind::Path(self.path(pair)?),
            Rule::overridden => ExprKind::Overridden,
            Rule::bool_literal => ExprKind::Bool(pair.as_str().starts_with('t')),
            Rule::int_literal => ExprKind::Int(
                pair.as_str()
                    .parse()
                    .map_err(|_| SyntaxError::invalid(span, "this number is too large"))?,
            ),
            Rule::money_literal => {
                let d = self.cursor(pair).next("amount")?;
                ExprKind::Money(self.decimal(&d)?)
            }
            Rule::percent_literal => {
                let d = self.cursor(pair).next("percentage")?;
                ExprKind::Percent(self.decimal(&d)?)
            }
            Rule::duration_literal => ExprKind::Duration(
                duration(pair.as_str())
                    .ok_or_else(|| SyntaxError::invalid(span, "this duration is too large"))?,
            ),
            Rule::string => ExprKind::Str(self.string(pair)?.value),
            Rule::instant_literal | Rule::date_literal => ExprKind::Time(self.time(pair)?),
            Rule::region_literal => {
                ExprKind::Region(self.string(self.cursor(pair).next("region")?)?)
            }
            Rule::regions_literal => ExprKind::Regions(
                self.cursor(pair)
                    .rest()
                    .map(|p| self.string(p))
                    .collect::<Result<_>>()?,
            ),
            Rule::window => return self.window(pair),
            Rule::set_literal => ExprKind::Set(
                self.cursor(pair)
                    .rest()
                    .map(|p| self.expr(p))
                    .collect::<Result<_>>()?,
            ),
            Rule::call => {
                let mut c = self.cursor(pair);
                let name = self.ident(c.next("function")?)?;
                let args = c.rest().map(|p| self.expr(p)).collect::<Result<_>>()?;
                ExprKind::Call(name, args)
            }
            Rule::quantifier => {
                let mut c = self.cursor(pair);
                let op = match c.next("quantifier")?.as_str() {
                    "any" => Quant::Any,
                    "all" => Quant::All,
                    _ => Quant::Count,
                };
                let var = self.ident(c.next("variable")?)?;
                let list = Box::new(self.expr(c.next("list")?)?);
                let filter = match c.next_if(Rule::where_clause) {
                    Some(w) => Some(Box::new(self.expr(self.cursor(w).next("condition")?)?)),
                    None => None,
                };
                ExprKind::Quantifier {
                    op,
                    var,
                    list,
                    filter,
                }
            }
            Rule::extremum => {
                let mut c = self.cursor(pair);
                let op = match c.next("max or min")?.as_str() {
                    "max" => Extremum::Max,
                    _ => Extremum::Min,
                };
                let body = Box::new(self.expr(c.next("expression")?)?);
                let var = self.ident(c.next("variable")?)?;
                let list = Box::new(self.expr(c.next("list")?)?);
                let filter = match c.next_if(Rule::where_clause) {
                    Some(w) => Some(Box::new(self.expr(self.cursor(w).next("condition")?)?)),
                    None => None,
                };
                ExprKind::Extremum {
                    op,
                    body,
                    var,
                    list,
                    filter,
                }
            }
            other => {
                return Err(SyntaxError::internal(
                    span,
                    format!("unexpected expression {other:?}"),
                ))
            }
        };
        Ok(Expr { kind, span })
    }

    fn decimal(&self, pair: &Pair<'_, Rule>) -> Result<Decimal> {
        // Exactly or not at all (as records): a digit a decimal cannot hold is an error, not
        // rounded away; zeros after the last significant decimal change nothing.
        let text = pair.as_str();
        let trimmed = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.')
        } else {
            text
        };
        Decimal::from_str_exact(text)
            .or_else(|_| Decimal::from_str_exact(trimmed))
            .map_err(|_| {
                SyntaxError::invalid(
                    self.span(pair),
                    "this amount has more digits than money holds exactly (at most 28 after \
                     the point and 28 significant)",
                )
            })
    }

    fn offset(&self, pair: &Pair<'_, Rule>) -> Result<i32> {
        parse_offset(pair.as_str()).ok_or_else(|| {
            SyntaxError::invalid(self.span(pair), "offsets range from -23:59 to +23:59")
        })
    }

    fn time(&self, pair: Pair<'_, Rule>) -> Result<TimeLit> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let date = text
            .get(0..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| {
                SyntaxError::invalid(
                    span,
                    format!(
                        "`{}` is not a calendar date",
                        text.get(0..10).unwrap_or(text)
                    ),
                )
            })?;
        // The years records accept (eval::parse_instant): 0001..9999.
        if date.year() < 1 {
            return Err(SyntaxError::invalid(
                span,
                "year out of range: years 0001..9999 only",
            ));
        }
        if pair.as_rule() == Rule::date_literal {
            return Ok(TimeLit {
                date,
                time: None,
                fraction_digits: 0,
                has_seconds: false,
                offset_seconds: None,
            });
        }
        let rest = text.get(11..).unwrap_or("");
        let (clock, offset) = match rest.find(['Z', '+', '-']) {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        let has_seconds = clock.len() >= 8;
        let (hms, frac) = match clock.find('.') {
            Some(i) => (&clock[..i], &clock[i + 1..]),
            None => (clock, ""),
        };
        if has_seconds && hms.get(6..8) == Some("60") {
            return Err(SyntaxError::invalid(
                span,
                "leap seconds (`:60`) are not supported, as in records",
            ));
        }
        let fmt = if has_seconds { "%H:%M:%S" } else { "%H:%M" };
        let mut time = NaiveTime::parse_from_str(hms, fmt)
            .map_err(|_| SyntaxError::invalid(span, format!("`{hms}` is not a time of day")))?;
        if !frac.is_empty() {
            if frac.len() > 9 {
                return Err(SyntaxError::invalid(
                    span,
                    "at most 9 digits after the seconds",
                ));
            }
            // Instants are kept in microseconds: finer digits would be cut, so they must be 0.
            if frac.bytes().skip(6).any(|b| b != b'0') {
                return Err(SyntaxError::invalid(
                    span,
                    "finer than a microsecond: at most 6 fractional digits (or zeros after them)",
                ));
            }
            let nanos: u32 = format!("{frac:0<9}")
                .parse()
                .map_err(|_| SyntaxError::invalid(span, "bad fraction of a second"))?;
            time = time
                .with_nanosecond(nanos)
                .ok_or_else(|| SyntaxError::invalid(span, "bad fraction of a second"))?;
        }
        let offset_seconds = match offset {
            Some(o) => Some(parse_offset(o).ok_or_else(|| {
                SyntaxError::invalid(span, "offsets range from -23:59 to +23:59")
            })?),
            None => None,
        };
        Ok(TimeLit {
            date,
            time: Some(time),
            fraction_digits: frac.len() as u8,
            has_seconds,
            offset_seconds,
        })
    }
}

use chrono::{Datelike, Timelike};

fn is_operator(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::or_op
            | Rule::and_op
            | Rule::not_op
            | Rule::neg_op
            | Rule::eq_op
            | Rule::ne_op
            | Rule::lt_op
            | Rule::le_op
            | Rule::gt_op
            | Rule::ge_op
            | Rule::in_op
            | Rule::not_in_op
            | Rule::is_some
            | Rule::is_none
            | Rule::add_op
            | Rule::sub_op
            | Rule::mul_op
    )
}

/// `+08:00` / `-05:30` / `Z` → seconds east of UTC.
pub fn parse_offset(s: &str) -> Option<i32> {
    if s == "Z" {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let h: i32 = s.get(1..3)?.parse().ok()?;
    let m: i32 = s.get(4..6)?.parse().ok()?;
    (h < 24 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// `48h` → microseconds.
fn duration(s: &str) -> Option<i64> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let n: i64 = s[..split].parse().ok()?;
    let unit: i64 = match &s[split..] {
        "d" => 86_400_000_000,
        "h" => 3_600_000_000,
        "min" => 60_000_000,
        "s" => 1_000_000,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// The depth of an expression tree (a leaf is 1), without recursion.
fn expr_depth<'e>(root: &'e Expr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(root, 1usize)];
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        let mut push = |c: &'e Expr| stack.push((c, d + 1));
        match &e.kind {
            ExprKind::Window(a, b) | ExprKind::Binary(_, a, b) => {
                push(a);
                push(b);
            }
            ExprKind::Set(items) | ExprKind::Call(_, items) => items.iter().for_each(push),
            ExprKind::Unary(_, a) | ExprKind::IsSome(a, _) => push(a),
            ExprKind::Quantifier { list, filter, .. } => {
                push(list);
                filter.iter().for_each(|f| push(f));
            }
            ExprKind::Extremum {
                body, list, filter, ..
            } => {
                push(body);
                push(list);
                filter.iter().for_each(|f| push(f));
            }
            ExprKind::Path(_)
            | ExprKind::Overridden
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Money(_)
            | ExprKind::Percent(_)
            | ExprKind::Duration(_)
            | ExprKind::Str(_)
            | ExprKind::Time(_)
            | ExprKind::Region(_)
            | ExprKind::Regions(_) => {}
        }
    }
    deepest
}
