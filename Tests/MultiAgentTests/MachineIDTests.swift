import Testing

@testable import MultiAgent

/// How the machine is named: `MULTIAGENT_MACHINE_ID` first, trimmed, never blank, never huge.
@Suite struct MachineIDTests {
  @Test func namesAreTrimmedOfWhiteSpaceAndLineBreaksAndBlankOnesAreNone() {
    #expect(MachineID.cleaned("  pod-a\n") == "pod-a")
    #expect(MachineID.cleaned("\u{3000}b1 c2\t\r\n") == "b1 c2")
    #expect(MachineID.cleaned(" \n\t") == nil)
    #expect(MachineID.cleaned("") == nil)
    #expect(MachineID.cleaned(nil) == nil)
    #expect(MachineID.cleaned(String(repeating: "x", count: 500))?.count == MachineID.maximumLength)
  }

  @Test func theVariableWinsAndABlankOneIsIgnored() {
    #expect(MachineID.current(environment: [MachineID.environmentVariable: " pod-b "]) == "pod-b")
    let fallback = MachineID.current(environment: [MachineID.environmentVariable: "  "])
    #expect(!fallback.isEmpty && fallback != "  ")
    #expect(fallback == MachineID.current(environment: [:]))
  }
}
