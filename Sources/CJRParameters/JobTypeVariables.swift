import CJRModel

/// Variables the platform sets for some job types. A hosted custom metric job runs for one
/// metric of one deployment, and its code reads which from `DEPLOYMENT_ID`,
/// `CUSTOM_METRIC_ID` and `MODEL_ID`, and whether to submit values from `DRY_RUN`.
///
/// cjr has no deployments, so locally the IDs come from runtime parameters of the same
/// names (declared in `metadata.yaml`, set like any other value) and are empty otherwise;
/// `DRY_RUN` is `1` unless a parameter says otherwise, since nothing here can receive a
/// metric's values.
public enum JobTypeVariables {
    public static func defaults(for jobType: JobType) -> [(name: String, value: String)] {
        switch jobType {
        case .hostedCustomMetric:
            [("DEPLOYMENT_ID", ""), ("CUSTOM_METRIC_ID", ""), ("MODEL_ID", ""), ("DRY_RUN", "1")]
        case .default, .notification, .retraining:
            []
        }
    }
}
