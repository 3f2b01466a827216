/// `--profile datarobot`: the platform's documented defaults for custom jobs on a
/// self-managed install, so that what would fail after upload fails locally first.
/// (See README, "Test before upload", for each value and where it comes from.)
public struct PlatformProfile: Sendable, Equatable {
    public var name: String
    /// `maxCustomJobTimeout`: a run still going after this is stopped.
    public var timeoutSeconds: Int
    /// The limits a job gets: memory, CPU, processes, and the log it keeps.
    public var bundle: ResourceBundle
    /// The most a job's files may weigh together.
    public var maxFolderBytes: Int64
    /// Runs of one user executing at once.
    public var maxRunsPerUser: Int

    public static let datarobot = PlatformProfile(
        name: "datarobot", timeoutSeconds: 1_800,
        bundle: ResourceBundle(id: "datarobot.default", name: "DataRobot default",
                               description: "The platform's default for custom jobs: 1 GiB of memory, 1 CPU, a 10 MiB log",
                               memoryBytes: 1 << 30, cpuCount: 1, maxProcesses: 256, maxLogBytes: 10 << 20),
        maxFolderBytes: 10 << 20, maxRunsPerUser: 1)

    public static let all = [datarobot]

    public static func named(_ name: String) throws(CJRError) -> PlatformProfile {
        guard let profile = all.first(where: { $0.name == name }) else {
            throw .invalid("--profile", "unknown profile '\(name)'; known: \(all.map(\.name).joined(separator: ", "))")
        }
        return profile
    }

    /// `bundles` with this profile's bundle added, and made the default.
    public func bundles(adding bundles: ResourceBundles) throws(CJRError) -> ResourceBundles {
        try ResourceBundles(bundles.all.filter { $0.id != bundle.id } + [bundle], defaultID: bundle.id)
    }
}
