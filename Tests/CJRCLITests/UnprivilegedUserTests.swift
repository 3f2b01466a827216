import Foundation
import Testing
import CJRTestSupport

/// cjr as an ordinary user on a workstation: no cgroup to create, no CAP_SYS_ADMIN. The
/// test setup (scripts/test, as root) creates the user `cjr-test`; these tests run the
/// real binary as that user through `setpriv`.
@Suite("cjr as an unprivileged user", .enabled(if: getuid() == 0 && getpwnam("cjr-test") != nil))
struct UnprivilegedUserTests {
    static let user = "cjr-test"

    /// Runs `cjr arguments…` as the user, with `HOME` in a scratch directory it owns.
    private func asUser(_ arguments: [String], home: ScratchDirectory) throws -> (status: Int32, output: String) {
        try CJRBinary.run(arguments, wrapper: ["/usr/bin/setpriv", "--reuid", Self.user, "--regid", Self.user, "--clear-groups", "--"],
                          environment: ["PATH": "/usr/bin:/bin", "HOME": home.path])
    }

    /// A scratch directory the user may write to.
    private func ownedScratch() throws -> ScratchDirectory {
        let scratch = try ScratchDirectory()
        guard let entry = getpwnam(Self.user) else { throw CLIFailure("no user \(Self.user)") }
        chown(scratch.path, entry.pointee.pw_uid, entry.pointee.pw_gid)
        return scratch
    }

    @Test("doctor reports what an ordinary user gets: the filter and a user-namespace network namespace, no cgroup")
    func doctor() throws {
        let home = try ownedScratch()
        defer { home.remove() }
        let result = try asUser(["doctor"], home: home)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("seccomp filter     yes"), "\(result.output)")
        #expect(result.output.contains("network namespace  yes (through an unprivileged user namespace)"), "\(result.output)")
        #expect(result.output.contains("process tree       the launcher's subreaper walk"), "\(result.output)")
        #expect(result.output.contains("data directory     \(home.path)/.local/share/cjr, "), "where it is and its free space: \(result.output)")
    }

    @Test("a named resource bundle fails closed without cgroups, saying how to get them; allowed, it runs and says what it lacks")
    func limitsFailClosed() throws {
        let home = try ownedScratch()
        defer { home.remove() }
        let folder = home.url.appendingPathComponent("job")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "echo ran\n".write(to: folder.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        let data = home.path + "/data"
        let refused = try asUser(["run", folder.path, "--resource-bundle", "cpu.micro", "--data-dir", data], home: home)
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("resource bundle cpu.micro cannot be enforced on this host: cjr may create no cgroup for memory, process count, CPU"),
                "\(refused.output)")
        #expect(refused.output.contains("sudo sh -c") && refused.output.contains("--allow-unenforced-limits"), "\(refused.output)")
        #expect(!refused.output.contains("ran\n"), "the job never started")

        let allowed = try asUser(["run", folder.path, "--resource-bundle", "cpu.micro", "--allow-unenforced-limits", "--data-dir", data], home: home)
        #expect(allowed.status == 0, "\(allowed.output)")
        #expect(allowed.output.contains("[cjr] resource bundle cpu.micro is not enforced here for memory, process count, CPU, as --allow-unenforced-limits permits"),
                "\(allowed.output)")
        let byDefault = try asUser(["run", folder.path, "--data-dir", data], home: home)
        #expect(byDefault.status == 0 && byDefault.output.contains("ran\n"), "\(byDefault.output)")
        #expect(byDefault.output.contains("[cjr] the default resource bundle cpu.medium is not enforced here"), "\(byDefault.output)")

        let doctor = try asUser(["doctor"], home: home)
        #expect(doctor.output.contains("to enforce limits  give yourself cgroups and start cjr from this shell inside them"), "\(doctor.output)")
    }

    @Test("cgroups delegated to the user (the recipe cjr doctor prints) make a named bundle hold: the hog dies at its limit",
          .enabled(if: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/tasks")))
    func delegatedCgroups() throws {
        let home = try ownedScratch()
        defer { home.remove() }
        let folder = home.url.appendingPathComponent("job")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let probe = try CJRBinary.bringProbe(into: folder)
        try (CJRBinary.prepareProbe + "exec \(probe) alloc 1024\n").write(to: folder.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        chown(folder.path, getpwnam(Self.user)!.pointee.pw_uid, getpwnam(Self.user)!.pointee.pw_gid)
        // What the printed recipe does, for a shell that then starts cjr as the user.
        let group = "cjr-delegation-\(UUID().uuidString.prefix(8))"
        let controllers = ["memory", "pids", "cpu"]
        defer {
            for controller in controllers {
                let base = "/sys/fs/cgroup/\(controller)/\(group)"
                for leftover in (try? FileManager.default.contentsOfDirectory(atPath: base + "/cjr")) ?? [] where !leftover.contains(".") {
                    rmdir(base + "/cjr/" + leftover)
                }
                rmdir(base + "/cjr")
                rmdir(base)
            }
        }
        let script = controllers.map { "mkdir -p /sys/fs/cgroup/\($0)/\(group) && chown -R \(Self.user) /sys/fs/cgroup/\($0)/\(group) && echo $$ > /sys/fs/cgroup/\($0)/\(group)/tasks" }
            .joined(separator: " && ") + " && exec /usr/bin/setpriv --reuid \(Self.user) --regid \(Self.user) --clear-groups -- \"$@\""
        let result = try CJRBinary.runTool("/bin/sh", ["-c", script, "sh", CJRBinary.url.path, "run", folder.path, "--resource-bundle", "cpu.micro",
                                                       "--data-dir", home.path + "/data"],
                                           environment: ["PATH": "/usr/bin:/bin", "HOME": home.path])
        #expect(result.status == 137, "\(result.output)")
        #expect(result.output.contains("[cjr] out of memory: the kernel killed a process of the run for exceeding the memory limit of 256 MiB"),
                "\(result.output)")
        #expect(result.output.contains("memory.max=268435456, pids.max=64, cpu.max=0.5"), "\(result.output)")
    }

    @Test("egress none holds for an ordinary user; the run's record lists exactly what was applied")
    func egressNone() throws {
        let home = try ownedScratch()
        defer { home.remove() }
        let folder = home.url.appendingPathComponent("job")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let probe = try CJRBinary.bringProbe(into: folder)
        try (CJRBinary.prepareProbe + """
            for kind in udp raw netlink unix; do echo "$kind $(\(probe) $kind)"; done
            echo "tcp $(\(probe) tcp 127.0.0.1 22)"
            echo "ptrace $(\(probe) syscall ptrace)"
            \(probe) socket32 >/dev/null; echo "socket32 exit $?"
            echo "uid $(id -u)"
            """).write(to: folder.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        let result = try asUser(["run", folder.path, "--egress", "none", "--data-dir", home.path + "/data", "--json"], home: home)
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        for kind in ["udp", "raw", "netlink", "tcp"] {
            #expect(lines.contains("\(kind) refused: EACCES (Permission denied)"), "\(kind) in \(result.output)")
        }
        #expect(lines.contains("unix ok"))
        #expect(lines.contains("ptrace refused: EPERM (Operation not permitted)"))
        #expect(lines.contains("socket32 exit 159"), "a 32-bit socket call is killed (SIGSYS)")
        #expect(lines.contains("uid \(getpwnam(Self.user)!.pointee.pw_uid)"), "the job keeps the user's identity inside the user namespace")
        let record = jsonObject(Data((lines.last ?? "").utf8))
        #expect(record["sandbox"] as? [String] == ["pid-namespace", "mount-namespace", "user-namespace", "seccomp:default", "seccomp:egress-none",
                                                   "network-namespace", "limits:not-enforced"], "\(record)")
    }

    @Test("a job sees no process but its own run's, and cannot read its init's environment or memory, though all run as the same user")
    func processesOutOfReach() throws {
        let home = try ownedScratch()
        defer { home.remove() }
        let folder = home.url.appendingPathComponent("job")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // PID 1 is the run's init (cjr-launch); cjr and everything else are outside.
        try """
            for pid in $(ls /proc | grep -E '^[0-9]+$'); do echo "process $pid $(cat /proc/$pid/comm 2>/dev/null)"; done
            echo "parent $PPID"
            cat /proc/1/environ > /dev/null 2>&1 && echo "environ readable" || echo "environ refused"
            address=$(head -1 /proc/1/maps 2>/dev/null | cut -d- -f1)
            [ -n "$address" ] && dd if=/proc/1/mem bs=1 count=1 skip=$((16#$address)) status=none > /dev/null 2>&1 \\
                && echo "mem readable" || echo "mem refused"
            kill -9 1 && sleep 0.2 && echo "init survived SIGKILL from inside"
            """.write(to: folder.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        let result = try asUser(["run", folder.path, "--data-dir", home.path + "/data"], home: home)
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        let processes = lines.filter { $0.hasPrefix("process ") }
        #expect(processes.first == "process 1 cjr-launch", "\(result.output)")
        #expect(processes.contains("process 2 bash"), "\(result.output)")
        #expect(!processes.contains { $0.hasSuffix(" cjr") }, "cjr itself is out of sight: \(result.output)")
        #expect(lines.contains("parent 1"))
        #expect(lines.contains("environ refused") && lines.contains("mem refused"), "\(result.output)")
        #expect(lines.contains("init survived SIGKILL from inside"), "\(result.output)")
    }

    @Test("killing its parent does not end the run early, nothing outlives it, cjr's data directory and the homes are out of sight")
    func escapeAttempts() throws {
        let home = try ownedScratch()
        defer { home.remove() }
        // Outside /tmp, so that only --hide keeps the run from it.
        let data = URL(fileURLWithPath: "/var/lib/cjr-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        guard let entry = getpwnam(Self.user) else { throw CLIFailure("no user \(Self.user)") }
        chown(data.path, entry.pointee.pw_uid, entry.pointee.pw_gid)
        let marker = "cjr-escapee-\(UUID().uuidString)"
        let folder = home.url.appendingPathComponent("job")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
            bash -c 'exec -a \(marker) bash -c "while :; do sleep 0.2; done"' &
            sleep .5; kill -9 $PPID; echo "kill parent: $?"
            [ -e \(data.path)/api-token ] && echo "token visible" || echo "token hidden"
            [ -e \(data.path)/cjr.sqlite ] && echo "database visible" || echo "database hidden"
            echo "root: $(ls -A /root | tr '\\n' ' ')"
            echo "home: $(ls -A /home | tr '\\n' ' ')"
            sleep 60
            """.write(to: folder.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        let started = Date()
        let result = try asUser(["run", folder.path, "--timeout", "3", "--data-dir", data.path], home: home)
        #expect(Date().timeIntervalSince(started) >= 3, "the run lasted until its timeout: \(result.output)")
        #expect(result.status != 0)
        #expect(result.output.contains("[cjr] timed out after 3 s"), "\(result.output)")
        for line in ["token hidden", "database hidden", "root: \n", "home: \n"] {
            #expect(result.output.contains(line), "\(line): \(result.output)")
        }
        #expect(processesMarked(marker).isEmpty, "a process of the run outlived it")
    }

    @Test("two runs of the same user cannot reach each other: processes, environment, files, signals")
    func runsOfOneUserApart() async throws {
        let home = try ownedScratch()
        defer { home.remove() }
        let data = home.path + "/data"
        let marker = "cjr-victim-\(UUID().uuidString)"
        let victim = home.url.appendingPathComponent("victim"), attacker = home.url.appendingPathComponent("attacker")
        for folder in [victim, attacker] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try """
            export VICTIM_SECRET=s3cret
            bash -c 'exec -a \(marker) sleep 60'
            echo victim done
            """.write(to: victim.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        // Both folders belong to the user, as cjr run reads them as the user.
        guard let entry = getpwnam(Self.user) else { throw CLIFailure("no user \(Self.user)") }
        for path in [victim.path, victim.path + "/run.sh", attacker.path] { chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid) }
        let victimProcess = Process()
        victimProcess.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        victimProcess.arguments = ["--reuid", Self.user, "--regid", Self.user, "--clear-groups", "--", CJRBinary.url.path,
                                   "run", victim.path, "--data-dir", data]
        victimProcess.environment = ["PATH": "/usr/bin:/bin", "HOME": home.path]
        // A file, not a pipe: nobody drains it while the victim runs.
        let outputFile = home.url.appendingPathComponent("victim.out")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        victimProcess.standardOutput = output
        victimProcess.standardError = output
        try victimProcess.run()
        let deadline = Date().addingTimeInterval(30)
        while processesMarked(marker).isEmpty && victimProcess.isRunning && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let victimPid = try #require(processesMarked(marker).first,
                                     "the victim is not running: \(String(decoding: FileManager.default.contents(atPath: outputFile.path) ?? Data(), as: UTF8.self))")
        try """
            grep -l s3cret /proc/*/environ 2>/dev/null | sed 's/^/found secret in /'
            ls /proc/\(victimPid) >/dev/null 2>&1 && echo "victim visible" || echo "victim invisible"
            kill -9 \(victimPid) 2>/dev/null && echo "killed victim" || echo "kill victim missed"
            ls \(data)/runs 2>&1 | grep -v "^$" | wc -l | sed 's/^/runs visible: /'
            """.write(to: attacker.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        chown(attacker.path + "/run.sh", entry.pointee.pw_uid, entry.pointee.pw_gid)
        let result = try asUser(["run", attacker.path, "--data-dir", data], home: home)
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("found secret"), "\(result.output)")
        for line in ["victim invisible", "kill victim missed", "runs visible: 1"] {
            #expect(result.output.contains(line + "\n"), "\(line): \(result.output)")
        }
        // The victim lives on, untouched; Ctrl-C ends it as its user would.
        #expect(processesMarked(marker) == [victimPid], "the victim was killed")
        #expect(await victimProcess.stop(with: SIGINT, within: 30), "cjr run did not end 30 s after Ctrl-C")
        let victimOutput = String(decoding: FileManager.default.contents(atPath: outputFile.path) ?? Data(), as: UTF8.self)
        #expect(victimProcess.terminationStatus == 130, "\(victimOutput)")
        #expect(processesMarked(marker).isEmpty)
    }
}
