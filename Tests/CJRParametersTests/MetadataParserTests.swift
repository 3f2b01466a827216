import Testing
import CJRModel
import CJRParameters

@Suite("metadata.yaml runtime parameter definitions")
struct MetadataParserTests {
    @Test("every type is read with its fields; other top-level keys are ignored")
    func allTypes() throws {
        let definitions = try MetadataParser.definitions(fromYAML: """
            name: example
            type: inference
            runtimeParameterDefinitions:
              - fieldName: GREETING
                type: string
                defaultValue: hello
                description: What to say
              - fieldName: THRESHOLD
                type: numeric
                defaultValue: 10
                minValue: 0
                maxValue: 100
              - fieldName: DRY_RUN
                type: boolean
                defaultValue: false
              - fieldName: STORAGE
                type: credential
                credentialType: s3
                allowEmpty: false
              - fieldName: TARGET_DEPLOYMENT
                type: deployment
              - fieldName: PACKAGE
                type: modelPackage
              - fieldName: METRIC
                type: customMetric
                defaultValue: "12345"
            """)
        #expect(definitions.map(\.fieldName) == ["GREETING", "THRESHOLD", "DRY_RUN", "STORAGE", "TARGET_DEPLOYMENT", "PACKAGE", "METRIC"])
        #expect(definitions[0] == RuntimeParameterDefinition(fieldName: "GREETING", type: .string, defaultValue: .string("hello"), description: "What to say"))
        #expect(definitions[1].defaultValue == .numeric(10) && definitions[1].minValue == 0 && definitions[1].maxValue == 100)
        #expect(definitions[2].defaultValue == .boolean(false))
        #expect(definitions[3].credentialType == .s3 && definitions[3].allowEmpty == false)
        #expect(definitions[6].defaultValue == .string("12345"))
    }

    @Test("a file without definitions declares none")
    func none() throws {
        #expect(try MetadataParser.definitions(fromYAML: "name: x\n").isEmpty)
        #expect(try MetadataParser.definitions(fromYAML: "").isEmpty)
        #expect(try MetadataParser.definitions(fromYAML: "runtimeParameterDefinitions:\n").isEmpty)
    }

    /// Each case: the file, and what the 422 message must contain (line and field).
    static let invalid: [(String, String)] = [
        ("runtimeParameterDefinitions: [\n  - {fieldName: A, type: string\n", "not valid YAML"),
        ("- just a list\n", "must be a mapping"),
        ("runtimeParameterDefinitions:\n  - fieldName: A\n    type: text\n", "line 3: runtimeParameterDefinitions[0].type: 'text'"),
        ("runtimeParameterDefinitions:\n  - fieldName: A\n    type: string\n  - fieldName: A\n    type: string\n", "line 4: runtimeParameterDefinitions[1].fieldName: 'A' is already declared"),
        ("runtimeParameterDefinitions:\n  - fieldName: N\n    type: numeric\n    defaultValue: 11\n    maxValue: 10\n", "line 4: runtimeParameterDefinitions[0].defaultValue"),
        ("runtimeParameterDefinitions:\n  - fieldName: N\n    type: numeric\n    minValue: 5\n    maxValue: 1\n", "minValue 5.0 is greater than maxValue 1.0"),
        ("runtimeParameterDefinitions:\n  - fieldName: N\n    type: numeric\n    defaultValue: \"ten\"\n", "defaultValue must be a number"),
        ("runtimeParameterDefinitions:\n  - fieldName: B\n    type: boolean\n    defaultValue: yes please\n", "defaultValue must be true or false"),
        ("runtimeParameterDefinitions:\n  - fieldName: 2FAST\n    type: string\n", "'2FAST' is not an identifier"),
        ("runtimeParameterDefinitions:\n  - fieldName: my-param\n    type: string\n", "is not an identifier"),
        ("runtimeParameterDefinitions:\n  - fieldName: PATH\n    type: string\n", "'PATH' is reserved"),
        ("runtimeParameterDefinitions:\n  - fieldName: DATAROBOT_API_TOKEN\n    type: string\n", "is reserved"),
        ("runtimeParameterDefinitions:\n  - fieldName: LD_PRELOAD\n    type: string\n", "is reserved"),
        ("runtimeParameterDefinitions:\n  - fieldName: S\n    type: string\n    minValue: 1\n", "minValue applies to numeric parameters only"),
        ("runtimeParameterDefinitions:\n  - fieldName: C\n    type: credential\n    credentialType: ftp\n", "credentialType: 'ftp'"),
        ("runtimeParameterDefinitions:\n  - fieldName: S\n    type: string\n    credentialType: s3\n", "credentialType applies to credential parameters only"),
        ("runtimeParameterDefinitions:\n  - type: string\n", "fieldName is required"),
        ("runtimeParameterDefinitions:\n  - fieldName: S\n    type: string\n    colour: red\n", "unknown key 'colour'"),
        ("runtimeParameterDefinitions:\n  - fieldName: S\n    type: string\n    allowEmpty: maybe\n", "allowEmpty must be true or false"),
        ("runtimeParameterDefinitions: 5\n", "must be a list"),
    ]

    @Test("invalid files are refused with the file, line and field named", arguments: invalid)
    func refused(yaml: String, expected: String) {
        do {
            _ = try MetadataParser.definitions(fromYAML: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.kind == .invalidInput)
            #expect(error.message.hasPrefix("metadata.yaml"), "\(error.message)")
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }
}

@Suite("Parameter values in the environment")
struct ParameterEncodingTests {
    @Test("numbers are written as Python writes floats", arguments: [
        (10.0, "10.0"), (0.5, "0.5"), (-3.0, "-3.0"), (1e-05, "1e-05"), (0.0001, "0.0001"), (1e16, "1e+16"),
        (9_007_199_254_740_993.0, "9007199254740992.0"), (123456.789, "123456.789"), (0.0, "0.0"),
    ])
    func numbers(value: Double, text: String) {
        #expect(ParameterEncoding.text(of: .numeric(value)) == text)
    }

    @Test("booleans are True and False, strings are as-is")
    func others() {
        #expect(ParameterEncoding.text(of: .boolean(true)) == "True")
        #expect(ParameterEncoding.text(of: .boolean(false)) == "False")
        #expect(ParameterEncoding.text(of: .string("a b=c")) == "a b=c")
    }

    @Test("credential fields become UPPER_SNAKE suffixes")
    func credentialNames() {
        #expect(CredentialFields.upperSnake("awsAccessKeyId") == "AWS_ACCESS_KEY_ID")
        #expect(CredentialFields.upperSnake("user") == "USER")
        #expect(CredentialFields.upperSnake("apiToken") == "API_TOKEN")
    }

    @Test("the DRUM payload has exactly type and payload")
    func drum() {
        #expect(ParameterEncoding.drumPayload(type: .numeric, value: .numeric(10), credential: nil) == #"{"payload":10,"type":"numeric"}"#)
        #expect(ParameterEncoding.drumPayload(type: .string, value: nil, credential: nil) == #"{"payload":null,"type":"string"}"#)
    }
}
