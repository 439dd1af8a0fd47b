//! Running the binary out of threads and descriptors: a user of its own under a thread limit
//! (`RLIMIT_NPROC`, which the kernel does not enforce for root), the tasks a user runs, and the
//! server's own connections to its port (the ones occupying tiny_http's pool, quirk Q1).

use std::collections::HashSet;
use std::process::Command;

use super::Binary;
use super::hostile::Watch;

/// The real uid of a process, from /proc.
pub(crate) fn uid_of(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process alive");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("a Uid line")
}

/// Threads run by `uid` in all processes: what `RLIMIT_NPROC` counts.
pub(crate) fn tasks_of(uid: u32) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().next())
                .is_some_and(|v| v.parse() == Ok(uid))
        })
        .filter_map(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
        })
        .sum()
}

/// A server that the OS can refuse threads to. As root (whom `RLIMIT_NPROC` does not bind),
/// the binary runs as a user of its own, a uid nobody else uses (`setpriv`); otherwise as the
/// test's own user, and its limit is then shared with everything that user runs.
pub(crate) struct Limited {
    pub watch: Watch,
    /// `Some(uid)` when the binary runs as a user of its own.
    own_user: Option<u32>,
}

impl Limited {
    pub(crate) fn start(args: &[&str]) -> Limited {
        let root = uid_of(std::process::id()) == 0;
        let own_user = root.then(|| 200_000 + std::process::id() % 100_000);
        let mut command = match own_user {
            Some(uid) => {
                let mut command = Command::new("setpriv");
                command
                    .args(as_user(uid))
                    .arg(env!("CARGO_BIN_EXE_oaimock"));
                command
            }
            None => Command::new(env!("CARGO_BIN_EXE_oaimock")),
        };
        command.args(["--port", "0", "--quiet"]).args(args);
        let watch = Watch::baseline(Binary::spawn(command));
        if let Some(uid) = own_user {
            assert_eq!(uid_of(watch.pid()), uid, "setpriv changed the user");
        }
        Limited { watch, own_user }
    }

    /// Threads the server's user runs now, in every process.
    pub(crate) fn tasks(&self) -> usize {
        tasks_of(uid_of(self.watch.pid()))
    }

    /// Sets the server's soft `RLIMIT_NPROC` (`prlimit --pid`, run as the server's user, who may
    /// lower and raise a soft limit without privileges).
    pub(crate) fn limit_threads(&self, limit: &str) {
        let mut command = match self.own_user {
            Some(uid) => {
                let mut command = Command::new("setpriv");
                command.args(as_user(uid)).arg("prlimit");
                command
            }
            None => Command::new("prlimit"),
        };
        let status = command
            .args(["--pid", &self.watch.pid().to_string()])
            .arg(format!("--nproc={limit}:"))
            .status()
            .expect("prlimit runs");
        assert!(status.success(), "prlimit --nproc={limit}: failed");
    }

    /// The server's soft `RLIMIT_NPROC` as /proc shows it ("unlimited" or a number).
    pub(crate) fn thread_limit(&self) -> String {
        let limits = std::fs::read_to_string(format!("/proc/{}/limits", self.watch.pid()))
            .expect("process alive");
        limits
            .lines()
            .find_map(|l| l.strip_prefix("Max processes"))
            .and_then(|v| v.split_whitespace().next())
            .expect("a Max processes line")
            .to_string()
    }
}

fn as_user(uid: u32) -> [String; 3] {
    [
        format!("--reuid={uid}"),
        format!("--regid={uid}"),
        "--clear-groups".to_string(),
    ]
}

/// Connections the server has open to its own port as a client, from /proc: at rest, the four
/// that occupy tiny_http's permanent pool threads (quirk Q1).
pub(crate) fn own_connections(watch: &Watch) -> usize {
    let pid = watch.pid();
    let inodes: HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("process alive")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_str()?;
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect();
    let port = format!("{:04X}", watch.addr().port());
    ["tcp", "tcp6"]
        .iter()
        .filter_map(|t| std::fs::read_to_string(format!("/proc/{pid}/net/{t}")).ok())
        .flat_map(|table| {
            table
                .lines()
                .skip(1)
                .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        })
        .filter(|f| {
            f.len() > 9
                && f[2].rsplit(':').next() == Some(port.as_str())
                && f[3] == "01"
                && inodes.contains(&f[9])
        })
        .count()
}
