//! The standard process metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`,
//! ...), read from `/proc/self` on Linux at each scrape and written as Prometheus text by
//! [`exposition`], with their standard types (`process_cpu_seconds_total` is a counter: the
//! recorder's counters hold integers only). Elsewhere they are simply absent.

use std::{fmt::Write as _, sync::OnceLock};

use super::names::{
    PROCESS_CPU_SECONDS_TOTAL, PROCESS_MAX_FDS, PROCESS_OPEN_FDS, PROCESS_RESIDENT_MEMORY_BYTES,
    PROCESS_START_TIME_SECONDS, PROCESS_VIRTUAL_MEMORY_BYTES,
};

/// This process's figures as Prometheus text (empty where `/proc` is not there).
pub(super) fn exposition() -> String {
    let Some(p) = read() else {
        return String::new();
    };
    #[allow(
        clippy::cast_precision_loss,
        reason = "metric values: counts and sizes far below 2^52"
    )]
    let f = |n: u64| n as f64;
    let rows: [(&str, &str, &str, f64); 6] = [
        (
            PROCESS_CPU_SECONDS_TOTAL,
            "counter",
            "User and system CPU time, in seconds.",
            p.cpu_seconds,
        ),
        (
            PROCESS_RESIDENT_MEMORY_BYTES,
            "gauge",
            "Resident memory, in bytes.",
            f(p.resident_bytes),
        ),
        (
            PROCESS_VIRTUAL_MEMORY_BYTES,
            "gauge",
            "Virtual memory, in bytes.",
            f(p.virtual_bytes),
        ),
        (
            PROCESS_OPEN_FDS,
            "gauge",
            "Open file descriptors.",
            f(p.open_fds),
        ),
        (
            PROCESS_MAX_FDS,
            "gauge",
            "The open file descriptor limit.",
            f(p.max_fds),
        ),
        (
            PROCESS_START_TIME_SECONDS,
            "gauge",
            "Process start time, in seconds since the Unix epoch.",
            p.start_time_seconds,
        ),
    ];
    let mut out = String::new();
    for (name, kind, help, value) in rows {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n\n"
        );
    }
    out
}

/// One reading.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct ProcessStats {
    /// User and system CPU time, in seconds.
    pub(super) cpu_seconds: f64,
    /// Resident memory, in bytes.
    pub(super) resident_bytes: u64,
    /// Virtual memory, in bytes.
    pub(super) virtual_bytes: u64,
    /// Open file descriptors.
    pub(super) open_fds: u64,
    /// The soft limit on open file descriptors.
    pub(super) max_fds: u64,
    /// Start time, in seconds since the Unix epoch.
    pub(super) start_time_seconds: f64,
}

/// `/proc` reports CPU times in clock ticks of USER_HZ, which Linux fixes at 100 for userspace.
const TICKS_PER_SECOND: f64 = 100.0;

/// Read this process's figures; `None` where `/proc` is not there.
pub(super) fn read() -> Option<ProcessStats> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Field numbers of proc(5) minus 3 (pid and comm are gone, and it counts from 1).
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let cpu_seconds = (num(11) + num(12)) / TICKS_PER_SECOND;
    let start_ticks = num(19);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map_or(0, |k| k * 1024)
    };
    let open_fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64);
    let max_fds = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        })
        .unwrap_or(0);
    Some(ProcessStats {
        cpu_seconds,
        resident_bytes: kib("VmRSS:"),
        virtual_bytes: kib("VmSize:"),
        open_fds,
        max_fds,
        start_time_seconds: boot_time() + start_ticks / TICKS_PER_SECOND,
    })
}

fn boot_time() -> f64 {
    static BOOT: OnceLock<f64> = OnceLock::new();
    *BOOT.get_or_init(|| {
        std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("btime "))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(0.0)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn the_exposition_types_cpu_time_as_a_counter() {
        let text = super::exposition();
        assert!(
            text.contains("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total "),
            "{text}"
        );
        assert!(text.contains("# TYPE process_open_fds gauge\n"), "{text}");
        assert_eq!(text.matches("# TYPE ").count(), 6, "{text}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn reads_this_process() {
        let s = super::read().unwrap();
        assert!(s.resident_bytes > 1024 * 1024, "{s:?}");
        assert!(s.virtual_bytes >= s.resident_bytes, "{s:?}");
        assert!(s.open_fds >= 3 && s.max_fds >= s.open_fds, "{s:?}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(
            s.start_time_seconds > now - 3600.0 && s.start_time_seconds <= now + 1.0,
            "{s:?}"
        );
    }
}
