#if os(Linux)
  import Glibc

  /// The process table read from `/proc`.
  struct LinuxProcessTable: ProcessTable {
    func snapshot(of pid: Int32) -> ProcessSnapshot? {
      guard pid > 0, case .success(let bytes) = Self.readFile("/proc/\(pid)/stat") else { return nil }
      return ProcessSnapshot(procStat: bytes)
    }

    func allSnapshots() -> [ProcessSnapshot] {
      Self.listPIDs().compactMap { snapshot(of: $0) }
    }

    func environment(of pid: Int32) -> EnvironmentReading {
      switch Self.readFile("/proc/\(pid)/environ") {
      case .success(let bytes):
        return .entries(bytes.split(separator: 0, omittingEmptySubsequences: true).map(Array.init))
      case .failure(let failure) where failure.errno == ENOENT || failure.errno == ESRCH:
        return .noSuchProcess
      case .failure:
        return .unreadable
      }
    }

    func currentPID() -> Int32 { getpid() }

    func currentEnvironmentValue(_ name: String) -> String? {
      getenv(name).map { String(cString: $0) }
    }

    func currentGroupAndSession() -> (group: Int32, session: Int32) { (getpgid(0), getsid(0)) }

    func bootID() -> String { Self.runningBootID }

    /// `/proc/sys/kernel/random/boot_id`, read once: a random UUID the kernel makes at each boot.
    private static let runningBootID: String = {
      guard case .success(let bytes) = readFile("/proc/sys/kernel/random/boot_id") else { return "" }
      return String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
    }()

    /// The numeric entries of `/proc`.
    private static func listPIDs() -> [Int32] {
      guard let directory = opendir("/proc") else { return [] }
      defer { closedir(directory) }
      var pids: [Int32] = []
      while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          Array(raw.prefix { $0 != 0 })
        }
        guard !name.isEmpty, name.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { continue }
        if let pid = Int32(String(decoding: name, as: UTF8.self)) { pids.append(pid) }
      }
      return pids
    }

    /// Why a file could not be read.
    struct ReadFailure: Error {
      var errno: Int32
    }

    /// The whole content of a (small, virtual) file, or the `errno` of the failure.
    static func readFile(_ path: String) -> Result<[UInt8], ReadFailure> {
      let descriptor = open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { return .failure(ReadFailure(errno: errno)) }
      defer { close(descriptor) }
      var content: [UInt8] = []
      var chunk = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
          content += chunk[..<count]
        } else if count == 0 {
          return .success(content)
        } else if errno != EINTR {
          return .failure(ReadFailure(errno: errno))
        }
      }
    }
  }

  /// This platform's process table.
  typealias SystemProcessTable = LinuxProcessTable

  extension ProcessSnapshot {
    /// Parses the content of `/proc/<pid>/stat`.
    ///
    /// The second field is the command name in parentheses, and that name may itself contain
    /// spaces and parentheses (`(a) b (c)`), so the fields are counted from the *last* `)`.
    /// Field 22 is `starttime`.
    ///
    /// - Returns: `nil` when the text is not a `stat` line.
    public init?(procStat bytes: some Collection<UInt8>) {
      let bytes = Array(bytes)
      guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
        let close = bytes.lastIndex(of: UInt8(ascii: ")")), open < close,
        let pid = Int32(String(decoding: bytes[..<open].filter { $0 != UInt8(ascii: " ") }, as: UTF8.self))
      else { return nil }
      // Fields 3 (state) to 22 (starttime), cut as bytes; only the five used become (small, inline)
      // strings: all ~50 made into strings cost a scan of the table, and each start of a child, far
      // more.
      var fields: [ArraySlice<UInt8>] = []
      fields.reserveCapacity(20)
      var index = close + 1
      while index < bytes.count && fields.count < 20 {
        while index < bytes.count && bytes[index] == UInt8(ascii: " ") { index += 1 }
        let start = index
        while index < bytes.count && bytes[index] != UInt8(ascii: " ") { index += 1 }
        if start < index { fields.append(bytes[start..<index]) }
      }
      guard fields.count >= 20, fields[0].count == 1, let state = fields[0].first, state < 0x80,
        let parentPID = Int32(String(decoding: fields[1], as: UTF8.self)),
        let processGroupID = Int32(String(decoding: fields[2], as: UTF8.self)),
        let sessionID = Int32(String(decoding: fields[3], as: UTF8.self)),
        let startTime = UInt64(String(decoding: fields[19], as: UTF8.self))
      else { return nil }
      self.init(
        pid: pid, parentPID: parentPID, processGroupID: processGroupID, sessionID: sessionID,
        state: Character(Unicode.Scalar(state)), startTime: startTime)
    }

  }

#endif
