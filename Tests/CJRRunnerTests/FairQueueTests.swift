import Testing
@testable import CJRRunner

@Suite("The fair queue's order")
struct FairQueueTests {
    @Test("users take turns, each FIFO, the least recently served first")
    func roundRobin() {
        var queue = FairQueue()
        for index in 0..<4 { queue.append("a\(index)", user: "a") }
        queue.append("b0", user: "b")
        queue.append("c0", user: "c")
        queue.append("b1", user: "b")
        var order: [String] = []
        while let next = queue.next(eligible: { _ in true }) { order.append(next.runId) }
        #expect(order == ["a0", "b0", "c0", "a1", "b1", "a2", "a3"])
        #expect(queue.isEmpty)
    }

    @Test("a user served last waits behind one who arrives later; an ineligible user is skipped, not dropped")
    func servedLastGoesBehind() {
        var queue = FairQueue()
        queue.append("a0", user: "a")
        #expect(queue.next(eligible: { _ in true })?.runId == "a0")
        queue.append("a1", user: "a")
        queue.append("b0", user: "b")
        #expect(queue.next(eligible: { _ in true })?.runId == "b0")
        queue.append("b1", user: "b")
        #expect(queue.next(eligible: { $0 != "a" })?.runId == "b1")
        #expect(queue.next(eligible: { $0 != "a" }) == nil)
        #expect(queue.contains("a1") && queue.count == 1)
        #expect(queue.remove("a1") && !queue.remove("a1"))
        #expect(queue.isEmpty)
    }
}
