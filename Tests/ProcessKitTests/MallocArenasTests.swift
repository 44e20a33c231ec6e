import ProcessKit
import Testing

/// The executable asks glibc for one malloc arena first thing; glibc must take the setting, and
/// allocations on other threads must work under it.
@Suite struct MallocArenasTests {
  @Test func glibcTakesTheSettingAndThreadsStillAllocate() async {
    #expect(MallocArenas.useOne())
    let sums = await withTaskGroup(of: Int.self) { group in
      for worker in 0..<4 {
        group.addTask {
          (0..<10_000).map { [Int](repeating: $0 + worker, count: 8) }.reduce(0) { $0 + $1[7] }
        }
      }
      return await group.reduce(into: [Int]()) { $0.append($1) }
    }
    #expect(sums.sorted() == (0..<4).map { worker in (0..<10_000).reduce(0) { $0 + $1 + worker } })
  }
}
