/// One JSON object written member by member straight into a ``JSONSink``: for the payloads
/// the API sends by the hundred (a page of runs), whose members are written by hand in key
/// order instead of through `Encodable`'s keyed containers, which took 40% of a runs
/// page's CPU. The bytes are the same: the differential tests, and debug builds' check of
/// every response against `JSONEncoder`, hold them to it. Keys must come in UTF-8 byte
/// order (what `.sortedKeys` writes), which debug builds check too.
struct JSONObjectWriter {
    private let sink: JSONSink
    /// The object's own path, for the coding paths of errors beneath it.
    private let path: JSONPath
    private var empty = true
    #if DEBUG
    private var lastKey = ""
    #endif

    init(into sink: JSONSink, at path: JSONPath) {
        self.sink = sink
        self.path = path
        sink.handWritten += 1
        sink.bytes.append(123)
    }

    private mutating func key(_ key: String) {
        #if DEBUG
        precondition(empty || JSONNode.precedes(lastKey, key), "JSONObjectWriter: \(key) written after \(lastKey)")
        lastKey = key
        #endif
        if !empty { sink.bytes.append(44) }
        empty = false
        sink.writeString(key)
        sink.bytes.append(58)
    }

    mutating func string(_ key: String, _ value: String) {
        self.key(key)
        sink.writeString(value)
    }

    /// A member that is written when set and left out when nil (a plain optional).
    mutating func string(_ key: String, ifPresent value: String?) {
        if let value { string(key, value) }
    }

    /// An `@ExplicitNull` member: `null` when nil.
    mutating func string(_ key: String, orNull value: String?) {
        self.key(key)
        if let value { sink.writeString(value) } else { sink.writeNull() }
    }

    mutating func integer(_ key: String, _ value: some BinaryInteger) {
        self.key(key)
        sink.writeInteger(value)
    }

    mutating func integer(_ key: String, orNull value: Int?) {
        self.key(key)
        if let value { sink.writeInteger(value) } else { sink.writeNull() }
    }

    mutating func bool(_ key: String, _ value: Bool) {
        self.key(key)
        sink.bytes.append(contentsOf: value ? JSONSink.trueBytes : JSONSink.falseBytes)
    }

    mutating func double(_ key: String, _ value: Double) throws {
        self.key(key)
        // The path (an array built) only for the error a non-finite number is.
        try sink.writeDouble(value, at: value.isFinite ? path : childPath(key))
    }

    mutating func strings(_ key: String, orNull values: [String]?) {
        self.key(key)
        guard let values else { return sink.writeNull() }
        sink.bytes.append(91)
        for (index, value) in values.enumerated() {
            if index > 0 { sink.bytes.append(44) }
            sink.writeString(value)
        }
        sink.bytes.append(93)
    }

    /// An array of values that write themselves (which need no coding path: they cannot fail).
    mutating func array<Element>(_ key: String, _ elements: [Element], _ write: (Element, JSONSink) -> Void) {
        self.key(key)
        sink.bytes.append(91)
        for (index, element) in elements.enumerated() {
            if index > 0 { sink.bytes.append(44) }
            write(element, sink)
        }
        sink.bytes.append(93)
    }

    /// A value that writes itself (and cannot fail).
    mutating func member(_ key: String, _ write: (JSONSink) -> Void) {
        self.key(key)
        write(sink)
    }

    /// Any other value, through its `Encodable` conformance.
    mutating func value(_ key: String, _ value: some Encodable) throws {
        self.key(key)
        try sink.write(value, at: childPath(key))
    }

    /// An array of values written through their `Encodable` conformance; an empty one
    /// without building the coding path its elements' errors would need.
    mutating func values(_ key: String, _ values: [some Encodable]) throws {
        if values.isEmpty {
            self.key(key)
            sink.bytes.append(contentsOf: [91, 93])
        } else {
            try value(key, values)
        }
    }

    func end() { sink.bytes.append(125) }

    private func childPath(_ key: String) -> JSONPath { .array(path.codingPath + [JSONObjectKey(key)]) }
}

/// The keys of hand-written objects, in coding paths.
struct JSONObjectKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ key: String) { stringValue = key }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
