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

    @Test func aBatchTakesTheOldestInOrderAndLeavesTheRest() {
        let queue = CostRefreshQueue()
        for index in 1...5 { queue.add(vehicleId: "car\(index)", sessionId: "car\(index)-a") }
        queue.add(vehicleId: "car2", sessionId: "car2-b")
        #expect(queue.next(upTo: 3) == [.init(vehicleId: "car1", sessionId: "car1-a"), .init(vehicleId: "car2", sessionId: "car2-b"),
                                        .init(vehicleId: "car3", sessionId: "car3-a")])
        // Taken off: due again, it queues behind the rest.
        queue.add(vehicleId: "car1", sessionId: "car1-a")
        #expect(queue.next(upTo: 10).map(\.vehicleId) == ["car4", "car5", "car1"])
        #expect(queue.next(upTo: 10).isEmpty)
        #expect(queue.count == 0)
    }
}
