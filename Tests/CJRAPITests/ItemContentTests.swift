import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport

@Suite("A file's content, streamed from disk as JSON")
struct ItemContentTests {
    /// What JSONEncoder (as the server's other answers use it) makes of the same payload.
    private func encoded(content: String, fileName: String, filePath: String, id: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(["content": content, "fileName": fileName, "filePath": filePath, "id": id])
        return String(decoding: data, as: UTF8.self)
    }

    @Test("escaping matches JSONEncoder byte for byte; a character split across read pieces is whole")
    func streamedAsEncoded() async throws {
        let tricky = "quote \" backslash \\ slash / tab\t newline\n cr\r bell\u{7} nul\u{0} del\u{7f} é 漢字 😀 \u{2028}"
        // 65,535 ASCII bytes then a two-byte character: it straddles the first 64 KiB piece.
        let straddling = String(repeating: "a", count: 65_535) + "é" + String(repeating: "b", count: 10)
        try await withServer { api in
            let job = try await api.createJob(files: [("tricky.txt", tricky), ("dir/big.txt", straddling)])
            let jobId = try #require(job["id"].string)
            for item in job["items"].array {
                let itemId = try #require(item["id"].string)
                let response = try await api.get("/customJobs/\(jobId)/items/\(itemId)/")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let path = try #require(item["filePath"].string)
                let expected = try encoded(content: path == "tricky.txt" ? tricky : straddling, fileName: try #require(item["fileName"].string),
                                           filePath: path, id: itemId)
                #expect(String(buffer: response.body) == expected, "\(path)")
            }
        }
    }

    @Test("content that is not UTF-8, whole or at the very end, is the reference's 422")
    func notUTF8() async throws {
        try await withServer { api in
            var form = MultipartBody()
            form.field("name", "binary")
            form.file(path: "bin", content: [0x66, 0x6f, 0xff, 0x6f])
            form.file(path: "cut", content: Array("abc".utf8) + [0xE6, 0xBC]) // an incomplete character at the end
            let job = try JSON(try await api.sendForm(.post, "/customJobs/", form))
            let jobId = try #require(job["id"].string)
            for item in job["items"].array {
                let response = try await api.get("/customJobs/\(jobId)/items/\(try #require(item["id"].string))/")
                #expect(response.status == .unprocessableContent)
                #expect(try JSON(response)["message"].string?.hasPrefix("File is not utf-8 encoded") == true)
            }
        }
    }
}
