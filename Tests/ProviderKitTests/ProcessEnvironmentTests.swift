import Foundation
import ProviderKit
import Testing

@Suite struct ProcessEnvironmentTests {
  @Test func readsTheSameEnvironmentFoundationDoes() {
    #expect(ProcessEnvironment.current == ProcessInfo.processInfo.environment)
    #expect(ProcessEnvironment.current["PATH"] == String(cString: getenv("PATH")))
  }
}
