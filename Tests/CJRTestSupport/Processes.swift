import Foundation

/// Whether a process with this pid exists (and is not a zombie).
public func processIsAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// A scratch directory for a test's own files (pid files, event logs), removed at the end.
public struct ScratchDirectory: Sendable {
    public let url = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-scratch-\(UUID().uuidString)")
    public var path: String { url.path }

    public init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }

    public func read(_ name: String) -> String {
        (try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Host pids of the live processes a run left, however they hid: found by the
/// `CURRENT_CUSTOM_JOB_RUN_ID` every run's process starts with, in `/proc/PID/environ`
/// (readable to a root test whatever uid, session, cgroup or namespace the process is in).
public func processesOfRun(_ runId: String) -> [Int32] {
    processes { environment, _ in environment.contains("CURRENT_CUSTOM_JOB_RUN_ID=\(runId)") }
}

/// Host pids of live processes whose command line contains `marker` (a job sets it with
/// bash's `exec -a MARKER …`, so its processes can be found from outside its namespaces).
public func processesMarked(_ marker: String) -> [Int32] {
    processes { _, commandLine in commandLine.contains(marker) }
}

private func processes(matching: (_ environment: String, _ commandLine: String) -> Bool) -> [Int32] {
    // readdir, not FileManager: a process that exits during the listing must not fail it.
    var entries: [String] = []
    if let directory = opendir("/proc") {
        while let entry = readdir(directory) {
            entries.append(withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        closedir(directory)
    }
    return entries.compactMap(Int32.init).filter { pid in
        guard pid != getpid(), processIsAlive(pid) else { return false }
        func text(_ file: String) -> String {
            let data = FileManager.default.contents(atPath: "/proc/\(pid)/\(file)") ?? Data()
            return String(decoding: data.map { $0 == 0 ? UInt8(ascii: "\n") : $0 }, as: UTF8.self)
        }
        return matching(text("environ"), text("cmdline"))
    }
}

extension Process {
    /// Sends `signal`, then waits for the exit without holding a thread of the shared pool
    /// (a blocked thread stalls every other test on a 2-core machine), SIGKILL after
    /// `seconds`. True when the process ended by itself within them.
    @discardableResult
    public func stop(with signal: Int32 = SIGTERM, within seconds: Double = 10) async -> Bool {
        guard isRunning else { return true }
        kill(processIdentifier, signal)
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard isRunning else { return true }
        kill(processIdentifier, SIGKILL)
        while isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return false
    }
}
