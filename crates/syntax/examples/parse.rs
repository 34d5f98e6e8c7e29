//! Parses policy files and prints the first syntax error of each (a development aid;
//! `edict check` is the real command).
fn main() {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                failed = true;
                continue;
            }
        };
        let mut map = syntax::SourceMap::new();
        let id = map.add(path.clone(), text.clone());
        match syntax::parse(id, &text) {
            Ok(f) => println!("{path}: {} items", f.items.len()),
            Err(e) => {
                let d = e.to_diagnostic();
                println!(
                    "{}: {} {}: {}",
                    map.locate(d.primary.span),
                    d.code,
                    d.message,
                    d.primary.message
                );
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
