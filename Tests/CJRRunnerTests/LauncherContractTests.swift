import Foundation
import Testing
import CJRTestSupport
@testable import CJRRunner

/// `cjr-launch` run on its own: the status file it writes (read by `LauncherStatus`, the
/// one place cjr parses it) and its policy compiler's errors.
@Suite("The launcher's contracts: status file, exit codes, policy errors")
struct LauncherContractTests {
    static let launcher = try! LauncherBinary.locate(override: nil)

    /// Runs the launcher with `arguments` in a scratch directory (the working directory);
    /// returns its exit code, its stderr and what its status file says.
    /// `wrapper` runs first and execs the launcher (its path is the wrapper's last argument).
    private func launch(_ arguments: [String], scratch: ScratchDirectory, wrapper: [String] = []) throws
        -> (code: Int32, stderr: String, status: LauncherStatus?) {
        let statusFile = scratch.url.appendingPathComponent("status")
        try? FileManager.default.removeItem(at: statusFile)
        let process = Process()
        let command = wrapper + [Self.launcher, "--status-file", statusFile.path, "--grace-ms", "200"] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = scratch.url.appendingPathComponent("job")
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stderr, LauncherStatus(file: statusFile))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var code: Int32
        var status: LauncherStatus?
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let plain: [Case] = [
        Case(arguments: ["--", "/bin/sh", "-c", "exit 3"], code: 3, status: .exited(3)),
        Case(arguments: ["--", "/bin/sh", "-c", "exit 137"], code: 137, status: .exited(137)),
        Case(arguments: ["--", "/bin/sh", "-c", "kill -9 $$"], code: 137, status: .signaled(9)),
        Case(arguments: ["--", "/nonexistent/entry-point"], code: 127, status: .exited(127)),
        Case(arguments: ["--join", "/nonexistent/cgroup", "--", "/bin/true"], code: 126, status: .setupFailed),
    ]

    @Test("the status file says how the entry point ended; the exit code mirrors it", arguments: plain)
    func statusFile(_ example: Case) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent("job"), withIntermediateDirectories: true)
        let result = try launch(example.arguments, scratch: scratch)
        #expect(result.code == example.code, "\(result.stderr)")
        #expect(result.status == example.status)
    }

    @Test("the same when contained, a setup failure of the run's init included",
          .enabled(if: SandboxHost.detect(launcher: launcher).containment != .unavailable))
    func containedStatusFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let job = scratch.url.appendingPathComponent("job").path
        try FileManager.default.createDirectory(atPath: job, withIntermediateDirectories: true)
        let contain = ["--contain", "--bind", job]
        for example in Self.plain.dropLast() {
            let result = try launch(contain + example.arguments, scratch: scratch)
            #expect(result.code == example.code, "\(example.testDescription): \(result.stderr)")
            #expect(result.status == example.status, "\(example.testDescription)")
        }
        let missing = try launch(["--contain", "--bind", "/nonexistent/job", "--", "/bin/true"], scratch: scratch)
        #expect(missing.code == 126)
        #expect(missing.status == .setupFailed)
        #expect(missing.stderr.hasPrefix("cjr-launch: cannot contain the run: ") && missing.stderr.contains("/nonexistent/job: No such file or directory"), "\(missing.stderr)")
    }

    @Test("the entry point starts with no signal blocked or ignored, whatever the launcher inherited")
    func signalsStartClean() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let job = scratch.url.appendingPathComponent("job")
        try FileManager.default.createDirectory(at: job, withIntermediateDirectories: true)
        // A caller that blocks SIGTERM and SIGUSR2 and ignores SIGPIPE, SIGHUP and SIGINT
        // (as `nohup`, a shell's `trap ''` or a runtime's signal thread leave them).
        let caller = ["/usr/bin/python3", "-c", """
            import os, signal, sys
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGUSR2})
            for sig in (signal.SIGPIPE, signal.SIGHUP, signal.SIGINT): signal.signal(sig, signal.SIG_IGN)
            os.execv(sys.argv[1], sys.argv[1:])
            """]
        // cp reads its own status (not a shell: dash clears the mask itself).
        let report = ["--", "/bin/cp", "/proc/self/status", "signals"]
        let contained = SandboxHost.detect(launcher: Self.launcher).containment != .unavailable
        for mode in contained ? [[], ["--contain", "--bind", job.path]] : [[]] {
            try? FileManager.default.removeItem(at: job.appendingPathComponent("signals"))
            let result = try launch(mode + report, scratch: scratch, wrapper: caller)
            #expect(result.code == 0, "\(mode): \(result.stderr)")
            let status = (try? String(contentsOf: job.appendingPathComponent("signals"), encoding: .utf8)) ?? "nothing written"
            let signals = status.split(separator: "\n").filter { $0.hasPrefix("SigBlk:") || $0.hasPrefix("SigIgn:") }
            #expect(signals == ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"], "\(mode): \(status)")
        }
    }

    /// A launch maps no shared library (no `PT_INTERP`: the kernel starts it directly), and
    /// a Slurm node needs none of cjr's build dependencies to run it.
    @Test("the launcher is one static executable: no dynamic loader, no shared library")
    func staticallyLinked() throws {
        let elf = try Data(contentsOf: URL(fileURLWithPath: Self.launcher))
        func integer<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> Int {
            Int(elf[offset..<offset + MemoryLayout<T>.size].reversed().reduce(T(0)) { $0 << 8 | T($1) })
        }
        try #require(elf.count > 64 && elf.prefix(4) == Data([0x7F, 0x45, 0x4C, 0x46]) && elf[4] == 2, "not a 64-bit ELF file")
        let (table, entrySize, count) = (integer(UInt64.self, at: 0x20), integer(UInt16.self, at: 0x36), integer(UInt16.self, at: 0x38))
        let types = (0..<count).map { integer(UInt32.self, at: table + $0 * entrySize) }
        #expect(types.contains(1), "no loadable segment: not an executable")
        #expect(!types.contains(3), "PT_INTERP: cjr-launch needs the dynamic loader (Package.swift links it statically)")
    }

    @Test("a bad policy line stops the launcher before anything runs: exit 125, FILE:LINE and what is wrong")
    func policyErrors() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent("job"), withIntermediateDirectories: true)
        let marker = scratch.url.appendingPathComponent("ran").path
        let examples: [(text: String, line: Int, message: String)] = [
            ("# comment\n\nerrno EPERM not_a_syscall\n", 3, "unknown system call not_a_syscall"),
            ("errno ENOTANERRNO ptrace\n", 1, "unknown errno name ENOTANERRNO"),
            ("errno EPERM clone if arg7 & CLONE_NEWNS\n", 1, "expected arg0 .. arg5, found arg7"),
            ("errno EPERM ptrace\nerrno EACCES ptrace\n", 2, "ptrace: conflicts with"),
            ("frobnicate ptrace\n", 1, "unknown action frobnicate"),
        ]
        for (index, example) in examples.enumerated() {
            let file = scratch.url.appendingPathComponent("bad-\(index).policy").path
            try example.text.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try launch(["--seccomp", file, "--", "/usr/bin/touch", marker], scratch: scratch)
            #expect(result.code == 125, "\(example.text): \(result.stderr)")
            #expect(result.stderr.hasPrefix("cjr-launch: \(file):\(example.line): \(example.message)"), "\(result.stderr)")
            #expect(result.status == nil, "nothing ran, so nothing is reported")
            #expect(!FileManager.default.fileExists(atPath: marker), "the entry point never ran")
        }
    }
}
