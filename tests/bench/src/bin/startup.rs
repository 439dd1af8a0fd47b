//! Startup time: runs a server command N times and reports how long each took from exec to its
//! first stdout line starting with `listening on`, then kills it.
//! usage: startup RUNS PROGRAM [ARGS...]   prints one line per run (ms), then `median_ms X`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|n| n.parse().ok()).expect("usage: startup RUNS PROGRAM [ARGS...]");
    let program = args.next().expect("usage: startup RUNS PROGRAM [ARGS...]");
    let rest: Vec<String> = args.collect();
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let mut child = Command::new(&program)
            .args(&rest)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("read stdout");
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let _ = child.kill();
        let _ = child.wait();
        assert!(line.starts_with("listening on"), "unexpected first line: {line:?}");
        println!("{ms:.2}");
        times.push(ms);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!("median_ms {:.2}", times[times.len() / 2]);
}
