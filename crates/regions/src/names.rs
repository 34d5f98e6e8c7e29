//! Name forms of a division besides its official name.
//!
//! People write 内蒙古 for 内蒙古自治区, 遵义 for 遵义市, 恩施州 for
//! 恩施土家族苗族自治州. This module derives those short forms from the
//! official names by stripping administrative suffixes and ethnic
//! designations, and recognises the statistical placeholder "cities"
//! (市辖区, 县, 省直辖县级行政区划) that are omitted from canonical paths.

use crate::Level;

/// Ethnic designations as they appear inside autonomous-area names: with
/// 族, plus the few written bare (伊犁哈萨克自治州, 博尔塔拉蒙古自治州).
/// Stripping repeats until none matches, so order does not matter.
const ETHNIC: &[&str] = &[
    "柯尔克孜",
    "维吾尔",
    "哈萨克",
    "塔吉克",
    "蒙古",
    "锡伯",
    "达斡尔族",
    "鄂温克族",
    "哈萨克族",
    "蒙古族",
    "土家族",
    "仫佬族",
    "毛南族",
    "仡佬族",
    "布依族",
    "哈尼族",
    "拉祜族",
    "布朗族",
    "纳西族",
    "景颇族",
    "傈僳族",
    "独龙族",
    "普米族",
    "裕固族",
    "保安族",
    "东乡族",
    "撒拉族",
    "朝鲜族",
    "满族",
    "回族",
    "畲族",
    "苗族",
    "侗族",
    "瑶族",
    "壮族",
    "各族",
    "黎族",
    "羌族",
    "彝族",
    "藏族",
    "水族",
    "傣族",
    "佤族",
    "白族",
    "怒族",
    "土族",
];

/// Words marking NBS functional areas (开发区, 管理区 ...), which get no short form.
const FUNCTIONAL: &[&str] = &[
    "开发区",
    "园区",
    "管理区",
    "示范区",
    "实验区",
    "管委会",
    "委员会",
    "新城",
    "群岛",
    "海域",
];

/// Whether a prefecture-level name is a statistical placeholder rather than a
/// real prefecture: 市辖区 and 县 under the municipalities, and the
/// 省/自治区直辖县级行政区划 groups of directly administered counties.
pub(crate) fn is_placeholder(name: &str) -> bool {
    matches!(
        name,
        "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划"
    )
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Strip `suffix` from `name` if at least two characters remain.
fn strip<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    name.strip_suffix(suffix).filter(|base| char_len(base) >= 2)
}

/// Strip trailing ethnic designations (大理白族 → 大理, 东乡族 → 东乡).
fn strip_ethnic(mut base: &str) -> &str {
    'outer: loop {
        for ethnic in ETHNIC {
            if let Some(rest) = strip(base, ethnic) {
                base = rest;
                continue 'outer;
            }
        }
        break;
    }
    // A designation that is the whole name (东乡族 自治县) keeps its stem.
    strip(base, "族").unwrap_or(base)
}

/// The short forms of an official name at `level`, excluding the name itself.
///
/// Every returned form has at least two characters. The result is
/// deterministic and free of duplicates.
pub(crate) fn short_forms(name: &str, level: Level) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if s != name && char_len(&s) >= 2 && !out.contains(&s) {
            out.push(s);
        }
    };
    match level {
        Level::Province => {
            for suffix in ["自治区", "省", "市"] {
                if let Some(base) = strip(name, suffix) {
                    push(strip_ethnic(base).to_string());
                    break;
                }
            }
        }
        Level::City => {
            if is_placeholder(name) {
                return out;
            }
            if let Some(base) = strip(name, "自治州") {
                let base = strip_ethnic(base);
                push(base.to_string());
                push(format!("{base}州"));
            } else if let Some(base) = ["地区", "市", "盟"].iter().find_map(|s| strip(name, s))
            {
                push(base.to_string());
            }
        }
        Level::County => {
            if FUNCTIONAL.iter().any(|w| name.contains(w)) {
                return out;
            }
            for (suffix, colloquial) in [("自治县", "县"), ("自治旗", "旗")] {
                if let Some(base) = strip(name, suffix) {
                    let base = strip_ethnic(base);
                    push(base.to_string());
                    push(format!("{base}{colloquial}"));
                    return out;
                }
            }
            let suffixes = ["林区", "特区", "新区", "区", "县", "市", "旗"];
            if let Some(base) = suffixes.iter().find_map(|s| strip(name, s)) {
                push(base.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_short_forms() {
        let cases = [
            ("内蒙古自治区", "内蒙古"),
            ("广西壮族自治区", "广西"),
            ("西藏自治区", "西藏"),
            ("宁夏回族自治区", "宁夏"),
            ("新疆维吾尔自治区", "新疆"),
            ("北京市", "北京"),
            ("黑龙江省", "黑龙江"),
        ];
        for (name, short) in cases {
            assert_eq!(short_forms(name, Level::Province), vec![short], "{name}");
        }
    }

    #[test]
    fn city_and_county_short_forms() {
        let cases: [(&str, Level, &[&str]); 10] = [
            ("遵义市", Level::City, &["遵义"]),
            ("阿拉善盟", Level::City, &["阿拉善"]),
            ("阿里地区", Level::City, &["阿里"]),
            ("恩施土家族苗族自治州", Level::City, &["恩施", "恩施州"]),
            ("伊犁哈萨克自治州", Level::City, &["伊犁", "伊犁州"]),
            ("市辖区", Level::City, &[]),
            ("东乡族自治县", Level::County, &["东乡", "东乡县"]),
            ("鄂温克族自治旗", Level::County, &["鄂温克", "鄂温克旗"]),
            ("浦东新区", Level::County, &["浦东"]),
            ("苏州工业园区", Level::County, &[]),
        ];
        for (name, level, expected) in cases {
            assert_eq!(short_forms(name, level), expected, "{name}");
        }
        assert!(short_forms("城区", Level::County).is_empty());
        assert!(short_forms("沛县", Level::County).is_empty());
    }
}
