import Foundation

/// Encodes `Encodable` values as the API's JSON, byte for byte what `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` writes, at a fraction of its cost: values are
/// written straight into one byte buffer instead of a tree of boxed values, and an object's
/// members are put in key order once it is complete. (A page of 100 runs spent more than a
/// third of its request in `JSONEncoder`.)
///
/// Matches `JSONEncoder` in what clients see: keys in UTF-8 byte order; `nil` optionals
/// left out by the synthesized code, explicit nulls written; numbers as `description`
/// without a trailing `.0`; non-finite numbers refused; strings escaped as `JSONEncoder`
/// does (`\"`, `\\`, `\b \f \n \r \t`, other control characters `\u00XX`; `/` and
/// non-ASCII as they are); a value that encodes nothing is `{}`. A differential test holds
/// it to `JSONEncoder` on every payload the API sends.
struct SortedJSONEncoder {
    func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let sink = JSONSink()
        try sink.write(value, at: .root)
        return sink.bytes
    }
}

/// Where a value sits, for `codingPath` (asked for by error messages and by few
/// `encode(to:)`s): built into an array only when asked, not for every member written.
enum JSONPath {
    case root
    case array([any CodingKey])
    /// Under a node that outlives it (a value written in place while its container writes).
    case member(JSONNode, any CodingKey)

    var codingPath: [any CodingKey] {
        switch self {
        case .root: []
        case .array(let path): path
        case .member(let node, let key): node.codingPath + [key]
        }
    }
}

/// The buffer every container of one encoding writes into.
final class JSONSink {
    var bytes: [UInt8] = []
    /// How many containers had to be rewritten in key order (the slow path; tests watch it).
    var rewrites = 0
    /// How many objects were written by hand (``JSONObjectWriter``; tests watch it).
    var handWritten = 0

    init() { bytes.reserveCapacity(4096) }

    func write<Value: Encodable>(_ value: Value, at path: JSONPath) throws {
        // The common leaves without going through an encoder (a type comparison, not a cast).
        if Value.self == String.self {
            writeString(value as! String)
        } else if Value.self == Int.self {
            writeInteger(value as! Int)
        } else if Value.self == Int64.self {
            writeInteger(value as! Int64)
        } else if Value.self == Double.self {
            try writeDouble(value as! Double, at: path)
        } else if Value.self == Bool.self {
            bytes.append(contentsOf: (value as! Bool) ? Self.trueBytes : Self.falseBytes)
        } else if Value.self == RunPayload.self {
            // The payloads sent by the hundred, written by hand (JSONObjectWriter).
            try (value as! RunPayload).writeJSON(into: self, at: path)
        } else if Value.self == JobPayload.self {
            try (value as! JobPayload).writeJSON(into: self, at: path)
        } else if Value.self == ItemPayload.self {
            (value as! ItemPayload).writeJSON(into: self)
        } else if Value.self == ResourcesPayload.self {
            (value as! ResourcesPayload).writeJSON(into: self)
        } else {
            let node = JSONNode(sink: self, path: path)
            try value.encode(to: node)
            try node.finish()
        }
    }

    static let trueBytes = Array("true".utf8), falseBytes = Array("false".utf8), nullBytes = Array("null".utf8)

    func writeNull() { bytes.append(contentsOf: Self.nullBytes) }

    func writeInteger(_ number: some BinaryInteger) {
        bytes.append(contentsOf: String(number).utf8)
    }

    func writeDouble(_ number: Double, at path: JSONPath) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: path.codingPath, debugDescription: "Unable to encode \(number) directly in JSON."))
        }
        writeNumberText(number.description)
    }

    func writeFloat(_ number: Float, at path: JSONPath) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: path.codingPath, debugDescription: "Unable to encode \(number) directly in JSON."))
        }
        writeNumberText(number.description)
    }

    /// `description`, less a trailing `.0` (`100.0` is `100`, `1e+16` stays).
    private func writeNumberText(_ text: String) {
        let utf8 = text.utf8
        if utf8.count > 2, utf8.suffix(2).elementsEqual([46, 48]) { bytes.append(contentsOf: utf8.dropLast(2)) } else { bytes.append(contentsOf: utf8) }
    }

    func writeString(_ string: String) {
        var string = string
        bytes.append(34)
        string.withUTF8 { JSONEscape.append($0, to: &bytes) }
        bytes.append(34)
    }
}

/// A string's content escaped as `JSONEncoder` escapes it: `\"`, `\\`, `\b \f \n \r \t`,
/// other control characters as `\u00XX`; `/` and non-ASCII bytes as they are.
enum JSONEscape {
    static func append(_ utf8: some Collection<UInt8>, to output: inout [UInt8]) {
        guard utf8.contains(where: { $0 < 0x20 || $0 == 34 || $0 == 92 }) else {
            output.append(contentsOf: utf8)
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in utf8 {
            switch byte {
            case 34: output += [92, 34]
            case 92: output += [92, 92]
            case 0x08: output += [92, UInt8(ascii: "b")]
            case 0x0C: output += [92, UInt8(ascii: "f")]
            case 0x0A: output += [92, UInt8(ascii: "n")]
            case 0x0D: output += [92, UInt8(ascii: "r")]
            case 0x09: output += [92, UInt8(ascii: "t")]
            case ..<0x20: output += [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: output.append(byte)
            }
        }
    }

    static func escaped(_ bytes: Data) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 16)
        append(bytes, to: &output)
        return output
    }
}

/// The encoder one value encodes itself into. Whatever container it opens writes into the
/// sink at once, brackets, keys and commas included, and each member's value is recorded
/// as a range. Members that came in key order (as the API's payloads declare them) are
/// then already in place; otherwise ``finish()`` rewrites the object in key order.
/// Containers and encoders handed out for later (nested, super) write into their own sink
/// and are placed when their parent finishes (which rewrites it).
final class JSONNode: Encoder {
    enum Shape { case none, object, array, single }

    /// A member (or element) of the container: bytes in the shared sink, or a nested
    /// encoder's own, placed at the end.
    enum Part {
        case range(Range<Int>)
        case deferred(JSONNode)
    }

    let sink: JSONSink
    let path: JSONPath
    var codingPath: [any CodingKey] { path.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    private(set) var shape = Shape.none
    private var start = 0
    private var members: [(key: String, part: Part)] = []
    private var elements: [Part] = []
    /// What was written is final as it stands: members in key order, nothing deferred.
    private var inPlace = true

    init(sink: JSONSink, path: JSONPath) {
        self.sink = sink
        self.path = path
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        open(.object)
        return KeyedEncodingContainer(JSONKeyedContainer<Key>(node: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        open(.array)
        return JSONUnkeyedContainer(node: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(node: self)
    }

    private func open(_ wanted: Shape) {
        // Keyed and unkeyed containers on one encoder: JSONEncoder stops there too.
        precondition(shape == .none || shape == wanted, "an encoder used for both an object and an array")
        guard shape == .none else { return }
        shape = wanted
        start = sink.bytes.count
        sink.bytes.append(wanted == .object ? 123 : 91)
    }

    /// Called before a single value is written: it is this node's whole content.
    func beginSingle() { if shape == .none { shape = .single } }

    /// Writes a member, `write` its value: the value's bytes are the range it takes in the sink.
    func addMember(_ key: String, _ write: () throws -> Void) rethrows {
        if let last = members.last?.key, !Self.precedes(last, key) { inPlace = false }
        if !members.isEmpty { sink.bytes.append(44) }
        sink.writeString(key)
        sink.bytes.append(58)
        let begin = sink.bytes.count
        try write()
        members.append((key, .range(begin..<sink.bytes.count)))
    }

    func addMember(_ key: String, deferred node: JSONNode) {
        inPlace = false
        members.append((key, .deferred(node)))
    }

    func addElement(_ write: () throws -> Void) rethrows {
        if !elements.isEmpty { sink.bytes.append(44) }
        let begin = sink.bytes.count
        try write()
        elements.append(.range(begin..<sink.bytes.count))
    }

    func addElement(deferred node: JSONNode) {
        inPlace = false
        elements.append(.deferred(node))
    }

    var elementCount: Int { elements.count }

    /// Closes what was opened: the object's members in key order, the array's elements in
    /// order, separated by commas; nothing opened is `{}`.
    func finish() throws {
        switch shape {
        case .single:
            return
        case .none:
            sink.bytes.append(contentsOf: [123, 125])
        case .object where inPlace:
            sink.bytes.append(125)
        case .array where inPlace:
            sink.bytes.append(93)
        case .object:
            let sorted = members.sorted { Self.precedes($0.key, $1.key) }
            try rebuild(open: 123, close: 125, parts: sorted.map { member in (member.key, member.part) })
        case .array:
            try rebuild(open: 91, close: 93, parts: elements.map { (nil, $0) })
        }
    }

    /// Byte order of UTF-8, compared in place where the strings are contiguous (native ones are).
    static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { left in
            b.withUTF8 { right in
                let common = min(left.count, right.count)
                let order = common == 0 ? 0 : memcmp(left.baseAddress!, right.baseAddress!, common)
                return order != 0 ? order < 0 : left.count < right.count
            }
        }
    }

    /// Replaces what the container wrote with its members in `parts`' order (the values
    /// where they were written, deferred ones from their own sinks), keys written for
    /// objects, commas between.
    private func rebuild(open: UInt8, close: UInt8, parts: [(key: String?, part: Part)]) throws {
        sink.rewrites += 1
        let written = Array(sink.bytes[start...])
        sink.bytes.removeSubrange(start...)
        sink.bytes.append(open)
        for (index, entry) in parts.enumerated() {
            if index > 0 { sink.bytes.append(44) }
            if let key = entry.key {
                sink.writeString(key)
                sink.bytes.append(58)
            }
            switch entry.part {
            case .range(let range):
                sink.bytes.append(contentsOf: written[(range.lowerBound - start)..<(range.upperBound - start)])
            case .deferred(let node):
                try node.finish()
                sink.bytes.append(contentsOf: node.sink.bytes)
            }
        }
        sink.bytes.append(close)
    }
}

private struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    var codingPath: [any CodingKey] { node.codingPath }

    private func member(_ key: Key, _ write: (JSONSink) throws -> Void) rethrows {
        try node.addMember(key.stringValue) { try write(node.sink) }
    }

    mutating func encodeNil(forKey key: Key) throws { member(key) { $0.writeNull() } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { member(key) { $0.bytes.append(contentsOf: value ? JSONSink.trueBytes : JSONSink.falseBytes) } }
    mutating func encode(_ value: String, forKey key: Key) throws { member(key) { $0.writeString(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { try member(key) { try $0.writeDouble(value, at: .member(node, key)) } }
    mutating func encode(_ value: Float, forKey key: Key) throws { try member(key) { try $0.writeFloat(value, at: .member(node, key)) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: Int8, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: Int16, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: Int32, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { member(key) { $0.writeInteger(value) } }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try member(key) { try $0.write(value, at: .member(node, key)) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        deferredNode(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        deferredNode(key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { deferredNode(JSONSuperKey.super) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { deferredNode(key) }

    private func deferredNode(_ key: any CodingKey) -> JSONNode {
        // Its parent keeps it until it finishes: the path is copied, so the two hold no cycle.
        let child = JSONNode(sink: JSONSink(), path: .array(codingPath + [key]))
        node.addMember(key.stringValue, deferred: child)
        return child
    }
}

private struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let node: JSONNode
    var codingPath: [any CodingKey] { node.codingPath }
    var count: Int { node.elementCount }

    private var nextKey: any CodingKey { JSONIndexKey(intValue: count) }

    mutating func encodeNil() throws { node.addElement { node.sink.writeNull() } }
    mutating func encode(_ value: Bool) throws { node.addElement { node.sink.bytes.append(contentsOf: value ? JSONSink.trueBytes : JSONSink.falseBytes) } }
    mutating func encode(_ value: String) throws { node.addElement { node.sink.writeString(value) } }
    mutating func encode(_ value: Double) throws { let path = JSONPath.member(node, nextKey); try node.addElement { try node.sink.writeDouble(value, at: path) } }
    mutating func encode(_ value: Float) throws { let path = JSONPath.member(node, nextKey); try node.addElement { try node.sink.writeFloat(value, at: path) } }
    mutating func encode(_ value: Int) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode(_ value: Int8) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode(_ value: Int16) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode(_ value: Int32) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode(_ value: Int64) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt8) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt16) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt32) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode(_ value: UInt64) throws { node.addElement { node.sink.writeInteger(value) } }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = JSONPath.member(node, nextKey)
        try node.addElement { try node.sink.write(value, at: path) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        deferredNode().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { deferredNode().unkeyedContainer() }

    mutating func superEncoder() -> any Encoder { deferredNode() }

    private func deferredNode() -> JSONNode {
        let child = JSONNode(sink: JSONSink(), path: .array(codingPath + [nextKey]))
        node.addElement(deferred: child)
        return child
    }
}

private struct JSONSingleValueContainer: SingleValueEncodingContainer {
    let node: JSONNode
    var codingPath: [any CodingKey] { node.codingPath }
    private var sink: JSONSink { node.sink }

    mutating func encodeNil() throws { node.beginSingle(); sink.writeNull() }
    mutating func encode(_ value: Bool) throws { node.beginSingle(); sink.bytes.append(contentsOf: value ? JSONSink.trueBytes : JSONSink.falseBytes) }
    mutating func encode(_ value: String) throws { node.beginSingle(); sink.writeString(value) }
    mutating func encode(_ value: Double) throws { node.beginSingle(); try sink.writeDouble(value, at: node.path) }
    mutating func encode(_ value: Float) throws { node.beginSingle(); try sink.writeFloat(value, at: node.path) }
    mutating func encode(_ value: Int) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode(_ value: Int8) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode(_ value: Int16) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode(_ value: Int32) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode(_ value: Int64) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode(_ value: UInt) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode(_ value: UInt8) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode(_ value: UInt16) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode(_ value: UInt32) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode(_ value: UInt64) throws { node.beginSingle(); sink.writeInteger(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        node.beginSingle()
        try sink.write(value, at: node.path)
    }
}

private struct JSONIndexKey: CodingKey {
    var stringValue: String { "Index \(intValue ?? 0)" }
    var intValue: Int?
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

private enum JSONSuperKey: String, CodingKey { case `super` }
