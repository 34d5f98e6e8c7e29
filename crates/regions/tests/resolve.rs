//! Table-driven tests of every accepted region form and of the errors.

use regions::{gazetteer, Form, ResolveError};

/// (input, expected code, expected canonical name, expected form)
type Case = (&'static str, u32, &'static str, Form);

fn check(cases: &[Case]) {
    let g = gazetteer();
    for &(text, code, canonical, form) in cases {
        let r = g
            .resolve(text)
            .unwrap_or_else(|e| panic!("{text:?} did not resolve: {e}"));
        assert_eq!(
            (r.code, r.canonical.as_str(), r.form),
            (code, canonical, form),
            "{text:?}"
        );
        assert_eq!(g.resolve_record(text), Ok(code), "record {text:?}");
    }
}

#[test]
fn listed_regions() {
    use Form::*;
    check(&[
        ("贵州省遵义市", 520300, "贵州省遵义市", Canonical),
        (
            "内蒙古呼伦贝尔市",
            150700,
            "内蒙古自治区呼伦贝尔市",
            ShortForm,
        ),
        (
            "内蒙古呼和浩特市",
            150100,
            "内蒙古自治区呼和浩特市",
            ShortForm,
        ),
        ("内蒙古阿拉善盟", 152900, "内蒙古自治区阿拉善盟", ShortForm),
        ("宁夏银川市", 640100, "宁夏回族自治区银川市", ShortForm),
        ("甘肃省酒泉市", 620900, "甘肃省酒泉市", Canonical),
        (
            "甘肃省嘉峪关市(辖区)",
            620200,
            "甘肃省嘉峪关市",
            CityDistricts,
        ),
        (
            "新疆维吾尔自治区全域",
            650000,
            "新疆维吾尔自治区",
            WholeProvince,
        ),
        (
            "吉林省白山市临江市",
            220681,
            "吉林省白山市临江市",
            Canonical,
        ),
        (
            "吉林省吉林市昌邑区",
            220202,
            "吉林省吉林市昌邑区",
            Canonical,
        ),
        (
            "内蒙古自治区赤峰市林西县",
            150424,
            "内蒙古自治区赤峰市林西县",
            Canonical,
        ),
    ]);
}

#[test]
fn codes() {
    use Form::*;
    check(&[
        ("150102", 150102, "内蒙古自治区呼和浩特市新城区", Code),
        ("150000", 150000, "内蒙古自治区", Code),
        ("429000", 429000, "湖北省省直辖县级行政区划", Code),
        ("429004", 429004, "湖北省仙桃市", Code),
        (" 110105 ", 110105, "北京市朝阳区", Code),
        ("１５０１０２", 150102, "内蒙古自治区呼和浩特市新城区", Code),
        ("620201", 620200, "甘肃省嘉峪关市", Code),
    ]);
}

#[test]
fn canonical_names_at_each_level() {
    use Form::*;
    check(&[
        ("内蒙古自治区", 150000, "内蒙古自治区", Canonical),
        (
            "内蒙古自治区呼和浩特市",
            150100,
            "内蒙古自治区呼和浩特市",
            Canonical,
        ),
        (
            "内蒙古自治区呼和浩特市新城区",
            150102,
            "内蒙古自治区呼和浩特市新城区",
            Canonical,
        ),
        ("北京市", 110000, "北京市", Canonical),
        ("北京市朝阳区", 110105, "北京市朝阳区", Canonical),
        ("北京市市辖区", 110100, "北京市市辖区", Canonical),
        ("重庆市城口县", 500229, "重庆市城口县", Canonical),
        ("湖北省仙桃市", 429004, "湖北省仙桃市", Canonical),
        ("广东省东莞市", 441900, "广东省东莞市", Canonical),
        ("甘肃省嘉峪关市", 620200, "甘肃省嘉峪关市", Canonical),
    ]);
}

#[test]
fn paths_with_separators_or_partial() {
    use Form::*;
    check(&[
        (
            "内蒙古自治区 呼和浩特市",
            150100,
            "内蒙古自治区呼和浩特市",
            Path,
        ),
        (
            "内蒙古自治区/呼和浩特市/新城区",
            150102,
            "内蒙古自治区呼和浩特市新城区",
            Path,
        ),
        (
            "内蒙古自治区，呼和浩特市、新城区",
            150102,
            "内蒙古自治区呼和浩特市新城区",
            Path,
        ),
        (
            "内蒙古自治区 > 呼和浩特市 - 新城区",
            150102,
            "内蒙古自治区呼和浩特市新城区",
            Path,
        ),
        (
            "呼和浩特市新城区",
            150102,
            "内蒙古自治区呼和浩特市新城区",
            Path,
        ),
        ("遵义市", 520300, "贵州省遵义市", Path),
        ("仙桃市", 429004, "湖北省仙桃市", Path),
        ("东莞市", 441900, "广东省东莞市", Path),
        ("中山市", 442000, "广东省中山市", Path),
        ("儋州市", 460400, "海南省儋州市", Path),
        ("嘉峪关市", 620200, "甘肃省嘉峪关市", Path),
        ("北京市市辖区朝阳区", 110105, "北京市朝阳区", Path),
        (
            "湖北省省直辖县级行政区划仙桃市",
            429004,
            "湖北省仙桃市",
            Path,
        ),
        ("吉林省昌邑区", 220202, "吉林省吉林市昌邑区", Path),
        (" 北京市朝阳区 ", 110105, "北京市朝阳区", Path),
        ("林西县", 150424, "内蒙古自治区赤峰市林西县", Path),
    ]);
}

#[test]
fn short_forms() {
    use Form::*;
    check(&[
        ("内蒙古", 150000, "内蒙古自治区", ShortForm),
        ("广西", 450000, "广西壮族自治区", ShortForm),
        ("西藏", 540000, "西藏自治区", ShortForm),
        ("新疆", 650000, "新疆维吾尔自治区", ShortForm),
        ("宁夏", 640000, "宁夏回族自治区", ShortForm),
        ("北京", 110000, "北京市", ShortForm),
        ("遵义", 520300, "贵州省遵义市", ShortForm),
        ("呼和浩特", 150100, "内蒙古自治区呼和浩特市", ShortForm),
        (
            "内蒙古/呼和浩特市",
            150100,
            "内蒙古自治区呼和浩特市",
            ShortForm,
        ),
        (
            "内蒙古呼和浩特新城区",
            150102,
            "内蒙古自治区呼和浩特市新城区",
            ShortForm,
        ),
        ("贵州遵义", 520300, "贵州省遵义市", ShortForm),
        ("北京 朝阳区", 110105, "北京市朝阳区", ShortForm),
        ("恩施州", 422800, "湖北省恩施土家族苗族自治州", ShortForm),
        ("延边", 222400, "吉林省延边朝鲜族自治州", ShortForm),
        ("阿里", 542500, "西藏自治区阿里地区", ShortForm),
        (
            "东乡县",
            622926,
            "甘肃省临夏回族自治州东乡族自治县",
            ShortForm,
        ),
        ("浦东", 310115, "上海市浦东新区", ShortForm),
        // Ties between levels go to the higher level.
        ("吉林", 220000, "吉林省", ShortForm),
        ("海南", 460000, "海南省", ShortForm),
        ("和田", 653200, "新疆维吾尔自治区和田地区", ShortForm),
    ]);
}

#[test]
fn whole_province_and_city_districts() {
    use Form::*;
    check(&[
        (
            "新疆维吾尔自治区全域",
            650000,
            "新疆维吾尔自治区",
            WholeProvince,
        ),
        ("新疆全域", 650000, "新疆维吾尔自治区", WholeProvince),
        ("内蒙古自治区全域", 150000, "内蒙古自治区", WholeProvince),
        (
            "甘肃省嘉峪关市辖区",
            620200,
            "甘肃省嘉峪关市",
            CityDistricts,
        ),
        (
            "甘肃省嘉峪关市(辖区)",
            620200,
            "甘肃省嘉峪关市",
            CityDistricts,
        ),
        (
            "甘肃省嘉峪关市（辖区）",
            620200,
            "甘肃省嘉峪关市",
            CityDistricts,
        ),
        ("嘉峪关市（辖区）", 620200, "甘肃省嘉峪关市", CityDistricts),
        ("嘉峪关市辖区", 620200, "甘肃省嘉峪关市", CityDistricts),
        ("遵义市辖区", 520300, "贵州省遵义市", CityDistricts),
        ("北京市辖区", 110100, "北京市市辖区", CityDistricts),
        ("北京市(辖区)", 110100, "北京市市辖区", CityDistricts),
    ]);
}

fn candidates(text: &str) -> Vec<String> {
    match gazetteer().resolve(text) {
        Err(ResolveError::Ambiguous {
            text: t,
            candidates,
        }) => {
            assert_eq!(t, text);
            candidates
        }
        other => panic!("{text:?} should be ambiguous, got {other:?}"),
    }
}

#[test]
fn ambiguous_names_list_candidates_in_code_order() {
    assert_eq!(candidates("朝阳区"), ["北京市朝阳区", "吉林省长春市朝阳区"]);
    assert_eq!(
        candidates("鼓楼区"),
        [
            "江苏省南京市鼓楼区",
            "江苏省徐州市鼓楼区",
            "福建省福州市鼓楼区",
            "河南省开封市鼓楼区"
        ]
    );
    assert_eq!(
        candidates("新城区"),
        ["内蒙古自治区呼和浩特市新城区", "陕西省西安市新城区"]
    );
    assert_eq!(candidates("江苏鼓楼区").len(), 2);
    let e = gazetteer().resolve("朝阳区").unwrap_err();
    assert_eq!(
        e.to_string(),
        "\"朝阳区\" is ambiguous: 北京市朝阳区, 吉林省长春市朝阳区"
    );
    assert!(gazetteer().resolve_record("鼓楼区").is_err());
    // A disambiguating path resolves.
    assert_eq!(gazetteer().resolve_record("北京市朝阳区"), Ok(110105));
    assert_eq!(gazetteer().resolve_record("长春市朝阳区"), Ok(220104));
    assert_eq!(gazetteer().resolve_record("福建鼓楼区"), Ok(350102));
}

fn unknown(text: &str) -> Vec<String> {
    match gazetteer().resolve(text) {
        Err(ResolveError::Unknown { suggestions, .. }) => suggestions,
        other => panic!("{text:?} should be unknown, got {other:?}"),
    }
}

#[test]
fn unknown_names_get_nearest_suggestions() {
    assert_eq!(unknown("遵叉市")[0], "贵州省遵义市");
    assert_eq!(unknown("贵州省遵叉市")[0], "贵州省遵义市");
    assert_eq!(
        unknown("内蒙古自治区呼和浩特市新成区")[0],
        "内蒙古自治区呼和浩特市新城区"
    );
    assert!(unknown("遵叉市").len() <= 3);
    assert_eq!(unknown("xyz"), Vec::<String>::new());
    assert_eq!(unknown("(((").len(), 0);
    // A region that is not below the preceding one.
    assert!(!unknown("贵州省临江市").is_empty());
    // Placeholders only count right after their province.
    assert!(!unknown("市辖区").is_empty());
    let e = gazetteer().resolve("遵叉市").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("unknown region \"遵叉市\"; did you mean 贵州省遵义市"),
        "{e}"
    );
    // Deterministic.
    assert_eq!(unknown("贵州省遵叉市"), unknown("贵州省遵叉市"));
}

#[test]
fn codes_must_be_real() {
    let g = gazetteer();
    for text in ["999999", "150199", "110000 ", "000000"] {
        if text.trim() == "110000" {
            assert_eq!(g.resolve_record(text), Ok(110000));
            continue;
        }
        assert!(
            matches!(g.resolve_record(text), Err(ResolveError::Unknown { .. })),
            "{text}"
        );
        assert!(g.resolve(text).is_err(), "{text}");
    }
    for text in ["15010", "1501022", "15O102", "+150102"] {
        assert!(g.resolve_record(text).is_err(), "{text}");
    }
}

#[test]
fn empty_and_odd_inputs() {
    let g = gazetteer();
    for text in ["", "   ", "\u{3000}", "\t\n"] {
        assert_eq!(g.resolve(text), Err(ResolveError::Empty), "{text:?}");
        assert_eq!(g.resolve_record(text), Err(ResolveError::Empty), "{text:?}");
    }
    for text in [
        "(((",
        "///",
        "全域",
        "辖区",
        "(辖区)",
        "市辖区全域",
        "\u{0}",
        "🦀",
        "北京市\u{200d}",
    ] {
        assert!(g.resolve(text).is_err(), "{text:?}");
    }
    let huge = "北京市".repeat(100_000);
    match g.resolve(&huge) {
        Err(ResolveError::Unknown { text, .. }) => assert!(text.chars().count() <= 81),
        other => panic!("{other:?}"),
    }
}

#[test]
fn record_fields_accept_all_forms() {
    let g = gazetteer();
    let cases = [
        ("150102", 150102),
        ("内蒙古自治区呼和浩特市新城区", 150102),
        ("内蒙古 呼和浩特 新城区", 150102),
        ("湖北省仙桃市", 429004),
        ("嘉峪关市", 620200),
        ("新疆全域", 650000),
    ];
    for (text, code) in cases {
        assert_eq!(g.resolve_record(text), Ok(code), "{text}");
    }
}
