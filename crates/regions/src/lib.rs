//! Mainland China administrative divisions for Edict policies.
//!
//! This crate owns the province / prefecture ("city") / county tables of the
//! People's Republic of China (NBS 2023 statistical division codes, taken from
//! the `china-division` 2.7.0 package, see `data/README.md`), embedded in the
//! binary and parsed lazily on first use. On top of the table it offers:
//!
//! * [`Gazetteer`]: lookup by code, canonical full names, hierarchy queries
//!   and resolution of region literals ([`Gazetteer::resolve`]) and record
//!   fields ([`Gazetteer::resolve_record`]);
//! * [`RegionSet`]: a set of regions compiled to sorted, merged code ranges
//!   with exact set algebra, for fast containment checks at evaluation time.
//!
//! ```
//! use regions::{gazetteer, Form, RegionSet};
//!
//! let g = gazetteer();
//! let r = g.resolve("内蒙古呼和浩特市").unwrap();
//! assert_eq!(r.canonical, "内蒙古自治区呼和浩特市");
//! assert_eq!(r.form, Form::ShortForm);
//!
//! let set = RegionSet::new([r.code]);
//! assert!(set.contains(g.resolve_record("150102").unwrap()));
//! ```

mod data;
mod error;
mod gazetteer;
mod names;
mod resolve;
mod set;

pub use error::ResolveError;
pub use gazetteer::{gazetteer, Gazetteer};
pub use resolve::{Form, Resolved};
pub use set::{code_range, RegionSet};

use serde::{Deserialize, Serialize};

/// A 6-digit GB/T 2260-style division code, e.g. `150102` (呼和浩特市新城区).
///
/// Codes are hierarchical: `PP0000` is a province, `PPCC00` a prefecture-level
/// division ("city") of province `PP`, and `PPCCXX` (`XX != 00`) a county-level
/// division of city `PPCC00`.
pub type Code = u32;

/// The administrative level of a [`Region`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// Province-level: 省, 自治区, 直辖市 (e.g. 北京市, 内蒙古自治区).
    Province,
    /// Prefecture-level: 地级市, 地区, 自治州, 盟, plus the statistical
    /// placeholders 市辖区 / 县 (municipalities) and 省直辖县级行政区划.
    City,
    /// County-level: 市辖区, 县, 县级市, 旗, 自治县, 林区, 特区 and NBS
    /// functional areas (开发区, 管理区 ...).
    County,
}

impl Level {
    /// The level a code has by its shape (`PP0000`, `PPCC00`, otherwise county).
    pub fn of_code(code: Code) -> Level {
        if code % 10_000 == 0 {
            Level::Province
        } else if code % 100 == 0 {
            Level::City
        } else {
            Level::County
        }
    }
}

/// One administrative division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Region {
    /// The division's code.
    pub code: Code,
    /// The division's own official name, e.g. `新城区` (not the full path).
    pub name: &'static str,
    /// Its level.
    pub level: Level,
    /// The enclosing division (`None` for provinces).
    pub parent: Option<Code>,
}
