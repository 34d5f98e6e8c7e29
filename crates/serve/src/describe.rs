//! `GET /v1/policies`: what the set in service is, read from its program.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::state::Loaded;

/// The set's description: hash, load time, announcements (publication, effective window,
/// the clauses their rules cite), checks.
pub fn policies(loaded: &Loaded) -> Value {
    let p = loaded.policies.program();
    let instant = |us: i64| edict::Instant::from_micros(us).to_string();
    // Clauses cited, by announcement (a rule's id is `announcement.label`).
    let mut cited: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &p.rules {
        if let (Some(ns), Some(clause)) = (r.id.split('.').next(), r.origin.clause.as_deref()) {
            cited.entry(ns).or_default().insert(clause);
        }
    }
    let announcements: Vec<Value> = p
        .announcements
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "title": a.title,
                "file": a.file,
                "published": a.published.map(instant),
                "published_approximate": a.published_approximate,
                "effective": a.effective.map(|(from, to)| json!({"from": instant(from), "to": instant(to)})),
                "retroactive": a.retroactive,
                "source": a.source,
                "citations": cited.get(a.id.as_str()).map_or_else(Vec::new, |c| c.iter().copied().collect()),
            })
        })
        .collect();
    let checks: Vec<Value> = p
        .checks
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "kind": p.kinds.get(c.kind as usize).map(|k| k.name.as_str()),
                "announcement": c.file_id,
                "file": c.origin.file,
                "line": c.origin.line,
            })
        })
        .collect();
    json!({
        "loaded": true,
        "hash": &*loaded.hash,
        "loaded_at": loaded.loaded_at,
        "announcements": announcements,
        "checks": checks,
        "kinds": p.kinds.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
        "rules": p.rules.len(),
        "rules_as_of": "not supported yet: the language has no rule versions to select",
    })
}
