import Foundation
import Testing
import CJRModel

@Suite("Runtime parameter values")
struct RuntimeParameterTests {
    @Test("JSON booleans stay booleans and numbers stay numbers")
    func decoding() throws {
        let values = try JSONDecoder().decode([RuntimeParameterValue].self, from: Data(#"[true, 1, 1.5, "1", "true"]"#.utf8))
        #expect(values == [.boolean(true), .numeric(1), .numeric(1.5), .string("1"), .string("true")])
    }

    static let definitions: [RuntimeParameterDefinition] = [
        .init(fieldName: "THRESHOLD", type: .numeric, defaultValue: .numeric(0.5), minValue: 0, maxValue: 1),
        .init(fieldName: "NAME", type: .string),
        .init(fieldName: "DRY_RUN", type: .boolean),
    ]

    @Test("overrides merge over current values and null unsets")
    func merging() throws {
        let merged = try Self.definitions.merging(
            [.init(fieldName: "THRESHOLD", type: .numeric, value: .numeric(0.9)),
             .init(fieldName: "NAME", type: .string, value: nil)],
            into: ["NAME": .string("old"), "DRY_RUN": .boolean(true)], field: "runtimeParameterValues")
        #expect(merged == ["THRESHOLD": .numeric(0.9), "DRY_RUN": .boolean(true)])
    }

    @Test("unknown names, type mismatches and out-of-range numbers are refused", arguments: [
        RuntimeParameterOverride(fieldName: "NOPE", type: .string, value: .string("x")),
        RuntimeParameterOverride(fieldName: "NAME", type: .numeric, value: .numeric(1)),
        RuntimeParameterOverride(fieldName: "NAME", type: .string, value: .numeric(1)),
        RuntimeParameterOverride(fieldName: "THRESHOLD", type: .numeric, value: .numeric(1.5)),
        RuntimeParameterOverride(fieldName: "THRESHOLD", type: .numeric, value: .numeric(-0.1)),
        RuntimeParameterOverride(fieldName: "DRY_RUN", type: .boolean, value: .string("true")),
        RuntimeParameterOverride(fieldName: "NAME", type: .string, value: .string(String(repeating: "x", count: 4_097))),
    ])
    func refused(override: RuntimeParameterOverride) {
        #expect(throws: CJRError.self) {
            try Self.definitions.merging([override], into: [:], field: "runtimeParameterValues")
        }
    }
}
