import ArgumentParser
import Foundation
import Yams
import CJRModel

/// `--resource-bundles FILE` and `--default-resource-bundle ID` of `cjr serve`.
///
/// ```yaml
/// default: cpu.small          # for jobs whose resourceBundleId is null
/// bundles:
///   - id: cpu.small
///     name: XS
///     description: 1 CPU, 1 GiB
///     memoryMiB: 1024
///     cpuCount: 1
///     maxProcesses: 256
///     maxLogMiB: 64
/// ```
struct ResourceBundleOptions: ParsableArguments {
    @Option(name: .customLong("resource-bundles"), help: "A YAML file defining the resource bundles (default: the built-in cpu.micro … cpu.large).")
    var file: String?

    @Option(name: .customLong("default-resource-bundle"), help: "The bundle of jobs that name none (default: cpu.medium, or the file's `default`).")
    var defaultID: String?

    private struct File: Decodable {
        var `default`: String?
        var bundles: [Entry]
    }

    private struct Entry: Decodable {
        var id: String
        var name: String?
        var description: String?
        var memoryMiB: Int64
        var cpuCount: Double
        var maxProcesses: Int
        var maxLogMiB: Int64
    }

    func load() throws -> ResourceBundles {
        do {
            guard let file else {
                return try ResourceBundles(ResourceBundle.builtIn, defaultID: defaultID ?? ResourceBundles.builtIn.defaultBundle.id)
            }
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ValidationError("--resource-bundles: \(file): \(ErrorText.describe(error))")
            }
            let parsed: File
            do {
                parsed = try YAMLDecoder().decode(File.self, from: text)
            } catch {
                throw ValidationError("--resource-bundles: \(file) is not a valid bundle file: \(ErrorText.describe(error))")
            }
            let bundles = try parsed.bundles.map { entry in
                guard entry.memoryMiB > 0, entry.cpuCount > 0, entry.maxProcesses > 0, entry.maxLogMiB > 0 else {
                    throw ValidationError("--resource-bundles: bundle '\(entry.id)' needs positive memoryMiB, cpuCount, maxProcesses and maxLogMiB")
                }
                guard entry.cpuCount >= 0.01 else { // the kernel's smallest CPU quota is 1 ms per 100 ms
                    throw ValidationError("--resource-bundles: bundle '\(entry.id)': cpuCount must be at least 0.01")
                }
                return ResourceBundle(id: entry.id, name: entry.name ?? entry.id, description: entry.description ?? "",
                                      memoryBytes: entry.memoryMiB << 20, cpuCount: entry.cpuCount,
                                      maxProcesses: entry.maxProcesses, maxLogBytes: entry.maxLogMiB << 20)
            }
            guard let defaultID = defaultID ?? parsed.default ?? bundles.first?.id else {
                throw ValidationError("--resource-bundles: \(file) defines no bundles")
            }
            return try ResourceBundles(bundles, defaultID: defaultID)
        } catch let error as CJRError {
            throw ValidationError("resource bundles: \(error.message)")
        }
    }
}
