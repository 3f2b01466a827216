/// `offset`/`limit` of a list request, validated.
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 100
    public static let maxLimit = 1_000

    public var offset: Int
    public var limit: Int

    public init(offset: Int = 0, limit: Int = Self.defaultLimit) {
        self.offset = offset
        self.limit = limit
    }

    /// Reads the raw query values; absent values take the defaults.
    public init(offset rawOffset: String?, limit rawLimit: String?) throws(CJRError) {
        offset = 0
        limit = Self.defaultLimit
        if let rawOffset {
            // A whole number too large for Int is past every list's end: an empty page.
            let isWhole = !rawOffset.isEmpty && rawOffset.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
            guard isWhole else { throw .invalid("offset", "must be a whole number ≥ 0, got '\(rawOffset)'") }
            offset = Int(rawOffset) ?? Int(Int32.max)
        }
        if let rawLimit {
            guard let value = Int(rawLimit), value >= 1, value <= Self.maxLimit else {
                throw .invalid("limit", "must be a whole number from 1 to \(Self.maxLimit), got '\(rawLimit)'")
            }
            limit = value
        }
    }
}

/// One page of a list, with the total across all pages.
public struct Page<Element: Sendable>: Sendable {
    public var items: [Element]
    public var totalCount: Int
    public var request: PageRequest

    public init(items: [Element], totalCount: Int, request: PageRequest) {
        self.items = items
        self.totalCount = totalCount
        self.request = request
    }

    /// The page `request` asks for out of `all`, a list held in memory.
    public init(slicing all: [Element], request: PageRequest) {
        self.init(items: Array(all.dropFirst(request.offset).prefix(request.limit)), totalCount: all.count, request: request)
    }

    public var hasNext: Bool { request.offset + items.count < totalCount }
    public var hasPrevious: Bool { request.offset > 0 }
}
