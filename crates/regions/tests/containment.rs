//! Containment over the real hierarchy: RegionSet ranges agree with the
//! gazetteer for every county.

use regions::{gazetteer, Level, RegionSet};

#[test]
fn every_county_is_in_its_city_and_province_only() {
    let g = gazetteer();
    let provinces: Vec<(u32, RegionSet)> = g
        .at_level(Level::Province)
        .map(|p| (p.code, RegionSet::new([p.code])))
        .collect();
    let mut checked = 0;
    for county in g.at_level(Level::County) {
        let city = county.parent.expect("county has a city");
        let province = g
            .get(city)
            .and_then(|c| c.parent)
            .expect("city has a province");
        assert!(
            RegionSet::new([city]).contains(county.code),
            "{} in {city}",
            county.code
        );
        assert!(g.contains(city, county.code));
        assert!(g.contains(province, county.code));
        for (code, set) in &provinces {
            assert_eq!(
                set.contains(county.code),
                *code == province,
                "{} vs {code}",
                county.code
            );
            assert_eq!(g.contains(*code, county.code), *code == province);
        }
        checked += 1;
    }
    assert_eq!(checked, 2974);
}

#[test]
fn every_city_set_matches_the_hierarchy_exactly() {
    let g = gazetteer();
    for city in g.at_level(Level::City) {
        let set = RegionSet::new([city.code]);
        for r in g.regions() {
            assert_eq!(
                set.contains(r.code),
                g.contains(city.code, r.code),
                "{} / {}",
                city.code,
                r.code
            );
        }
    }
}

#[test]
fn special_cities() {
    let g = gazetteer();
    // 省直辖县级行政区划 429000 covers 429000..=429099 only.
    let direct = RegionSet::new([429000]);
    assert_eq!(direct.ranges(), &[(429000, 429099)]);
    for code in [429004, 429005, 429006, 429021] {
        assert!(direct.contains(code));
        assert!(g.contains(420000, code));
    }
    assert!(!direct.contains(420102));
    // Municipality: 北京市 ⊇ 市辖区 ⊇ 朝阳区.
    assert!(RegionSet::new([110100]).contains(110105));
    assert!(RegionSet::new([110000]).contains(110105));
    assert!(g.contains(110000, 110105) && g.contains(110100, 110105));
    // Cities without counties contain themselves.
    for code in [441900, 442000, 460400, 620200] {
        assert!(RegionSet::new([code]).contains(code));
        assert!(g.contains(code, code));
    }
    // 620201 (record alias of 嘉峪关市) falls inside the city's range too.
    assert!(RegionSet::new([620200]).contains(620201));
    assert!(!g.contains(110105, 110000));
    assert!(!g.contains(110000, 999_999));
}

#[test]
fn policy_regions_to_sets() {
    let g = gazetteer();
    let texts = [
        "新疆维吾尔自治区全域",
        "甘肃省嘉峪关市(辖区)",
        "内蒙古阿拉善盟",
        "吉林省白山市临江市",
    ];
    let codes: Vec<u32> = texts.iter().map(|t| g.resolve(t).expect(t).code).collect();
    let set = RegionSet::new(codes);
    assert!(set.contains(659001)); // 石河子市
    assert!(set.contains(620200));
    assert!(set.contains(152921)); // 阿拉善左旗
    assert!(set.contains(220681));
    assert!(!set.contains(220602));
    assert!(!set.contains(150102));
}
