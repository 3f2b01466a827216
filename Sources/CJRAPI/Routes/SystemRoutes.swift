import Hummingbird
import CJRModel
import CJRRunner

/// `GET /version/` and `GET /customJobLimits/`.
struct SystemRoutes {
    /// The API version cjr implements; the official client (3.x) compares the minor number.
    static let apiMajor = 2
    static let apiMinor = 49
    static let cjrVersion = "0.1.0"

    let configuration: APIConfiguration

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("version") { _, _ in
            try JSONResponse.make(VersionPayload(major: Self.apiMajor, minor: Self.apiMinor,
                                                 versionString: "\(Self.apiMajor).\(Self.apiMinor).0", cjrVersion: Self.cjrVersion))
        }
        router.get("customJobLimits") { _, _ in
            try JSONResponse.make(LimitsPayload(maxCustomJobRuns: configuration.runner.maxConcurrentRuns,
                                                maxCustomJobTimeout: configuration.runner.timeoutSeconds,
                                                maxCustomJobRunsPerUser: configuration.runner.maxRunsPerUser))
        }
    }
}
