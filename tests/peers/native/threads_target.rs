// The Rust peer of the agentless native stack tests: a few threads parked
// in rust_park_outer -> rust_park_inner -> rust_parked (std::thread::park
// with nobody to unpark them), the main thread waiting for them. Prints
// "ready pid=P" once every thread is parked (seen blocked in futex()).
// Built twice, with legacy and with v0 symbol mangling.
use std::io::Write;

#[inline(never)]
fn rust_parked() {
    loop {
        std::thread::park();
    }
}

#[inline(never)]
fn rust_park_inner() {
    rust_parked();
    unsafe { std::ptr::read_volatile(&0u8) };
}

#[inline(never)]
fn rust_park_outer() {
    rust_park_inner();
    unsafe { std::ptr::read_volatile(&0u8) };
}

fn gettid() -> i64 {
    std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name().and_then(|n| n.to_str()).and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

fn blocked_in_futex(tid: i64) -> bool {
    let path = format!("/proc/self/task/{}/syscall", tid);
    match std::fs::read_to_string(path) {
        Ok(s) => s.split_whitespace().next() == Some("202"), // SYS_futex on x86-64
        Err(_) => false,
    }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(4);
    let (tx, rx) = std::sync::mpsc::channel();
    for _ in 0..n {
        let tx = tx.clone();
        std::thread::Builder::new()
            .name("rust-parked".into())
            .spawn(move || {
                tx.send(gettid()).unwrap();
                rust_park_outer();
            })
            .unwrap();
    }
    for _ in 0..n {
        let tid = rx.recv().unwrap();
        while !blocked_in_futex(tid) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
    println!("ready pid={}", std::process::id());
    std::io::stdout().flush().unwrap();
    loop {
        std::thread::park();
    }
}
