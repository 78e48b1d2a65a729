use convex_auth_model::check::CheckFile;
#[test]
fn show() {
    let base = std::fs::read_to_string("../checks/happy-path.toml").unwrap();
    let cases = [
        ("ticks = 3", "ticks = \"x\""),
        ("ticks = 3", "ticks = 300"),
        ("ticks = 3", "ticks = -1"),
        ("ticks = 3", "ticks = 2.5"),
        ("ticks = 3", "ticks = 25"),
        ("ticks = 3", "tickz = 3"),
        ("ticks = 3", "ticks = 3\nticks = 4"),
        ("ticks = 3", "ticks = "),
        ("ticks = 3", "ticks = 3\nidp_refresh_buffer = 2"),
        ("adapter = \"workos-0.0.3\"", "adapter = \"nope\""),
        ("client = \"1.49.0\"", "client = \"1.0\""),
        ("stuck = \"holds\"", "stuck = \"hold\""),
        ("stuck = \"holds\"", "stuck = \"holds\"\nfoo = \"holds\""),
        ("stuck = \"holds\"", ""),
        ("name = \"happy-path\"", "name = \"..\""),
        ("name = \"happy-path\"", "nam = \"x\""),
        ("name = \"happy-path\"", "name = 3"),
        ("[scenario.bounds]", "[scenario.bound]"),
        (
            "[scenario.bounds]",
            "[scenario.switches]\ntoken_confirmation_retries = 9\n[scenario.bounds]",
        ),
        (
            "[scenario.bounds]",
            "[scenario.switches]\nexpect_auth = 9\n[scenario.bounds]",
        ),
        (
            "[scenario.bounds]",
            "[scenario.switches]\nfoo = 9\n[scenario.bounds]",
        ),
        ("[expect]", "[expect"),
        ("sources = [", "sources = 3\nx = ["),
        ("[scenario]", "[scenario]\n[scenario]"),
        ("mutation", "mutation"),
    ];
    for (from, to) in cases {
        let text = base.replacen(from, to, 1);
        println!(
            "{from:?} -> {to:?}\n    {}",
            CheckFile::parse(&text).err().unwrap_or("OK".into())
        );
    }
    println!("{}", CheckFile::parse("").unwrap_err());
    println!("{}", CheckFile::parse("\u{0}\u{1}garbage").unwrap_err());
}
