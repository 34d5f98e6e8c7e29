//! Verifying witnesses by evaluation: every record lint or diff shows is run through the
//! evaluator, and the claims made about it are checked against the verdicts it produces.

use ir::Program;
use serde_json::Value as Json;

/// The evaluation instant used for witnesses: far enough in the future that nothing is
/// `pending` because of it (2030-01-01 00:00:00 +08:00).
pub const AS_OF: i64 = 1_893_427_200_000_000;

/// One check's outcome for a record, in comparable form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// The check name.
    pub check: String,
    /// Its status.
    pub status: String,
    /// The deadline (`YYYY-MM-DD hh:mm:ss`), when there is one.
    pub deadline: Option<String>,
    /// The compensation, when owed.
    pub compensation: Option<String>,
    /// The deciding rule chain (rule ids).
    pub rules: Vec<String>,
}

/// Evaluates one record; the outcomes of the checks that apply, sorted by check name.
pub fn evaluate(p: &Program, record: &Json) -> Result<Vec<Outcome>, String> {
    Judge::new(p)?.outcomes(record)
}

/// A program prepared once for judging many records (witnesses, `diff --facts`).
pub struct Judge<'p> {
    p: &'p Program,
    ev: eval::Evaluator<'p>,
    scratch: std::cell::RefCell<eval::Scratch>,
}

impl<'p> Judge<'p> {
    /// Prepares `p` for evaluation.
    pub fn new(p: &'p Program) -> Result<Judge<'p>, String> {
        let ev = eval::Evaluator::new(p).map_err(|e| e.to_string())?;
        let scratch = std::cell::RefCell::new(ev.scratch());
        Ok(Judge { p, ev, scratch })
    }

    /// The outcomes of the checks that apply to `record`, sorted by check name.
    pub fn outcomes(&self, record: &Json) -> Result<Vec<Outcome>, String> {
        let rec = self.ev.decode(record).map_err(|e| e.to_string())?;
        Ok(self.outcomes_of(&rec))
    }

    /// As [`Judge::outcomes`], for a decoded record.
    pub fn outcomes_of(&self, rec: &eval::Record) -> Vec<Outcome> {
        let mut scratch = self.scratch.borrow_mut();
        let v = self.ev.evaluate(&mut scratch, rec, AS_OF);
        outcomes(self.p, &v)
    }

    /// The evaluator.
    pub fn evaluator(&self) -> &eval::Evaluator<'p> {
        &self.ev
    }
}

/// A verdict's findings in comparable form.
pub fn outcomes(p: &Program, v: &eval::Verdict) -> Vec<Outcome> {
    let rule = |r: &ir::RuleId| {
        p.rules
            .get(*r as usize)
            .map_or_else(String::new, |r| r.id.clone())
    };
    v.findings
        .iter()
        .map(|f| Outcome {
            check: p
                .checks
                .get(f.check as usize)
                .map_or_else(String::new, |c| c.name.clone()),
            status: f.status.name().to_string(),
            deadline: f.deadline.map(crate::render::instant),
            compensation: f.compensation.map(|c| c.normalize().to_string()),
            rules: v.rules(f).iter().map(rule).collect(),
        })
        .collect()
}

/// The evaluator as lint's witness verifier.
pub struct EvalVerifier;

impl crate::lint::Verifier for EvalVerifier {
    fn conflict(&self, p: &Program, record: &Json, check: &str) -> Option<bool> {
        let out = evaluate(p, record).ok()?;
        Some(
            out.iter()
                .any(|o| o.check == check && o.status == ir::Status::Conflict.name()),
        )
    }
}
