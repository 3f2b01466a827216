import Foundation

/// Where and as whom runs go to a Slurm cluster (`cjr serve --executor slurm`).
public struct SlurmSettings: Sendable, Equatable {
    /// slurmrestd's root, e.g. `http://127.0.0.1:6820`.
    public var url: String
    /// `X-SLURM-USER-NAME`: the user jobs run as on the nodes.
    public var user: String
    /// A file holding the JWT (`scontrol token`), read at each request so it can be renewed.
    public var tokenFile: URL
    public var partition: String?
    /// A directory every node sees at the same path: runs' working directories and output.
    public var sharedDirectory: URL
    /// The version of slurmrestd's API spoken (``SlurmCheck/connect(_:)`` finds it).
    public var apiVersion = SlurmDialects.all[0].version

    public init(url: String, user: String, tokenFile: URL, partition: String?, sharedDirectory: URL) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.user = user
        self.tokenFile = tokenFile
        self.partition = partition
        self.sharedDirectory = sharedDirectory
    }
}
