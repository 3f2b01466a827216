import CJRModel

/// One resource bundle and its limits.
struct ResourceBundlePayload: Encodable, Sendable {
    var id: String
    var name: String
    var description: String
    var memoryBytes: Int64
    var cpuCount: Double
    var maxProcesses: Int
    var maxLogBytes: Int64
    /// Whether jobs without a `resourceBundleId` get this one.
    var isDefault: Bool

    init(_ bundle: ResourceBundle, isDefault: Bool) {
        id = bundle.id
        name = bundle.name
        description = bundle.description
        memoryBytes = bundle.memoryBytes
        cpuCount = bundle.cpuCount
        maxProcesses = bundle.maxProcesses
        maxLogBytes = bundle.maxLogBytes
        self.isDefault = isDefault
    }
}
