import CLibPQ

#if canImport(Glibc)
  import Glibc
#endif

/// libpq's functions, loaded with `dlopen` the first time a PostgreSQL store is opened.
///
/// Not linked: libpq brings about twenty shared libraries with it (TLS, Kerberos, LDAP, …), and
/// loading them doubled the start-up of every command and every supervisor, PostgreSQL or not. Only
/// the header is used at build time (types and constants); the library itself (`libpq.so.5`, Debian's
/// `libpq5`) is needed only by those who use the store.
struct LibPQ: @unchecked Sendable {
  // `PGconn` and `PGresult` are opaque structs: OpaquePointer. Names follow libpq's without `PQ`.
  let connectdbParams:
    @convention(c) (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?, Int32) ->
      OpaquePointer?
  let status: @convention(c) (OpaquePointer?) -> ConnStatusType
  let errorMessage: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
  let finish: @convention(c) (OpaquePointer?) -> Void
  let setNoticeProcessor:
    @convention(c) (OpaquePointer?, PQnoticeProcessor?, UnsafeMutableRawPointer?) -> PQnoticeProcessor?
  let sendPrepare:
    @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?)
      ->
      Int32
  let sendQueryPrepared:
    @convention(c) (
      OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<UnsafePointer<CChar>?>?,
      UnsafePointer<Int32>?,
      UnsafePointer<Int32>?, Int32
    ) -> Int32
  let sendQuery: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32
  let cmdTuples: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
  let clear: @convention(c) (OpaquePointer?) -> Void
  let exec: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
  let transactionStatus: @convention(c) (OpaquePointer?) -> PGTransactionStatusType
  let isBusy: @convention(c) (OpaquePointer?) -> Int32
  let getResult: @convention(c) (OpaquePointer?) -> OpaquePointer?
  let resultStatus: @convention(c) (OpaquePointer?) -> ExecStatusType
  let socket: @convention(c) (OpaquePointer?) -> Int32
  let consumeInput: @convention(c) (OpaquePointer?) -> Int32
  let resultErrorField: @convention(c) (OpaquePointer?, Int32) -> UnsafeMutablePointer<CChar>?
  let resultErrorMessage: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
  let ntuples: @convention(c) (OpaquePointer?) -> Int32
  let getisnull: @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
  let getvalue: @convention(c) (OpaquePointer?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
  let getlength: @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
  let unescapeBytea:
    @convention(c) (UnsafePointer<UInt8>?, UnsafeMutablePointer<Int>?) -> UnsafeMutablePointer<UInt8>?
  let freemem: @convention(c) (UnsafeMutableRawPointer?) -> Void
  let notifies: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<PGnotify>?

  /// The library, loaded once per process; the error says how to install it when it is missing.
  static func load() throws(StoreError) -> LibPQ {
    try loaded.get()
  }

  private static let loaded: Result<LibPQ, StoreError> = {
    guard let library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL) else {
      let reason = dlerror().map { String(cString: $0) } ?? "not found"
      return .failure(
        StoreError(
          code: .cannotOpen,
          message: "a PostgreSQL store needs the PostgreSQL client library, libpq.so.5 (\(reason)); "
            + "install it (Debian: apt-get install libpq5)"))
    }
    do throws(StoreError) {
      return .success(try LibPQ(library))
    } catch {
      return .failure(error)
    }
  }()

  private init(_ library: UnsafeMutableRawPointer) throws(StoreError) {
    func symbol<T>(_ name: String) throws(StoreError) -> T {
      guard let pointer = dlsym(library, name) else {
        throw StoreError(
          code: .cannotOpen, message: "libpq.so.5 has no \(name): an unsupported libpq version")
      }
      return unsafeBitCast(pointer, to: T.self)
    }
    connectdbParams = try symbol("PQconnectdbParams")
    status = try symbol("PQstatus")
    errorMessage = try symbol("PQerrorMessage")
    finish = try symbol("PQfinish")
    setNoticeProcessor = try symbol("PQsetNoticeProcessor")
    sendPrepare = try symbol("PQsendPrepare")
    sendQueryPrepared = try symbol("PQsendQueryPrepared")
    sendQuery = try symbol("PQsendQuery")
    cmdTuples = try symbol("PQcmdTuples")
    clear = try symbol("PQclear")
    exec = try symbol("PQexec")
    transactionStatus = try symbol("PQtransactionStatus")
    isBusy = try symbol("PQisBusy")
    getResult = try symbol("PQgetResult")
    resultStatus = try symbol("PQresultStatus")
    socket = try symbol("PQsocket")
    consumeInput = try symbol("PQconsumeInput")
    resultErrorField = try symbol("PQresultErrorField")
    resultErrorMessage = try symbol("PQresultErrorMessage")
    ntuples = try symbol("PQntuples")
    getisnull = try symbol("PQgetisnull")
    getvalue = try symbol("PQgetvalue")
    getlength = try symbol("PQgetlength")
    unescapeBytea = try symbol("PQunescapeBytea")
    freemem = try symbol("PQfreemem")
    notifies = try symbol("PQnotifies")
  }
}
