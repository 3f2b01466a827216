import ArgumentParser
import Foundation
import CJRModel
import CJRStore

/// `--gallery DIR`: where the template gallery lives. By default, the `examples/` folder of
/// the checkout cjr was built from (so `swift run cjr serve` serves the repository's
/// examples); a binary moved elsewhere has no gallery unless told.
struct GalleryOption: ParsableArguments {
    @Option(name: .customLong("gallery"), help: "Template gallery folder, holding gallery.yaml (default: the repository's examples/).")
    var path: String?

    static let builtIn = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    /// The gallery; an explicit folder must be valid, the built-in one is skipped if absent.
    func load(resourceBundles: ResourceBundles = .builtIn) throws -> TemplateGallery {
        if let path { return try TemplateGallery(directory: URL(fileURLWithPath: path), resourceBundles: resourceBundles) }
        guard FileManager.default.fileExists(atPath: Self.builtIn.appendingPathComponent(TemplateGallery.indexName).path) else {
            return TemplateGallery()
        }
        return try TemplateGallery(directory: Self.builtIn, resourceBundles: resourceBundles)
    }
}
