//! Arbitrary input never panics resolution.

use proptest::prelude::*;
use regions::gazetteer;

fn region_ish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "内蒙古",
        "自治区",
        "省",
        "市",
        "辖区",
        "(",
        "（",
        ")",
        "）",
        "全域",
        "/",
        " ",
        "北京",
        "朝阳区",
        "市辖区",
        "县",
        "吉林",
        "1",
        "0",
        "５",
        "\u{3000}",
        "🦀",
        "\u{301}",
        "",
        "鼓楼区",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn arbitrary_strings_do_not_panic(text in any::<String>()) {
        let g = gazetteer();
        let _ = g.resolve(&text);
        let _ = g.resolve_record(&text);
    }

    #[test]
    fn region_like_strings_do_not_panic(text in region_ish()) {
        let g = gazetteer();
        if let Ok(r) = g.resolve(&text) {
            prop_assert_eq!(g.full_name(r.code), Some(r.canonical.clone()));
            prop_assert_eq!(g.resolve(&r.canonical).map(|c| c.code), Ok(r.code));
        }
        let record = g.resolve_record(&text);
        prop_assert_eq!(record, g.resolve(&text).map(|r| r.code));
    }
}
