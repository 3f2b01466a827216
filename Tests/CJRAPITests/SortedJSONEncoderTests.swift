import Foundation
import Testing
import CJRModel
@testable import CJRAPI

/// ``SortedJSONEncoder`` against the definition of the API's JSON, `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]`: the same bytes for awkward values, for
/// containers used out of order, and for random trees. (Debug builds also check every
/// response the API sends in every other test.)
@Suite("The API's JSON encoder")
struct SortedJSONEncoderTests {
    func expectSame<Value: Encodable>(_ value: Value, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try JSONResponse.foundationEncoder.encode(value)
        let bytes = try SortedJSONEncoder().encode(value)
        #expect(String(decoding: bytes, as: UTF8.self) == String(decoding: reference, as: UTF8.self), sourceLocation: sourceLocation)
    }

    @Test("strings: every control character, quotes, backslashes, slashes, DEL, non-ASCII")
    func strings() throws {
        try expectSame((0..<0x20).map { String(UnicodeScalar(UInt8($0))) })
        try expectSame(["\"quoted\" \\ back/slash \u{7f} é 😀 \u{2028} \u{FEFF}", "", "plain"])
        try expectSame(["ключ": "значение", "a\nb": "tab\there", "\"": "\\"])
    }

    @Test("numbers: integral doubles without .0, exponents, extremes, Float, every integer width")
    func numbers() throws {
        var doubles: [Double] = [0, -0.0, 1, 1.5, 0.1, 1e-7, 1e21, 1e22, 1e16, 9_007_199_254_740_992, 9_007_199_254_740_994,
                                 123_456_789.123, 2.5e-5, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0.30000000000000004]
        var generator = SystemRandomNumberGenerator()
        while doubles.count < 2_000 {
            let candidate = Double(bitPattern: generator.next())
            if candidate.isFinite { doubles.append(candidate) }
        }
        try expectSame(doubles)
        try expectSame([Float(0.1), 1e-7, 3, 16_777_216, 1e10, .greatestFiniteMagnitude])
        try expectSame([Int.min, Int.max, 0, -1])
        try expectSame(Widths())
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(["x": Double.infinity]) }
    }

    @Test("objects: keys in byte order, nil left out or written as null, empty values, nested and super encoders used out of order")
    func objects() throws {
        try expectSame(["a": 1, "B": 2, "b": 3, "A1": 4, "a10": 5, "a2": 6, "_x": 7, "Z": 8, "é": 9, "a_b": 10, "aB": 11, "ab": 12])
        try expectSame(Mixed(name: "n", absent: nil, explicit: nil, list: [[], [1], [2, 3]], nested: ["k": ["z": 1, "a": 2]]))
        try expectSame(Mixed(name: "", absent: 4, explicit: "set", list: [], nested: [:]))
        try expectSame([Empty(), Empty()])
        try expectSame(OutOfOrder())
        // Keys that arrive in order are written in place; one out of order among them, or a
        // nested encoder, makes its object be rewritten, and only that object.
        let leaf = InOrder.Leaf(a: "x", b: 1, c: nil)
        try expectSame(InOrder(alpha: [leaf, InOrder.Leaf(a: "", b: -2, c: [1, 2])], beta: ["k": leaf], gamma: Mixed(name: "m", absent: 1, explicit: nil, list: [[1]], nested: [:]),
                               delta: [[leaf], []], epsilon: OutOfOrder()))
        try expectSame("a fragment")
        try expectSame(42)
    }

    @Test("runs (alone and in lists across jobs) and jobs, with items, parameters and every optional set or not, are written in place: no object is rewritten")
    func hotPayloadsInPlace() throws {
        let item = FileItem(id: "i", filePath: "dir/run.sh", fileName: "run.sh", contentHash: "h", size: 3, created: .now())
        let definitions = [RuntimeParameterDefinition(fieldName: "A", type: .string, defaultValue: .string("x"), description: "d"),
                           RuntimeParameterDefinition(fieldName: "N", type: .numeric, minValue: 1, maxValue: 9, allowEmpty: false)]
        let resources = CustomJobResources(egressNetworkPolicy: .none, resourceBundleId: "cpu.small")
        for ended in [false, true] {
            let run = CustomJobRun(id: "r", customJobId: "j", jobStatusId: "s", description: "d", status: ended ? .failed : .running,
                                   entryPoint: "i", environmentId: "e", environmentVersionId: "v", resources: resources, items: [item, item],
                                   runtimeParameterDefinitions: definitions, runtimeParameterValues: ["N": .numeric(3)],
                                   scheduledJobId: ended ? "sj" : nil, created: .now(), startedAt: .now(), endedAt: ended ? .now() : nil,
                                   exitCode: ended ? 3 : nil, endReason: ended ? .exited : nil, queuePosition: ended ? nil : 2,
                                   sandbox: ended ? ["seccomp:default"] : nil)
            let job = CustomJob(id: "j", name: "n", description: "", jobType: .default, entryPoint: ended ? "i" : nil, environmentId: "e",
                                environmentVersionId: "v", resources: resources, created: .now(), updated: .now(), items: [item],
                                runtimeParameterDefinitions: definitions, lastRun: ended ? "2026-01-01T00:00:00Z" : nil)
            for payload in [AnyEncodable(RunPayload(run)), AnyEncodable(JobPayload(job)), AnyEncodable([RunPayload(run), RunPayload(run)]),
                            AnyEncodable(RunListItemPayload.make((run, "its job")))] {
                let sink = JSONSink()
                try sink.write(payload.value, at: .root)
                #expect(sink.rewrites == 0, "\(String(decoding: sink.bytes, as: UTF8.self))")
                // Runs and jobs, their items and resources, by hand (JSONObjectWriter).
                #expect(sink.handWritten >= 3, "\(sink.handWritten) objects written by hand")
                try expectSame(payload)
            }
        }
    }

    @Test("runs, jobs, items and resources written by hand (JSONObjectWriter) are JSONEncoder's bytes, every member set or not")
    func handWrittenPayloads() throws {
        var generator = SystemRandomNumberGenerator()
        func text() -> String {
            String((0..<Int.random(in: 0..<6, using: &generator)).map { _ in
                Character(UnicodeScalar([0x0A, 0x22, 0x2F, 0x41, 0x5C, 0x61, 0x7F, 0xE9, 0x1F600, 0x01].randomElement(using: &generator)!)!) })
        }
        func maybe<Value>(_ value: @autoclosure () -> Value) -> Value? { Bool.random(using: &generator) ? value() : nil }
        let definitions = [RuntimeParameterDefinition(fieldName: "A", type: .string, defaultValue: .string("x"), description: "d"),
                           RuntimeParameterDefinition(fieldName: "N", type: .numeric, minValue: 1, maxValue: 9, allowEmpty: false)]
        let base = CustomJobRun(id: "r", customJobId: "j", jobStatusId: "s", description: "d", status: .running, entryPoint: "i",
                                environmentId: "e", environmentVersionId: "v", resources: CustomJobResources(), items: [],
                                runtimeParameterDefinitions: definitions, runtimeParameterValues: ["N": .numeric(3)], created: .now())
        for _ in 0..<500 {
            var run = RunPayload(base)
            run.created = text(); run.customJobId = text(); run.customJobName = maybe(text()); run.description = text()
            run.duration = [0, 0.001, 1.5, 1e-7, 123_456.789, Double.random(in: 0...1e6, using: &generator)].randomElement(using: &generator)!
            run.endReason = maybe(text()); run.endedAt = maybe(text()); run.entryPoint = text()
            run.exitCode = maybe(Int.random(in: -300...300, using: &generator)); run.id = text()
            run.items = (0..<Int.random(in: 0..<3, using: &generator)).map { _ in
                var item = ItemPayload(FileItem(id: text(), filePath: text(), fileName: text(), contentHash: "h", size: 1, created: .now()))
                item.commitSha = maybe(text()); item.ref = maybe(text()); item.repositoryFilePath = maybe(text())
                item.repositoryLocation = maybe(text()); item.repositoryName = maybe(text())
                return item
            }
            run.jobStatusId = maybe(text()); run.logSize = Int64.random(in: 0 ... .max, using: &generator); run.logTruncated = Bool.random(using: &generator)
            run.queuePosition = maybe(Int.random(in: 0...1_000, using: &generator))
            run.resources = ResourcesPayload(CustomJobResources(egressNetworkPolicy: Bool.random(using: &generator) ? .none : .public,
                                                                resourceBundleId: maybe(text())))
            if Bool.random(using: &generator) { run.runtimeParameters = [] }
            run.sandbox = maybe((0..<Int.random(in: 0..<3, using: &generator)).map { _ in text() }); run.scheduledJobId = maybe(text())
            run.signal = maybe(Int.random(in: 1...64, using: &generator)); run.startedAt = maybe(text()); run.status = text(); run.trigger = text()
            try expectSame(run)
            try expectSame(ListPayloadProbe(data: [run, run]))
            let job = CustomJob(id: text(), name: text(), description: text(), jobType: .default, entryPoint: maybe(text()),
                                environmentId: text(), environmentVersionId: text(),
                                resources: CustomJobResources(egressNetworkPolicy: .public, resourceBundleId: maybe(text())), created: .now(),
                                updated: .now(), items: run.items.isEmpty ? [] : [FileItem(id: text(), filePath: text(), fileName: text(), contentHash: "h",
                                                                                           size: 1, created: .now())],
                                runtimeParameterDefinitions: Bool.random(using: &generator) ? definitions : [], lastRun: maybe(text()))
            var payload = JobPayload(job)
            payload.environmentId = maybe(text()); payload.environmentVersionId = maybe(text())
            try expectSame([payload, JobPayload(job)])
        }
        // A number JSON cannot hold is refused with JSONEncoder's coding path, beneath a hand-written run too.
        var broken = RunPayload(base)
        broken.runtimeParameters[1].maxValue = .nan
        let probe = ListPayloadProbe(data: [RunPayload(base), broken])
        func failurePath(_ error: EncodingError?) -> String? {
            guard case .invalidValue(_, let context)? = error else { return nil }
            return CodingPathText(context.codingPath).text
        }
        let ours = failurePath(#expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(probe) })
        let foundation = failurePath(#expect(throws: EncodingError.self) { try JSONEncoder().encode(probe) })
        #expect(ours != nil && ours == foundation, "\(ours ?? "none") against \(foundation ?? "none")")
    }

    struct ListPayloadProbe: Encodable {
        var data: [RunPayload]
    }

    @Test("coding paths, as encode(to:) sees them and in errors, are JSONEncoder's")
    func codingPaths() throws {
        struct Probe: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(CodingPathText(encoder.codingPath).text)
            }
        }
        struct Inner: Encodable {
            var probe = Probe()
            var value: Double
            var more: [Probe] = [Probe(), Probe()]
        }
        struct Outer: Encodable {
            var list: [Inner]
            var nested: [String: Inner]
        }
        try expectSame(Outer(list: [Inner(value: 1), Inner(value: 2)], nested: ["k": Inner(value: 3)]))
        func failurePath(_ error: EncodingError?) -> String? {
            guard case .invalidValue(_, let context)? = error else { return nil }
            return CodingPathText(context.codingPath).text
        }
        for broken in [Outer(list: [Inner(value: 1), Inner(value: .nan)], nested: [:]), Outer(list: [], nested: ["k": Inner(value: -.infinity)])] {
            let ours = failurePath(#expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(broken) })
            let foundation = failurePath(#expect(throws: EncodingError.self) { try JSONEncoder().encode(broken) })
            #expect(ours != nil && ours == foundation, "\(ours ?? "none") against \(foundation ?? "none")")
        }
        // Explicit nulls, set and not: their values, and their paths in errors.
        struct Nullable: Encodable {
            @ExplicitNull var value: Double?
            @ExplicitNull var list: [Inner]?
        }
        try expectSame([Nullable(value: 1.5, list: [Inner(value: 2)]), Nullable(value: nil, list: nil)])
        for broken in [[Nullable(value: 1, list: nil), Nullable(value: .nan, list: nil)], [Nullable(value: nil, list: [Inner(value: .infinity)])]] {
            let ours = failurePath(#expect(throws: EncodingError.self) { try SortedJSONEncoder().encode(broken) })
            let foundation = failurePath(#expect(throws: EncodingError.self) { try JSONEncoder().encode(broken) })
            #expect(ours != nil && ours == foundation, "\(ours ?? "none") against \(foundation ?? "none")")
        }
    }

    struct CodingPathText {
        let text: String
        init(_ path: [any CodingKey]) { text = path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
    }

    struct AnyEncodable: Encodable {
        let value: any Encodable
        init(_ value: any Encodable) { self.value = value }
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    @Test("random trees of objects, arrays and leaves encode as JSONEncoder encodes them")
    func randomTrees() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            try expectSame(Tree.random(depth: 4, using: &generator))
        }
    }

    struct Widths: Encodable {
        var a = Int8.min, b = Int16.min, c = Int32.min, d = Int64.min, e = UInt.max, f = UInt8.max, g = UInt16.max, h = UInt32.max, i = UInt64.max
        var j = true, k = false
    }

    struct Empty: Encodable {}

    struct InOrder: Encodable {
        struct Leaf: Encodable { var a: String; var b: Int; var c: [Int]? }
        var alpha: [Leaf]
        var beta: [String: Leaf]
        var gamma: Mixed
        var delta: [[Leaf]]
        var epsilon: OutOfOrder
    }

    struct Mixed: Encodable {
        var name: String
        var absent: Int?
        @ExplicitNull var explicit: String?
        var list: [[Int]]
        var nested: [String: [String: Int]]
    }

    /// A custom encoding that opens nested containers and a super encoder, fills them
    /// after writing later members, and writes a key twice in no particular order.
    struct OutOfOrder: Encodable {
        enum Keys: String, CodingKey { case zeta, alpha, middle, list, parent }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(1, forKey: .zeta)
            var middle = container.nestedContainer(keyedBy: Keys.self, forKey: .middle)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            let parent = container.superEncoder(forKey: .parent)
            try container.encode("first", forKey: .alpha)
            try middle.encode(true, forKey: .zeta)
            try middle.encodeNil(forKey: .alpha)
            try list.encode(1)
            var inner = list.nestedUnkeyedContainer()
            try list.encode("after")
            try inner.encode(2.5)
            var single = parent.singleValueContainer()
            try single.encode(["p": 1])
        }
    }

    indirect enum Tree: Encodable {
        case object([String: Tree]), array([Tree]), string(String), number(Double), integer(Int), flag(Bool), null

        static func random(depth: Int, using generator: inout SystemRandomNumberGenerator) -> Tree {
            let choice = Int.random(in: 0..<(depth > 0 ? 7 : 5), using: &generator)
            switch choice {
            case 0: return .string(String((0..<Int.random(in: 0..<8, using: &generator)).map { _ in
                    Character(UnicodeScalar([0x0A, 0x22, 0x2F, 0x41, 0x5C, 0x61, 0x7F, 0xE9, 0x1F600, 0x01].randomElement(using: &generator)!)!) }))
            case 1: return .number(Double.random(in: -1e6...1e6, using: &generator) * (Bool.random(using: &generator) ? 1 : 1e-9))
            case 2: return .integer(Int.random(in: .min ... .max, using: &generator))
            case 3: return .flag(Bool.random(using: &generator))
            case 4: return .null
            case 5:
                var members: [String: Tree] = [:]
                for _ in 0..<Int.random(in: 0..<5, using: &generator) {
                    let key = String((0..<Int.random(in: 0..<4, using: &generator)).map { _ in "aAzZ_0é\"".randomElement(using: &generator)! })
                    members[key] = random(depth: depth - 1, using: &generator)
                }
                return .object(members)
            default:
                return .array((0..<Int.random(in: 0..<5, using: &generator)).map { _ in random(depth: depth - 1, using: &generator) })
            }
        }

        func encode(to encoder: any Encoder) throws {
            var single = encoder.singleValueContainer()
            switch self {
            case .object(let members): try single.encode(members)
            case .array(let elements): try single.encode(elements)
            case .string(let text): try single.encode(text)
            case .number(let number): try single.encode(number)
            case .integer(let number): try single.encode(number)
            case .flag(let flag): try single.encode(flag)
            case .null: try single.encodeNil()
            }
        }
    }
}
