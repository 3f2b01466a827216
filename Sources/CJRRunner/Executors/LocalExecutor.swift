import Foundation
import Subprocess
import CJRModel
import CJRStore
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs the entry point on this machine under `cjr-launch`, in the run's own cgroups (a
/// v2 one to kill the tree atomically, the resource bundle's limits), with the launch's
/// environment and nothing else; stdout and stderr share one pipe, so their order holds.
struct LocalExecutor: Executor {
    let launcher: String
    let cgroups: RunCgroups

    func execute(_ spec: LaunchSpec, control: RunControl, reports: LaunchReports) async throws -> ExecutionResult {
        let cgroupSet = cgroups.create(runId: spec.runId, bundle: spec.bundle)
        let cgroup = cgroupSet.tree
        var protections = spec.protections
        var arguments = ["--watch-stdin"] + spec.launcherOptions
        if let cgroup {
            arguments += ["--cgroup", cgroup]
            protections.append("cgroup:\(cgroup)")
        }
        for directory in cgroupSet.joins { arguments += ["--join", directory] }
        protections += cgroupSet.limits.isEmpty ? ["limits:not-enforced"] : cgroupSet.limits
        arguments += spec.launcherTail
        let recorded = protections
        // Blank room for the launcher's status line, taken now: it is written over in
        // place, so the run's end is known even if the disk fills up while it runs.
        // (A plain write: FileManager.createFile writes atomically, with an fsync per run.)
        let status = open(spec.statusFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if status >= 0 {
            _ = [UInt8](repeating: UInt8(ascii: " "), count: 64).withUnsafeBytes { write(status, $0.baseAddress, $0.count) }
            close(status)
        }

        var options = PlatformOptions()
        // Should this task be cancelled, stop the launcher as a cancel would.
        options.teardownSequence = [.send(signal: .terminate, allowedDurationToNextStep: .seconds(spec.graceSeconds + 2))]
        var environment: [Environment.Key: String] = [:]
        for (name, value) in spec.environment {
            if let key = Environment.Key(rawValue: name) { environment[key] = value }
        }
        do {
            _ = try await Subprocess.run(
                .path(FilePath(launcher)), arguments: Arguments(arguments), environment: .custom(environment),
                workingDirectory: FilePath(spec.workingDirectory), platformOptions: options,
                input: .inputWriter, output: .sequence, error: .combinedWithOutput
            ) { execution in
                let pid = execution.processIdentifier.value
                control.attach(launcher: pid, cgroup: cgroup)
                var protections = recorded
                // As root the run's uid follows from the launcher's pid (see SandboxPlan); it is
                // recorded after the namespaces.
                if let base = spec.runUIDBase {
                    let after = protections.firstIndex(of: "mount-namespace").map { $0 + 1 } ?? protections.count
                    protections.insert("uid:\(UInt64(base) + UInt64(pid))", at: after)
                }
                await reports.started(StartedLaunch(launcher: ProcessInspector.identity(of: pid), cgroup: cgroup, protections: protections))
                for try await chunk in execution.standardOutput {
                    try await reports.output(chunk.withUnsafeBytes { Array($0) })
                }
                // The launcher's stdin is cjr's liveness pipe; leaving it open until here
                // means the launcher only sees EOF if cjr itself goes away.
                try? await execution.standardInputWriter.finish()
            }
        } catch {
            control.detach()
            await cgroupSet.remove()
            throw LaunchFailure(message: "could not start the entry point: \(error)")
        }
        control.detach()
        let result = ExecutionResult(status: LauncherStatus(file: URL(fileURLWithPath: spec.statusFile)),
                                     outOfMemoryKills: cgroupSet.outOfMemoryKills, processLimitHits: cgroupSet.processLimitHits)
        await cgroupSet.remove()
        return result
    }

    func reap(_ record: ActiveRunRecord) async {
        ProcessTree.kill(recorded: record.launcher, cgroup: record.cgroup)
        if let cgroup = record.cgroup { await RunCgroups.remove(cgroup) }
        await cgroups.removeLeftovers(runId: record.runId)
    }
}
