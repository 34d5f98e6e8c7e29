//! The embedded table: counts, special cases of the source data, full names.

use regions::{gazetteer, Form, Level};

#[test]
fn counts_per_level() {
    let g = gazetteer();
    assert_eq!(g.len(), 3347);
    assert_eq!(g.at_level(Level::Province).count(), 31);
    assert_eq!(g.at_level(Level::City).count(), 342);
    assert_eq!(g.at_level(Level::County).count(), 2974);
}

#[test]
fn codes_are_hierarchical() {
    let g = gazetteer();
    for r in g.regions() {
        assert_eq!(Level::of_code(r.code), r.level, "{}", r.code);
        match r.level {
            Level::Province => assert_eq!(r.parent, None),
            Level::City => assert_eq!(r.parent, Some(r.code / 10_000 * 10_000)),
            Level::County => assert_eq!(r.parent, Some(r.code / 100 * 100)),
        }
        let parent = r.parent.map(|p| g.get(p).map(|p| p.level));
        let expected = match r.level {
            Level::Province => None,
            Level::City => Some(Some(Level::Province)),
            Level::County => Some(Some(Level::City)),
        };
        assert_eq!(parent, expected, "{}", r.code);
    }
}

#[test]
fn cities_without_counties_have_no_duplicate_county_rows() {
    let g = gazetteer();
    for (code, name) in [
        (441900, "东莞市"),
        (442000, "中山市"),
        (460400, "儋州市"),
        (620200, "嘉峪关市"),
    ] {
        let r = g.get(code).expect("city exists");
        assert_eq!((r.name, r.level), (name, Level::City));
        assert_eq!(g.children(code).count(), 0, "{name} has no counties");
    }
    // 620201 (NBS 市辖区 of 嘉峪关市) is folded into the city.
    assert!(g.get(620201).is_none());
    assert_eq!(g.canonical_code(620201), Some(620200));
}

#[test]
fn placeholder_levels_are_omitted_from_full_names() {
    let g = gazetteer();
    let cases = [
        (110000, "北京市"),
        (110100, "北京市市辖区"),
        (110105, "北京市朝阳区"),
        (500229, "重庆市城口县"),
        (500200, "重庆市县"),
        (429000, "湖北省省直辖县级行政区划"),
        (429004, "湖北省仙桃市"),
        (659001, "新疆维吾尔自治区石河子市"),
        (150102, "内蒙古自治区呼和浩特市新城区"),
        (220202, "吉林省吉林市昌邑区"),
    ];
    for (code, full) in cases {
        assert_eq!(g.full_name(code).as_deref(), Some(full));
    }
    assert_eq!(g.full_name(999_999), None);
}

#[test]
fn every_full_name_is_unique_and_resolves_canonically() {
    let g = gazetteer();
    let mut seen = std::collections::HashSet::new();
    for r in g.regions() {
        let full = g.full_name(r.code).expect("known code");
        assert!(seen.insert(full.clone()), "duplicate full name {full}");
        let resolved = g.resolve(&full).expect("full name resolves");
        assert_eq!(
            (resolved.code, resolved.form),
            (r.code, Form::Canonical),
            "{full}"
        );
        assert_eq!(g.resolve_record(&full), Ok(r.code));
    }
}

#[test]
fn every_code_resolves() {
    let g = gazetteer();
    for r in g.regions() {
        let text = r.code.to_string();
        let resolved = g.resolve(&text).expect("code resolves");
        assert_eq!((resolved.code, resolved.form), (r.code, Form::Code));
        assert_eq!(g.resolve_record(&text), Ok(r.code));
    }
}

#[test]
fn every_official_name_resolves_or_is_ambiguous_including_it() {
    let g = gazetteer();
    for r in g.regions() {
        if matches!(
            r.name,
            "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划"
        ) {
            continue;
        }
        match g.resolve(r.name) {
            Ok(res) => assert_eq!(res.code, r.code, "{}", r.name),
            Err(regions::ResolveError::Ambiguous { candidates, .. }) => {
                let full = g.full_name(r.code).expect("known");
                assert!(
                    candidates.contains(&full),
                    "{} not among {candidates:?}",
                    r.name
                );
            }
            Err(e) => panic!("{}: {e}", r.name),
        }
    }
}

#[test]
fn ancestry_and_children() {
    let g = gazetteer();
    let chain: Vec<_> = g.ancestry(150424).iter().map(|r| r.name).collect();
    assert_eq!(chain, ["内蒙古自治区", "赤峰市", "林西县"]);
    let hubei_direct: Vec<_> = g.children(429000).map(|r| r.code).collect();
    assert_eq!(hubei_direct, [429004, 429005, 429006, 429021]);
    assert!(g.ancestry(1).is_empty());
}
