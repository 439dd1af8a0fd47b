//! What every hostile-input test asserts, around the real binary: before the attack a baseline
//! (threads, descriptors, RSS); during it, a normal request answered within a second; after it,
//! the process alive, threads and descriptors back to the baseline, and the peak RSS no more than
//! 64 MiB plus four times the attack's own bytes above it.

use std::time::{Duration, Instant};

use super::{Binary, chat_body, post};

/// How far RSS may rise for one attack, besides four times the attack's bytes.
const RSS_ALLOWANCE_KIB: u64 = 64 * 1024;
/// How long threads and descriptors may take to come back: idle pool threads and workers retire
/// after 5 s, a replaced accept loop after 10 s idle.
const SETTLE: Duration = Duration::from_secs(30);

/// A server under attack and its baseline.
pub(crate) struct Watch {
    pub binary: Binary,
    threads: usize,
    fds: usize,
    rss_kib: u64,
}

fn status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process alive");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

impl Watch {
    /// Starts the binary with `--quiet` and `args`, warms it up, and takes the baseline.
    pub(crate) fn start(args: &[&str]) -> Watch {
        let mut all = vec!["--quiet"];
        all.extend_from_slice(args);
        Watch::baseline(Binary::start(&all))
    }

    /// Like `start`, under a limit of `nofile` open descriptors.
    pub(crate) fn start_limited(nofile: u32, args: &[&str]) -> Watch {
        let mut all = vec!["--quiet"];
        all.extend_from_slice(args);
        Watch::baseline(Binary::start_limited(nofile, &all))
    }

    pub(crate) fn baseline(binary: Binary) -> Watch {
        let mut watch = Watch {
            binary,
            threads: 0,
            fds: 0,
            rss_kib: 0,
        };
        // Two at a time, so tiny_http's pool has grown as far as one request beside another
        // takes it: the baseline is then the same whenever it is read.
        for _ in 0..10 {
            std::thread::scope(|s| {
                s.spawn(|| watch.answers_within(Duration::from_secs(5)));
                watch.answers_within(Duration::from_secs(5));
            });
        }
        watch.threads = watch.threads();
        watch.fds = watch.fds();
        watch.rss_kib = watch.reset_peak();
        watch
    }

    /// Resets the peak RSS to the current RSS (`clear_refs` 5) and returns it, so the next attack
    /// is measured from here.
    fn reset_peak(&self) -> u64 {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").expect("clear_refs");
        self.peak_rss_kib()
    }

    pub(crate) fn url(&self) -> &str {
        &self.binary.url
    }

    pub(crate) fn addr(&self) -> std::net::SocketAddr {
        self.binary
            .url
            .trim_start_matches("http://")
            .parse()
            .expect("an address")
    }

    pub(crate) fn pid(&self) -> u32 {
        self.binary.child.id()
    }

    pub(crate) fn threads(&self) -> usize {
        self.binary.threads()
    }

    pub(crate) fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .expect("process alive")
            .count()
    }

    /// The highest RSS the process has had (VmHWM), in KiB.
    pub(crate) fn peak_rss_kib(&self) -> u64 {
        status_field(self.pid(), "VmHWM:")
    }

    /// Asserts that a normal chat request gets the right answer within `limit`.
    pub(crate) fn answers_within(&self, limit: Duration) {
        let started = Instant::now();
        let got = post(
            &format!("{}/v1/chat/completions", self.url()),
            &chat_body("still fine", ""),
        );
        let took = started.elapsed();
        assert_eq!(got.status, 200, "{}", got.body);
        assert!(
            got.body.contains("echo your last message: still fine"),
            "{}",
            got.body
        );
        assert!(took <= limit, "a normal request took {took:?}");
    }

    /// Asserts that a normal chat request gets, within `limit`, either the right answer or a 503
    /// in OpenAI's envelope (a server out of threads or descriptors may refuse, never hang).
    /// Returns the status.
    pub(crate) fn answers_or_refuses_within(&self, limit: Duration) -> u16 {
        let started = Instant::now();
        let got = post(
            &format!("{}/v1/chat/completions", self.url()),
            &chat_body("still fine", ""),
        );
        let took = started.elapsed();
        assert!(took <= limit, "a normal request took {took:?}");
        match got.status {
            200 => assert!(
                got.body.contains("echo your last message: still fine"),
                "{}",
                got.body
            ),
            503 => {
                assert_eq!(got.error()["code"], "server_is_overloaded", "{}", got.body);
                assert_eq!(got.header("retry-after"), Some("1"));
            }
            other => panic!("status {other}: {}", got.body),
        }
        got.status
    }

    /// Asserts that the attack is over for the server: it answers within a second, its threads
    /// and descriptors come back to the baseline, and its peak RSS rose by at most 64 MiB plus
    /// four times `attack_bytes`. Returns the rise in KiB, for the report.
    pub(crate) fn settles(&mut self, attack_bytes: usize) -> u64 {
        assert!(
            self.binary.child.try_wait().expect("waitable").is_none(),
            "the server died"
        );
        self.answers_within(Duration::from_secs(1));
        let deadline = Instant::now() + SETTLE;
        loop {
            let (threads, fds) = (self.threads(), self.fds());
            if threads <= self.threads && fds <= self.fds {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "threads {threads} (baseline {}), descriptors {fds} (baseline {})",
                self.threads,
                self.fds
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let rise = self.peak_rss_kib().saturating_sub(self.rss_kib);
        let allowed = RSS_ALLOWANCE_KIB + 4 * attack_bytes as u64 / 1024;
        assert!(
            rise <= allowed,
            "peak RSS rose {rise} KiB, allowed {allowed} KiB"
        );
        self.rss_kib = self.reset_peak();
        rise
    }
}
