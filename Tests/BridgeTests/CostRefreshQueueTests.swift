import Testing
@testable import Bridge

@Suite struct CostRefreshQueueTests {
    @Test func aVehicleWaitsOnceForItsLatestSessionInTheOrderItBecameDue() {
        let queue = CostRefreshQueue()
        queue.add(vehicleId: "car1", sessionId: "car1-a")
        queue.add(vehicleId: "car2", sessionId: "car2-a")
        // Closed and a new one opened before its turn: one refresh, for the new session.
        queue.add(vehicleId: "car1", sessionId: "car1-b")
        queue.add(vehicleId: "car1", sessionId: "car1-b")
        #expect(queue.count == 2)
        #expect(queue.next() == .init(vehicleId: "car1", sessionId: "car1-b"))
        #expect(queue.next() == .init(vehicleId: "car2", sessionId: "car2-a"))
        #expect(queue.next() == nil)
        queue.add(vehicleId: "car1", sessionId: nil)
        #expect(queue.next() == .init(vehicleId: "car1", sessionId: nil))
    }
}
