/// A named set of limits a job selects with `resources.resourceBundleId`. Ids follow the
/// platform's (`cpu.micro`, `cpu.small`, …).
public struct ResourceBundle: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var description: String
    /// Memory limit in bytes.
    public var memoryBytes: Int64
    /// CPU limit in cores (may be fractional).
    public var cpuCount: Double
    /// Maximum number of processes and threads of one run.
    public var maxProcesses: Int
    /// Log size cap of one run, in bytes.
    public var maxLogBytes: Int64

    public init(id: String, name: String, description: String, memoryBytes: Int64, cpuCount: Double,
                maxProcesses: Int, maxLogBytes: Int64) {
        self.id = id
        self.name = name
        self.description = description
        self.memoryBytes = memoryBytes
        self.cpuCount = cpuCount
        self.maxProcesses = maxProcesses
        self.maxLogBytes = maxLogBytes
    }

    private static let mebibyte: Int64 = 1 << 20

    /// The built-in bundles, smallest first.
    public static let builtIn: [ResourceBundle] = [
        ResourceBundle(id: "cpu.micro", name: "XXS", description: "0.5 CPU, 256 MiB",
                       memoryBytes: 256 * mebibyte, cpuCount: 0.5, maxProcesses: 64, maxLogBytes: 16 * mebibyte),
        ResourceBundle(id: "cpu.small", name: "XS", description: "1 CPU, 1 GiB",
                       memoryBytes: 1024 * mebibyte, cpuCount: 1, maxProcesses: 256, maxLogBytes: 64 * mebibyte),
        ResourceBundle(id: "cpu.medium", name: "S", description: "2 CPU, 4 GiB",
                       memoryBytes: 4096 * mebibyte, cpuCount: 2, maxProcesses: 512, maxLogBytes: 128 * mebibyte),
        ResourceBundle(id: "cpu.large", name: "M", description: "4 CPU, 8 GiB",
                       memoryBytes: 8192 * mebibyte, cpuCount: 4, maxProcesses: 1024, maxLogBytes: 256 * mebibyte),
    ]
}

/// The bundles a server offers and the one a job without `resourceBundleId` gets: the
/// built-ins unless the server's configuration defines others.
public struct ResourceBundles: Sendable, Equatable {
    public let all: [ResourceBundle]
    public let defaultBundle: ResourceBundle

    /// `defaultID` must name one of `bundles`.
    public init(_ bundles: [ResourceBundle], defaultID: String) throws(CJRError) {
        guard !bundles.isEmpty else { throw .invalid("bundles", "at least one resource bundle is needed") }
        var seen = Set<String>()
        for bundle in bundles where !seen.insert(bundle.id).inserted {
            throw .invalid("bundles", "'\(bundle.id)' is defined twice")
        }
        guard let fallback = bundles.first(where: { $0.id == defaultID }) else {
            throw .invalid("default", "'\(defaultID)' is not one of the bundles (\(bundles.map(\.id).joined(separator: ", ")))")
        }
        all = bundles
        defaultBundle = fallback
    }

    /// The built-in bundles; a job without one gets `cpu.medium` (2 CPU, 4 GiB).
    public static let builtIn = try! ResourceBundles(ResourceBundle.builtIn, defaultID: "cpu.medium")

    public func bundle(id: String) -> ResourceBundle? { all.first { $0.id == id } }

    /// A job's `resourceBundleId`, checked: nil is fine, an unknown id is a 422.
    public func validate(_ id: String?, field: String = "resources.resourceBundleId") throws(CJRError) {
        guard let id, bundle(id: id) == nil else { return }
        throw .invalid(field, "unknown resource bundle '\(id)'; known: \(all.map(\.id).joined(separator: ", "))")
    }
}
