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
        var now: Int64 = 100
        while let next = queue.next(now: now, eligible: { _ in true }) { order.append(next.runId); now += 1 }
        #expect(order == ["a0", "b0", "c0", "a1", "b1", "a2", "a3"])
        #expect(queue.isEmpty)
    }

    @Test("a user served last waits behind one who arrives later; an ineligible user is skipped, not dropped")
    func servedLastGoesBehind() {
        var queue = FairQueue()
        queue.append("a0", user: "a")
        #expect(queue.next(now: 1, eligible: { _ in true })?.runId == "a0")
        queue.append("a1", user: "a")
        queue.append("b0", user: "b")
        #expect(queue.next(now: 2, eligible: { _ in true })?.runId == "b0")
        queue.append("b1", user: "b")
        #expect(queue.next(now: 3, eligible: { $0 != "a" })?.runId == "b1")
        #expect(queue.next(now: 4, eligible: { $0 != "a" }) == nil)
        #expect(queue.contains("a1") && queue.count == 1)
        #expect(queue.remove("a1") && !queue.remove("a1"))
        #expect(queue.isEmpty)
    }

    @Test("the order survives a restart: a user served recently before it waits behind one served long ago")
    func seeded() {
        var queue = FairQueue()
        queue.seed(lastServed: ["a": 2_000, "b": 1_000])
        queue.append("a0", user: "a")
        queue.append("b0", user: "b")
        #expect(queue.next(now: 3_000, eligible: { _ in true })?.runId == "b0")
    }
}
