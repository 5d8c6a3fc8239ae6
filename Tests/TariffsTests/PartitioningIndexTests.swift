import Testing
@testable import Tariffs

/// `partitioningIndex(where:)` against a linear search: every cut of sorted lists with
/// repeated values, empty and one-element lists, and an array slice (indices not from 0).
struct PartitioningIndexTests {
    @Test(arguments: [[Int](), [5], [1, 1, 1], [0, 2, 2, 4, 7, 7, 9], Array(0..<100)])
    func findsTheFirstElementAfterEveryCut(values: [Int]) {
        for cut in -1...(values.max() ?? 0) + 1 {
            let expected = values.firstIndex { $0 > cut } ?? values.count
            #expect(values.partitioningIndex { $0 > cut } == expected)
        }
    }

    @Test func sliceKeepsItsIndices() {
        let slice = [0, 1, 2, 3, 4, 5, 6][2...]
        #expect(slice.partitioningIndex { $0 >= 4 } == 4)
        #expect(slice.partitioningIndex { $0 > 100 } == slice.endIndex)
        #expect(slice.partitioningIndex { _ in true } == slice.startIndex)
    }
}
