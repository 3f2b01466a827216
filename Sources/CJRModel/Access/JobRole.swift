/// A recipient's role on a custom job (the reference's `role` of `sharedRoles`), strongest
/// last: access through a user, a group and an organization adds up to the strongest.
public enum JobRole: String, Sendable, CaseIterable, Comparable {
    case observer = "OBSERVER"
    case user = "USER"
    case owner = "OWNER"

    private var rank: Int {
        switch self {
        case .observer: 0
        case .user: 1
        case .owner: 2
        }
    }

    public static func < (lhs: JobRole, rhs: JobRole) -> Bool { lhs.rank < rhs.rank }

    /// Whether this role may do `permission` on the job.
    public func allows(_ permission: JobPermission) -> Bool { self >= permission.minimumRole }
}

/// What a request does to a job, each with the weakest role that may do it (the table in
/// the README's "Sharing" section).
public enum JobPermission: String, Sendable, CaseIterable {
    /// The job, its files, runs, run files, logs, sharing list, status resources.
    case read
    /// Start, cancel and edit runs; delete logs; edit the job's files and settings.
    case use
    /// Change who has access (`PATCH …/sharedRoles/`).
    case share
    /// Delete the job, and clean a deleted one up for good.
    case delete

    public var minimumRole: JobRole {
        switch self {
        case .read: .observer
        case .use: .user
        case .share, .delete: .owner
        }
    }
}

/// Who a sharing entry names.
public enum ShareRecipientType: String, Sendable, CaseIterable {
    case user
    case group
    case organization
}

/// One entry of a job's access list: the recipient and its role.
public struct SharedRole: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: JobRole
    public var recipientType: ShareRecipientType

    public init(id: String, name: String, role: JobRole, recipientType: ShareRecipientType) {
        self.id = id
        self.name = name
        self.role = role
        self.recipientType = recipientType
    }
}

/// One change of `PATCH …/sharedRoles/`: a recipient named by id or by name, and its new
/// role (nil: `NO_ROLE`, access removed).
public struct SharedRoleChange: Sendable, Equatable {
    public enum Recipient: Sendable, Equatable {
        case id(String)
        case name(String)
    }

    public var recipient: Recipient
    public var recipientType: ShareRecipientType
    public var role: JobRole?

    public init(recipient: Recipient, recipientType: ShareRecipientType, role: JobRole?) {
        self.recipient = recipient
        self.recipientType = recipientType
        self.role = role
    }
}
